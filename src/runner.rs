//! The one runner: units of work (incident chunks, region periods) folded on a rayon pool into
//! mergeable accumulators, with progress, precision batches and shard ranges written once for
//! every kind of run ([`Work`]); and the incident level's own work: fixed chunks, the hot loop,
//! and single-incident replay.
//!
//! Incidents are split into chunks of [`CHUNK_INCIDENTS`] (a constant, independent of the thread
//! count). Rayon folds chunks into per-worker [`RunTally`]s and merges them; since every random
//! draw is keyed by (seed, incident, tag) and every merge is exact, the result is the same to the
//! bit whatever the number of threads or the grouping of chunks. Region periods go the same
//! way ([`crate::region::PeriodWork`]).

use std::io::IsTerminal;
use std::ops::Range;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use rayon::prelude::*;

use crate::engine::incident::{ContextPart, DriverPart, VehiclePart};
use crate::engine::{Scratch, Situation, SituationDraws, TraceEvent, simulate};
use crate::model::Scenario;
use crate::model::outcome::Outcome;
use crate::tally::RunTally;

/// Incidents per chunk: the unit of parallel work and of progress.
pub const CHUNK_INCIDENTS: u64 = 1 << 14;

/// The most strategies a scenario may compare (outcomes of one incident live on the stack).
pub use crate::limits::MAX_STRATEGIES;

/// Chunks per batch of a precision-driven run: the precision is checked after each batch.
pub const PRECISION_BATCH_CHUNKS: u64 = 16;

/// Default cap on incidents for `--precision` runs.
pub const DEFAULT_MAX_INCIDENTS: u64 = 100_000_000;

/// One part of a run split across machines: part `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This part, from 1.
    pub index: u64,
    /// Number of parts.
    pub count: u64,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: expected K/N, e.g. 2/8"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text}: K is not a number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text}: N is not a number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("--shard {text}: need 1 <= K <= N"));
        }
        if n > crate::limits::MAX_SHARDS {
            return Err(format!(
                "--shard {text}: at most {} parts",
                crate::limits::MAX_SHARDS
            ));
        }
        Ok(Shard { index: k, count: n })
    }

    /// The contiguous chunks of this part among `n_chunks`: `[⌊(K−1)·C/N⌋, ⌊K·C/N⌋)`.
    pub fn chunks(self, n_chunks: u64) -> Range<u64> {
        let at = |k: u64| ((k as u128 * n_chunks as u128) / self.count as u128) as u64;
        at(self.index - 1)..at(self.index)
    }
}

/// Checks the options of `lockout run` against the scenario they run, before anything is
/// simulated ([`crate::limits`] has the bounds). Every error names the option.
pub fn check_run_options(
    scenario: &Scenario,
    incidents: Option<u64>,
    periods: Option<u64>,
    threads: usize,
    shard: Option<&str>,
    max_incidents: u64,
) -> Result<(), String> {
    crate::limits::check_threads(threads)?;
    if let Some(n) = incidents {
        crate::limits::check_incidents("--incidents", n)?;
    }
    crate::limits::check_incidents("--max-incidents", max_incidents)?;
    let (units, what) = match &scenario.region {
        Some(region) => {
            let p = periods.unwrap_or(region.periods);
            crate::limits::check_periods(p, scenario.strategies.len(), region.insured)?;
            (p, "periods")
        }
        None => (
            incidents
                .unwrap_or(scenario.incidents)
                .div_ceil(CHUNK_INCIDENTS),
            "chunks of 16,384 incidents",
        ),
    };
    if let Some(text) = shard {
        let shard = Shard::parse(text)?;
        if shard.count > units {
            return Err(format!(
                "--shard {text}: more parts than the run has {what} ({units}); use N <= {units}"
            ));
        }
    }
    Ok(())
}

/// How many incidents to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// Exactly this many (or this shard's share of them).
    Incidents(u64),
    /// Batches of [`PRECISION_BATCH_CHUNKS`] chunks until every strategy's 95% confidence
    /// half-width of mean time and mean total cost is within `relative` of the mean, at least
    /// `min_incidents` and at most `max_incidents`.
    Precision {
        /// Target relative half-width (0.01 = 1%).
        relative: f64,
        /// Simulate at least this many.
        min_incidents: u64,
        /// Stop here even if the target is not met.
        max_incidents: u64,
    },
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// How many incidents.
    pub amount: Amount,
    /// Only this part of the chunks (`None`: all of them).
    pub shard: Option<Shard>,
    /// Worker threads (0: rayon's default, one per core).
    pub threads: usize,
    /// Show a progress bar (only drawn when stderr is a terminal and not in CI).
    pub progress: bool,
}

