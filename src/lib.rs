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
//! Scenario + region + (seed, period) --engine::period--> incidents, losses, pool statistics
//! Outcomes --run: fold per fixed chunk or period, rayon--> accumulators (exact, associative merge)
//! accumulators --report--> CSV tables, run.json, figures, report page
//! ```
//!
//! Modules, from the bottom up (each uses only those before it; `tests/integration/layering.rs`
//! checks it): [`stats`] (mergeable accumulators), [`limits`] (every bound of the engine),
//! [`digest`] (SHA-256), [`suggest`] (did-you-mean), [`dist`] (distributions with units),
//! [`model`] (the compiled scenario, the region's data, the outcome record), [`scenario`] (file
//! format, loading, validation, compiling), [`units`] (how a run is cut into units: chunk size,
//! shard ranges), [`tally`] (per-strategy accumulators over outcomes), [`losses`] (a region
//! run's accumulators and results, the loss figures as pure functions), [`engine`] (one
//! incident, and one period of a region, as discrete-event simulations), [`run`] (the one
//! runner: units of work, rayon, precision, shards, progress; incident chunks, region
//! periods, parameter draws and calibration sets), [`fit`] (`lockout calibrate`'s adaptive
//! importance sampling over the runner's sets), [`report`] (every file written: tables, loss
//! tables, manifest, figures, page, shard state, the output directory), [`cli`] (the commands,
//! `sweep` among them).

// The scenario schema is one `serde_json::json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod cli;
pub mod digest;
pub mod dist;
pub mod engine;
pub mod fit;
pub mod limits;
pub mod losses;
pub mod model;
pub mod report;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod suggest;
pub mod tally;
pub mod units;
