//! The integration test binary: one module per concern.

/// Analytic cases with closed-form answers, checked within their 99% confidence intervals.
mod analytic;
/// Help for scenario authors: `lockout new` and `lockout schema`.
mod authoring;
/// Bad input: each class of mistake gives a located error, a non-zero exit and no output.
mod bad_input;
/// `lockout calibrate`: known parameters recovered, determinism, refusals, the README's section.
mod calibration;
/// `--version`, `--quiet`, completions, man page, "did you mean", headline tables.
mod cli_habits;
/// Damaged, edited, crafted or foreign shard parts: refused by the file, never a panic.
mod damaged;
/// Byte-identical tables for any thread count and chunk grouping; `explain` agrees with `run`.
mod determinism;
/// The lockout domain's mechanisms (trunk-button detection, overcharge and a guard's advice,
/// emergencies): closed forms of their effects.
mod domain;
/// Column types: every table's columns read in pandas as the README documents them.
mod dtypes;
/// Escalating and conditional policy steps: closed forms and refusals.
mod escalation;
/// `explain`: SPLT event ids for region incidents, filters, summaries, skip reasons.
mod explain;
/// Facts a scenario declares: drawn at their probabilities, refined by `given`, refused with a
/// line when cyclic or too many, and changing nothing when unused.
mod facts;
/// Fallbacks by situation: the first whose facts hold ends the incident.
mod fallbacks;
/// Figures without traps: identical curves named, remedy labels, no colour for a remedy that
/// ended nothing.
mod figures;
/// Frozen copies of the shipped scenarios still give their frozen tables, byte for byte.
mod golden;
/// The module graph of src/ against the layering table: no cycle, no arrow upwards.
mod layering;
/// The engine's limits: accepted at the limit, refused just past it; exact statistics or none.
mod limits;
/// Mutated shipped scenarios: refused with a line, or run within bounds; never a panic.
mod mutants;
/// Agreement with oasislmf's EP and AAL calculators on committed ORD SPLTs.
mod oasis;
/// Region runs: Erlang C queueing, the average annual loss, thread-count independence.
mod region;
/// Never lose a user's file: the `--out` rule, interrupted and failing runs, exit codes.
mod safety;
/// Every shipped scenario passes `check` and runs.
mod scenarios;
/// One schema per table: the row types are the headers, and real output rewrites byte for byte.
mod schema;
/// Shards merged equal a single run; precision runs stop reproducibly; merge refuses mismatches.
mod shards;
/// `docs/sources.md`: every row id a shipped scenario cites is a row there, once, with a source.
mod sources;
/// Sweeps: decimal values, durations, the sweep figure, `--set` on defaulted fields.
mod sweeps;
/// Shared helpers.
mod testutil;
/// Uncertain parameters: closed forms of the decision, EVPI and sensitivity, coverage,
/// byte-identical tables, refusals.
mod uncertainty;
/// Strategies with a target and an uptake: the closed-form mixture, the cost split, adopters.
mod uptake;