impl RunOptions {
    /// Options for exactly `incidents` incidents, all of them, quietly.
    pub fn incidents(seed: u64, incidents: u64) -> RunOptions {
        RunOptions {
            seed,
            amount: Amount::Incidents(incidents),
            shard: None,
            threads: 0,
            progress: false,
        }
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The accumulated statistics.
    pub tally: RunTally,
    /// The run's total incident count (all shards together).
    pub incidents: u64,
    /// The incidents this process simulated, `[start, end)`.
    pub simulated: Range<u64>,
    /// Threads actually used.
    pub threads: usize,
    /// Wall-clock time of the simulation.
    pub wall_time: Duration,
    /// For precision runs: the largest relative half-width reached, and whether it met the target.
    pub precision: Option<(f64, bool)>,
}

/// Simulates incidents `range` on the current thread and returns their tally.
pub fn simulate_range(scenario: &Scenario, seed: u64, range: Range<u64>) -> RunTally {
    let mut tally = RunTally::new(scenario);
    let mut evaluator = Evaluator::new(scenario, seed);
    evaluator.simulate_into(range, &mut tally);
    tally
}

/// Evaluates incidents under every strategy, sharing what strategies have in common. Holds the
/// per-thread working memory of the hot loop, so evaluating allocates nothing once warm.
///
/// What is shared within an incident, each time only where it cannot change the result:
/// the outcome of a strategy with the same model (`same_model_as`); the situation of one with
/// the same population (`same_situation_as`); each part of the situation (vehicle, driver,
/// context) of one with that part the same (`same_part_as`); the outcome of one with the same
/// remedies and policies when the situation came out the same (`same_engine_as`); and the raw
/// draws of each remedy try (the [`Scratch`]'s draw cache).
pub struct Evaluator<'a> {
    scenario: &'a Scenario,
    seed: u64,
    scratch: Scratch,
    outcomes: [Outcome; MAX_STRATEGIES],
    situations: [Situation; MAX_STRATEGIES],
    vehicles: [VehiclePart; MAX_STRATEGIES],
    drivers: [DriverPart; MAX_STRATEGIES],
    contexts: [ContextPart; MAX_STRATEGIES],
}

