//! One period of a region: a single event queue, a clock, responder pools with queues, and the
//! incident processes of the lockouts that arrive.
//!
//! Arrivals are drawn by inverting the cumulative intensity, which is exact because the profile is
//! constant within each hour: one exponential draw per arrival, no rejected candidates.
//! Common random numbers across strategies: candidate arrivals come from one stream per period
//! at the highest strategy's rate, each kept by its own uniform with probability
//! multiplier / highest multiplier, so a strategy's rate multiplier keeps the other strategies'
//! arrivals; arrival `j` draws everything from streams keyed by (seed, period, j, tag).
//!
//! The files, one concept each: `world.rs`, the event loop (the next event, arrivals, incidents
//! ending and what they record); `pools.rs`, the responder pools (queues, lockout jobs,
//! dispatch, and the scheduler that turns pool-bound remedies into calls); `draws.rs`, a
//! period's external events (arrival candidates, other calls, each arrival's own draws);
//! `log.rs`, the event log of `lockout explain --period`.

mod draws;
mod log;
mod pools;
mod world;

pub use log::{LogEntry, LogKind};
pub(crate) use world::simulate_period_into;

use crate::losses::{Partial, PeriodAccumulator, PoolTally, SeverityTally};
use crate::model::Scenario;
use crate::model::region::Region;
use crate::tally::RunTally;

// Stream tags of a period's draws, beside those of an incident (`engine::streams`).
const TAG_CANDIDATES: u64 = 0x5_0000;
const TAG_OTHER_CALLS: u64 = 0x5_1000;
const TAG_ARRIVAL: u64 = 0x5_2000;
const TAG_TRAVEL: u64 = 0x5_3000;

/// Everything one period produced, per strategy.
#[derive(Debug, Clone)]
pub struct PeriodResult {
    /// Period number, from 1.
    pub period_no: u64,
    /// Incident statistics, each strategy's own lockouts (no incident-by-incident pairs: a
    /// strategy keeps its share of the shared arrivals and its calls wait their own time;
    /// `summary.csv` pairs strategies period by period).
    pub tally: RunTally,
    /// Per strategy: ground-up and insured losses.
    pub losses: Vec<[PeriodAccumulator; 2]>,
    /// Per strategy: claim severities, ground-up and insured.
    pub severity: Vec<[SeverityTally; 2]>,
    /// Per strategy and pool.
    pub pools: Vec<Vec<PoolTally>>,
    /// Events processed in time order (arrivals, other calls and the queue's events; all
    /// strategies).
    pub events: u64,
    /// Every incident with its losses, in the order they ended, when asked for (the event
    /// table); empty otherwise.
    pub event_losses: Vec<IncidentLoss>,
}

impl PeriodResult {
    /// This period's results as a [`Partial`] of one period, ready to be merged into a run's.
    pub(crate) fn into_partial(self) -> Partial {
        Partial {
            losses: vec![(self.period_no, self.losses)],
            tally: self.tally,
            severity: self.severity,
            pools: self.pools,
            events: self.events,
        }
    }
}

/// One incident's losses, for the event-level table (ORD SPLT).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncidentLoss {
    /// Strategy index.
    pub strategy: u16,
    /// Event id within the period: the arrival's candidate index + 1.
    pub event_id: u64,
    /// Arrival time, minutes from the period's start.
    pub time_min: f64,
    /// Ground-up loss, in the scenario's currency.
    pub ground_up: f64,
    /// Insured loss (after the policy terms), in the scenario's currency.
    pub insured: f64,
}

/// Simulates period `period_no` (from 1) of run `seed` under every strategy.
pub fn simulate_period(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    period_no: u64,
) -> PeriodResult {
    simulate_period_logged(scenario, region, seed, period_no, None, false).0
}

/// [`simulate_period`], optionally only for strategy `log_strategy`, returning its event log:
/// arrivals, calls, dispatches with their waits, abandonments, incidents ending.
pub fn simulate_period_logged(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    period_no: u64,
    log_strategy: Option<usize>,
    record_events: bool,
) -> (PeriodResult, Vec<LogEntry>) {
    let mut into = Partial::empty(scenario, region);
    let (event_losses, log) = simulate_period_into(
        scenario,
        region,
        seed,
        period_no,
        log_strategy,
        record_events,
        &mut into,
    );
    let (_, losses) = into
        .losses
        .pop()
        .expect("the period's losses were recorded");
    let result = PeriodResult {
        period_no,
        tally: into.tally,
        losses,
        severity: into.severity,
        pools: into.pools,
        events: into.events,
        event_losses,
    };
    (result, log)
}
