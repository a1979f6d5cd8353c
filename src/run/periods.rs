//! The region level as units of work: years of incidents against shared responders.
//!
//! A region run simulates periods (365-day years). In each, lockouts arrive as a
//! non-homogeneous Poisson process; each runs the same compiled remedy and policy model as the
//! incident level, but remedies bound to a responder pool wait for a free responder (queue,
//! then travel), so waits come from load. The calendar is fixed: every period has 365 days and
//! starts on a Monday at 00:00 local time; there is no daylight saving. Night is 22:00 to
//! 06:00, the weekend Saturday and Sunday: an arrival's `night` and `weekend` facts come from its
//! time, not from the context's probabilities.
//!
//! Each period is a unit of the runner's `Work`, simulated whole on one worker by the period
//! engine ([`crate::engine::period`]) and folded into a [`Partial`].

use super::progress::progress_bar;
use super::{RunError, Work, fold_units, map_units_in_order, thread_pool};
use crate::losses::{self, EventLoss, EventSink, Partial, RegionRun, aal_relative_precision};
use crate::model::Scenario;
use crate::model::region::{Region, calendar_date};

/// A region run as the runner's [`Work`]: unit `u` is period `u + 1`,
/// simulated whole on one worker and folded into a [`Partial`].
pub(crate) struct PeriodWork<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its region.
    pub region: &'a Region,
    /// The run's seed.
    pub seed: u64,
}

impl Work for PeriodWork<'_> {
    type Acc = Partial;
    type Worker = ();

    fn empty(&self) -> Partial {
        Partial::empty(self.scenario, self.region)
    }

    fn worker(&self) {}

    fn simulate(&self, _: &mut (), unit: u64, acc: &mut Partial) -> u64 {
        let period = unit + 1;
        crate::engine::period::simulate_period_into(
            self.scenario,
            self.region,
            self.seed,
            period,
            None,
            false,
            acc,
        );
        1
    }

    fn merge(&self, acc: Partial, other: Partial) -> Partial {
        acc.merge(other)
    }

    fn relative_precision(&self, acc: &Partial) -> f64 {
        aal_relative_precision(&acc.losses, self.scenario.strategies.len())
    }
}

/// Simulates periods `first..=last` on `threads` threads and returns their merged results.
pub(crate) fn simulate_periods(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    periods: std::ops::RangeInclusive<u64>,
    threads: usize,
    progress: bool,
) -> Result<(Partial, usize), RunError> {
    let pool = thread_pool(threads)?;
    let units = periods.start() - 1..*periods.end();
    let bar = progress_bar(units.end.saturating_sub(units.start), progress, "periods");
    let work = PeriodWork {
        scenario,
        region,
        seed,
    };
    let partial = fold_units(&pool, &work, units, &bar);
    bar.finish_and_clear();
    Ok((partial, pool.current_num_threads()))
}

/// Periods simulated together between two writes of the event table.
const EVENT_TABLE_BATCH: u64 = 64;

/// Simulates periods 1..=`periods` on a rayon pool of `threads` threads (0: one per core).
/// Every merge is exact and the loss rows are put in period order, so the result does not
/// depend on the number of threads. With `event_table`, every incident's losses are streamed
/// to it in period order (periods are then simulated in batches, so memory stays bounded).
pub fn run(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    periods: u64,
    threads: usize,
    progress: bool,
    event_table: Option<&mut dyn EventSink>,
) -> Result<RegionRun, RunError> {
    crate::limits::check_periods(periods, scenario.strategies.len(), region.insured)
        .map_err(RunError::Options)?;
    let started = std::time::Instant::now();
    let Some(table) = event_table else {
        let (partial, threads) =
            simulate_periods(scenario, region, seed, 1..=periods, threads, progress)?;
        return Ok(partial.finish(periods, threads, started.elapsed())?);
    };
    let pool = thread_pool(threads)?;
    let threads = pool.current_num_threads();
    let bar = progress_bar(periods, progress, "periods");
    let perspectives = if region.insured { 2 } else { 1 };
    let weight = 1.0 / periods as f64;
    let mut partial = Partial::empty(scenario, region);
    map_units_in_order(
        &pool,
        0..periods,
        EVENT_TABLE_BATCH,
        |unit| {
            let r = crate::engine::period::simulate_period_logged(
                scenario,
                region,
                seed,
                unit + 1,
                None,
                true,
            )
            .0;
            bar.inc(1);
            r
        },
        |r| {
            for e in &r.event_losses {
                let (month, day, hour, minute) = calendar_date(e.time_min);
                for (k, loss) in [e.ground_up, e.insured]
                    .into_iter()
                    .enumerate()
                    .take(perspectives)
                {
                    if !losses::is_claim(loss) {
                        continue;
                    }
                    let perspective = losses::Perspective::ALL[k];
                    table
                        .claim(&EventLoss {
                            period: r.period_no,
                            weight,
                            event_id: e.event_id,
                            year: r.period_no as u32,
                            month,
                            day,
                            hour,
                            minute,
                            summary_id: losses::summary_id(
                                e.strategy as usize,
                                perspective,
                                perspectives,
                            ),
                            loss,
                        })
                        .map_err(RunError::EventTable)?;
                }
            }
            partial.absorb(r.into_partial());
            Ok(())
        },
    )?;
    bar.finish_and_clear();
    Ok(partial.finish(periods, threads, started.elapsed())?)
}

/// Periods per batch of a precision-driven region run.
pub(crate) const PRECISION_BATCH_PERIODS: u64 = 64;

/// Simulates batches of [`PRECISION_BATCH_PERIODS`] periods until every strategy's ground-up
/// AAL is known within `relative` (95% half-width over the AAL), or `max_periods` are done.
/// The stop depends only on results. Returns the run, the precision reached and whether it met
/// the target.
pub(crate) fn run_until_precise(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    relative: f64,
    max_periods: u64,
    threads: usize,
    progress: bool,
) -> Result<(RegionRun, f64, bool), RunError> {
    crate::limits::check_periods(max_periods, scenario.strategies.len(), region.insured)
        .map_err(RunError::Options)?;
    let started = std::time::Instant::now();
    let pool = thread_pool(threads)?;
    let bar = progress_bar(max_periods, progress, "periods");
    let work = PeriodWork {
        scenario,
        region,
        seed,
    };
    let precise = super::run_until_precise(
        &pool,
        &work,
        relative,
        PRECISION_BATCH_PERIODS,
        0,
        max_periods,
        &bar,
    )?;
    bar.finish_and_clear();
    Ok((
        precise
            .acc
            .finish(precise.units, pool.current_num_threads(), started.elapsed())?,
        precise.reached,
        precise.met,
    ))
}