impl<'a> Evaluator<'a> {
    /// An evaluator for run `seed` of `scenario` (at most [`MAX_STRATEGIES`] strategies).
    pub fn new(scenario: &'a Scenario, seed: u64) -> Evaluator<'a> {
        assert!(scenario.strategies.len() <= MAX_STRATEGIES);
        Evaluator {
            scenario,
            seed,
            scratch: Scratch::default(),
            outcomes: [Outcome::EMPTY; MAX_STRATEGIES],
            situations: [Situation::EMPTY; MAX_STRATEGIES],
            vehicles: [VehiclePart::default(); MAX_STRATEGIES],
            drivers: [DriverPart::default(); MAX_STRATEGIES],
            contexts: [ContextPart::default(); MAX_STRATEGIES],
        }
    }

    /// The outcomes of incident `index` under every strategy, in scenario order: the same as
    /// [`replay`] of each strategy alone.
    #[inline]
    pub fn evaluate(&mut self, index: u64) -> &[Outcome] {
        let draws = SituationDraws::draw(self.seed, index);
        for (s, strategy) in self.scenario.strategies.iter().enumerate() {
            if let Some(j) = strategy.same_model_as {
                self.outcomes[s] = self.outcomes[j];
                continue;
            }
            self.situations[s] = match strategy.same_situation_as {
                Some(j) => self.situations[j],
                None => {
                    // Strategies usually change one part of the population: realise only it.
                    // The strategy named for a part is its first with that part, which always
                    // realised it itself.
                    let model = &strategy.model;
                    let [v, d, c] = strategy.same_part_as;
                    self.vehicles[s] =
                        v.map_or_else(|| VehiclePart::realise(model, &draws), |j| self.vehicles[j]);
                    self.drivers[s] =
                        d.map_or_else(|| DriverPart::realise(model, &draws), |j| self.drivers[j]);
                    self.contexts[s] =
                        c.map_or_else(|| ContextPart::realise(model, &draws), |j| self.contexts[j]);
                    Situation::assemble(self.vehicles[s], self.drivers[s], self.contexts[s])
                }
            };
            if let Some(j) = strategy.same_engine_as
                && self.situations[j] == self.situations[s]
            {
                self.outcomes[s] = self.outcomes[j];
                continue;
            }
            self.outcomes[s] = simulate(
                &strategy.model,
                &self.situations[s],
                self.seed,
                index,
                &mut self.scratch,
                &mut (),
            );
        }
        &self.outcomes[..self.scenario.strategies.len()]
    }

    /// The hot loop: every incident of `range` under every strategy, folded into `tally`.
    fn simulate_into(&mut self, range: Range<u64>, tally: &mut RunTally) {
        for index in range {
            tally.record(self.evaluate(index));
        }
    }
}

/// A kind of run the runner drives: numbered units of work (incident chunks, region periods)
/// folded into a mergeable accumulator. Implementations must make the merged accumulator
/// independent of how units are grouped (exact merges), so that any thread count and any
/// sharding give the same bits.
pub trait Work: Sync {
    /// What units are folded into: one per worker, merged in unit order.
    type Acc: Send;
    /// Per-worker working memory kept between units (scratch buffers).
    type Worker: Send;
    /// An empty accumulator.
    fn empty(&self) -> Self::Acc;
    /// Fresh working memory for one worker.
    fn worker(&self) -> Self::Worker;
    /// Simulates unit `unit` into `acc`; returns how far it moves the progress bar (incidents,
    /// periods).
    fn simulate(&self, worker: &mut Self::Worker, unit: u64, acc: &mut Self::Acc) -> u64;
    /// Adds `other` (units after those of `acc`) into `acc`.
    fn merge(&self, acc: Self::Acc, other: Self::Acc) -> Self::Acc;
    /// The largest relative 95% half-width of the estimates a precision run targets.
    fn relative_precision(&self, acc: &Self::Acc) -> f64;
}

/// A rayon pool of `threads` workers (0: one per core), within [`crate::limits::MAX_THREADS`].
pub fn thread_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    crate::limits::check_threads(threads).map_err(anyhow::Error::msg)?;
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}

/// Simulates `units` of `work` on `pool` and merges them in unit order.
pub fn fold_units<W: Work>(
    pool: &rayon::ThreadPool,
    work: &W,
    units: Range<u64>,
    progress: &ProgressBar,
) -> W::Acc {
    pool.install(|| {
        units
            .into_par_iter()
            .fold(
                || (work.empty(), work.worker()),
                |(mut acc, mut worker), unit| {
                    progress.inc(work.simulate(&mut worker, unit, &mut acc));
                    (acc, worker)
                },
            )
            .map(|(acc, _)| acc)
            .reduce(|| work.empty(), |a, b| work.merge(a, b))
    })
}

/// Simulates `units` of `work` on `pool` in batches of `batch` units, each batch in parallel,
/// and hands every unit's result to `sink` in unit order: for outputs streamed while a run
/// proceeds (the region's event table), with memory bounded by one batch.
pub fn map_units_in_order<T: Send>(
    pool: &rayon::ThreadPool,
    units: Range<u64>,
    batch: u64,
    map: impl Fn(u64) -> T + Sync,
    mut sink: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut first = units.start;
    while first < units.end {
        let last = (first + batch).min(units.end);
        let results: Vec<T> = pool.install(|| (first..last).into_par_iter().map(&map).collect());
        for r in results {
            sink(r)?;
        }
        first = last;
    }
    Ok(())
}

/// How a precision run went: the accumulator, the units simulated (`0..units`), the largest
/// relative half-width reached and whether it met the target.
pub struct Precise<A> {
    /// The merged accumulator of every unit simulated.
    pub acc: A,
    /// Units simulated, from 0.
    pub units: u64,
    /// The largest relative 95% half-width reached.
    pub reached: f64,
    /// Whether it is within the target.
    pub met: bool,
}

