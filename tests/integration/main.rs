//! The integration test binary: one module per concern.

/// Analytic cases with closed-form answers, checked within their 99% confidence intervals.
mod analytic;
/// Bad input: each class of mistake gives a located error, a non-zero exit and no output.
mod bad_input;
/// Damaged, edited, crafted or foreign shard parts: refused by the file, never a panic.
mod damaged;
/// Byte-identical tables for any thread count and chunk grouping; `explain` agrees with `run`.
mod determinism;
/// Region runs: Erlang C queueing, the average annual loss, thread-count independence.
mod region;
/// Every shipped scenario passes `check` and runs.
mod scenarios;
/// Shards merged equal a single run; precision runs stop reproducibly; merge refuses mismatches.
mod shards;
/// Shared helpers.
mod testutil;
