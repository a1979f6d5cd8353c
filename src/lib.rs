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
//! Modules, from the bottom up (each uses only those before it; `tests/integration/layering.rs`
//! checks it): [`stats`] (mergeable accumulators), [`limits`] (every bound of the engine),
//! [`digest`] (SHA-256), [`suggest`] (did-you-mean), [`dist`] (distributions with units),
//! [`model`] (the compiled scenario, the region's data, the outcome record), [`scenario`] (file
//! format, loading, validation, compiling), [`engine`] (one incident as a discrete-event
//! simulation), [`tally`] (per-strategy accumulators over outcomes), [`runner`] (the one runner:
//! units of work, rayon, precision, shards, progress), [`region`] (periods of incidents against
//! shared responder pools, the loss figures), [`report`] (every file written: tables, loss
//! tables, manifest, figures, page, shard state, the output directory), [`sweep`] (one run per
//! value of a field), [`cli`].

// The scenario schema is one `serde_json::json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod cli;
pub mod digest;
pub mod dist;
pub mod engine;
pub mod limits;
pub mod losses;
pub mod model;
pub mod region;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod suggest;
pub mod sweep;
pub mod tally;