/// Simulates batches of `batch` units of `work` until its relative precision is within
/// `target` (and at least `min_units` are done), or `max_units` are done. Batches end at the
/// same units whatever the thread count, so where the run stops depends only on its results.
pub fn run_until_precise<W: Work>(
    pool: &rayon::ThreadPool,
    work: &W,
    target: f64,
    batch: u64,
    min_units: u64,
    max_units: u64,
    progress: &ProgressBar,
) -> anyhow::Result<Precise<W::Acc>> {
    anyhow::ensure!(
        target > 0.0 && target.is_finite(),
        "--precision must be a positive fraction such as 0.01"
    );
    let mut acc = work.empty();
    let mut done = 0;
    loop {
        let end = (done + batch).min(max_units);
        acc = work.merge(acc, fold_units(pool, work, done..end, progress));
        done = end;
        let reached = work.relative_precision(&acc);
        let met = reached <= target;
        if (met && done >= min_units) || done >= max_units {
            return Ok(Precise {
                acc,
                units: done,
                reached,
                met,
            });
        }
    }
}

/// The incident level as [`Work`]: units are chunks of [`CHUNK_INCIDENTS`] incidents of a run
/// of `incidents`, each worker an [`Evaluator`].
struct IncidentChunks<'a> {
    scenario: &'a Scenario,
    seed: u64,
    /// The run's incident count: the last chunk ends here.
    incidents: u64,
}

impl<'a> Work for IncidentChunks<'a> {
    type Acc = RunTally;
    type Worker = Evaluator<'a>;

    fn empty(&self) -> RunTally {
        RunTally::new(self.scenario)
    }

    fn worker(&self) -> Evaluator<'a> {
        Evaluator::new(self.scenario, self.seed)
    }

    fn simulate(&self, evaluator: &mut Evaluator<'a>, chunk: u64, tally: &mut RunTally) -> u64 {
        let start = chunk * CHUNK_INCIDENTS;
        let end = (start + CHUNK_INCIDENTS).min(self.incidents);
        evaluator.simulate_into(start..end, tally);
        end - start
    }

    fn merge(&self, mut a: RunTally, b: RunTally) -> RunTally {
        a.merge(&b);
        a
    }

    fn relative_precision(&self, tally: &RunTally) -> f64 {
        relative_precision(tally)
    }
}

/// The largest relative 95% half-width, over strategies, of mean time and mean total cost.
/// A mean of 0 with a half-width of 0 counts as precise.
pub fn relative_precision(tally: &RunTally) -> f64 {
    let rel = |m: &crate::stats::Moments| m.relative_half_width(crate::stats::CI_LEVEL);
    tally
        .iter()
        .flat_map(|s| [rel(&s.time), rel(&s.total_cost)])
        .fold(0.0, f64::max)
}

/// Runs the scenario on a rayon pool as `opts` says.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<RunResult> {
    anyhow::ensure!(
        scenario.strategies.len() <= MAX_STRATEGIES,
        "at most {MAX_STRATEGIES} strategies can be compared in one run (got {})",
        scenario.strategies.len()
    );
    let pool = thread_pool(opts.threads)?;
    let threads = pool.current_num_threads();
    let started = Instant::now();
    match opts.amount {
        Amount::Incidents(incidents) => {
            crate::limits::check_incidents("--incidents", incidents).map_err(anyhow::Error::msg)?;
            let n_chunks = incidents.div_ceil(CHUNK_INCIDENTS);
            let chunks = match opts.shard {
                Some(shard) => shard.chunks(n_chunks),
                None => 0..n_chunks,
            };
            let simulated =
                (chunks.start * CHUNK_INCIDENTS)..(chunks.end * CHUNK_INCIDENTS).min(incidents);
            let progress = progress_bar(
                simulated.end.saturating_sub(simulated.start),
                opts.progress,
                "incidents",
            );
            let work = IncidentChunks {
                scenario,
                seed: opts.seed,
                incidents,
            };
            let tally = fold_units(&pool, &work, chunks, &progress);
            progress.finish_and_clear();
            tally.check_exact()?;
            Ok(RunResult {
                tally,
                incidents,
                simulated,
                threads,
                wall_time: started.elapsed(),
                precision: None,
            })
        }
        Amount::Precision {
            relative,
            min_incidents,
            max_incidents,
        } => {
            anyhow::ensure!(
                opts.shard.is_none(),
                "--precision cannot be combined with --shard: where a precision run stops depends on all of its results"
            );
            crate::limits::check_incidents("--max-incidents", max_incidents)
                .map_err(anyhow::Error::msg)?;
            let progress = progress_bar(max_incidents, opts.progress, "incidents");
            // Chunks of a run of `max_incidents`: only the last one can be short, so batches
            // end where a run of that many incidents would, whatever the thread count.
            let work = IncidentChunks {
                scenario,
                seed: opts.seed,
                incidents: max_incidents,
            };
            let precise = run_until_precise(
                &pool,
                &work,
                relative,
                PRECISION_BATCH_CHUNKS,
                min_incidents.div_ceil(CHUNK_INCIDENTS),
                max_incidents.div_ceil(CHUNK_INCIDENTS),
                &progress,
            )?;
            progress.finish_and_clear();
            let (tally, reached, met) = (precise.acc, precise.reached, precise.met);
            let done = (precise.units * CHUNK_INCIDENTS).min(max_incidents);
            tally.check_exact()?;
            Ok(RunResult {
                tally,
                incidents: done,
                simulated: 0..done,
                threads,
                wall_time: started.elapsed(),
                precision: Some((reached, met)),
            })
        }
    }
}

