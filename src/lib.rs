//! lockout: a discrete-event Monte Carlo simulator of car lockouts.
//!
//! The keys are locked in the trunk (or the car): what does it cost, in minutes and money,
//! to get them back, under each prevention strategy?
//!
//! Data flows one way, from the scenario file to the tables:
//!
//! ```text
//! scenarios/*.toml --scenario--> ScenarioSpec (serde) --compile--> Scenario (model: plain data,
//!     samplers built through rand_distr, names resolved to indices)
//! Scenario + (seed, incident index) --engine--> Outcome per strategy
//! Outcomes --runner: fold per fixed chunk, rayon--> stats accumulators (exact, associative merge)
//! accumulators --report--> CSV tables, run.json, figures, report page
//! ```
//!
//! Modules, from the bottom up: [`dist`] (distributions with units), [`stats`] (mergeable
//! accumulators), [`model`] (the compiled scenario), [`scenario`] (file format, loading,
//! validation), [`engine`] (one incident as a discrete-event simulation), [`tally`]
//! (per-strategy accumulators over outcomes), [`runner`] (chunks, rayon, precision, shards,
//! progress), [`region`] (periods of incidents against shared responder pools, loss tables),
//! [`sweep`] (one run per value of a field), [`report`] (tables, manifest, figures, report
//! page, shard state), [`cli`].

// The scenario schema is one `serde_json::json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod cli;
pub mod dist;
pub mod engine;
pub mod limits;
pub mod model;
pub mod region;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod sweep;
pub mod tally;