/// A progress bar on stderr with rate and ETA, hidden when stderr is not a terminal or in CI:
/// `[00:00:03] ████░░░░ 1,600,000/10,000,000 incidents (528,899 incidents/s, ETA 16 s)`.
pub fn progress_bar(total: u64, wanted: bool, unit: &str) -> ProgressBar {
    let visible = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let rate_unit = unit.to_string();
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} ({{rate}}, ETA {{time_left}})"
        ))
        .expect("valid template")
        .with_key("rate", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}", format_rate(s.per_sec(), &rate_unit));
        })
        .with_key("time_left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            // Before the first chunk completes there is no rate to extrapolate from.
            let text = if s.pos() == 0 {
                "?".to_string()
            } else {
                format_eta(s.eta())
            };
            let _ = write!(w, "{text}");
        }),
    );
    bar
}

/// A whole number with thousands separators: `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A progress rate for people: whole units with thousands separators (`528,899 incidents/s`),
/// one decimal below 10 per second (`2.5 periods/s`).
pub fn format_rate(per_sec: f64, unit: &str) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return format!("0 {unit}/s");
    }
    if per_sec < 10.0 {
        return format!("{per_sec:.1} {unit}/s");
    }
    format!("{} {unit}/s", thousands(per_sec.round() as u64))
}

/// Time left for people: `42 s`, `3 min 05 s`, `2 h 07 min`.
pub fn format_eta(left: Duration) -> String {
    let secs = left.as_secs_f64().ceil() as u64;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs / 60 % 60),
    }
}

/// One incident under one strategy, replayed exactly as a run sees it, with its event trace.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The situation drawn.
    pub situation: Situation,
    /// How it ended.
    pub outcome: Outcome,
    /// What happened, in order: (minutes, event).
    pub trace: Vec<(f64, TraceEvent)>,
}

/// Replays incident `index` of run `seed` under strategy `strategy`.
pub fn replay(scenario: &Scenario, seed: u64, index: u64, strategy: usize) -> Replay {
    let model = &scenario.strategies[strategy].model;
    let draws = SituationDraws::draw(seed, index);
    let situation = Situation::realise(model, &draws);
    let mut trace = Vec::new();
    let outcome = simulate(
        model,
        &situation,
        seed,
        index,
        &mut Scratch::default(),
        &mut trace,
    );
    Replay {
        situation,
        outcome,
        trace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_times_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(528_899), "528,899");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(
            format_rate(528_899.123_456, "incidents"),
            "528,899 incidents/s"
        );
        assert_eq!(format_rate(2.46, "periods"), "2.5 periods/s");
        assert_eq!(format_rate(f64::NAN, "periods"), "0 periods/s");
        assert_eq!(format_eta(Duration::from_secs_f64(41.2)), "42 s");
        assert_eq!(format_eta(Duration::from_secs(185)), "3 min 05 s");
        assert_eq!(
            format_eta(Duration::from_secs(2 * 3600 + 7 * 60 + 3)),
            "2 h 07 min"
        );
    }
}
