//! Region and fleet simulation: years of incidents against shared responders.
//!
//! A region run simulates periods (365-day years). In each, lockouts arrive as a
//! non-homogeneous Poisson process; each runs the same compiled remedy and policy model as the
//! incident level, but remedies bound to a responder pool wait for a free responder (queue,
//! then travel), so waits come from load. The calendar is fixed: every period has 365 days and
//! starts on a Monday at 00:00 local time; there is no daylight saving. Night is 22:00 to
//! 06:00, the weekend Saturday and Sunday: an arrival's `night` and `weekend` facts come from its
//! time, not from the context's probabilities.

pub mod engine;
pub mod losses;

use crate::model::region::{MONTH_DAYS, Region};

/// The results of a region run, merged over periods.
#[derive(Debug, Clone)]
pub struct RegionRun {
    /// Periods simulated.
    pub periods: u64,
    /// Per period (in period order): per strategy, ground-up and insured losses.
    pub losses: Vec<Vec<[losses::PeriodAccumulator; 2]>>,
    /// Incident statistics over all periods (unpaired).
    pub tally: crate::tally::RunTally,
    /// Per strategy: claim severities, ground-up and insured.
    pub severity: Vec<[losses::SeverityTally; 2]>,
    /// Per strategy and pool.
    pub pools: Vec<Vec<engine::PoolTally>>,
    /// Events popped, all periods and strategies.
    pub events: u64,
    /// Threads used.
    pub threads: usize,
    /// Wall-clock time.
    pub wall_time: std::time::Duration,
}

/// The merged results of some periods of a region run: what a shard stores in its state.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    /// Per simulated period: (period_no, per strategy ground-up and insured losses).
    pub losses: Vec<(u64, Vec<[losses::PeriodAccumulator; 2]>)>,
    /// Incident statistics.
    pub tally: crate::tally::RunTally,
    /// Claim severities.
    pub severity: Vec<[losses::SeverityTally; 2]>,
    /// Per strategy and pool.
    pub pools: Vec<Vec<engine::PoolTally>>,
    /// Events popped.
    pub events: u64,
}

impl Partial {
    /// Nothing yet.
    pub fn empty(scenario: &crate::model::Scenario, region: &Region) -> Partial {
        let n = scenario.strategies.len();
        Partial {
            losses: Vec::new(),
            tally: crate::tally::RunTally::new_unpaired(scenario),
            severity: (0..n)
                .map(|_| [losses::SeverityTally::new(), losses::SeverityTally::new()])
                .collect(),
            pools: (0..n)
                .map(|_| {
                    region
                        .pools
                        .iter()
                        .map(|_| engine::PoolTally::empty())
                        .collect()
                })
                .collect(),
            events: 0,
        }
    }

    fn add(&mut self, r: engine::PeriodResult) {
        self.absorb(Partial {
            losses: vec![(r.period_no, r.losses)],
            tally: r.tally,
            severity: r.severity,
            pools: r.pools,
            events: r.events,
        });
    }

    /// Both together (exact).
    pub fn merge(mut self, other: Partial) -> Partial {
        self.absorb(other);
        self
    }

    fn absorb(&mut self, other: Partial) {
        self.tally.merge(&other.tally);
        for (a, b) in self.severity.iter_mut().zip(&other.severity) {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        }
        for (a, b) in self.pools.iter_mut().zip(&other.pools) {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        }
        self.events += other.events;
        self.losses.extend(other.losses);
    }
}

impl Partial {
    /// An error when any statistic left its exact fixed-point range: the incident statistics,
    /// claim severities, pool statistics, and the moments of the period losses the tables
    /// derive (AAL, its sd) over the periods.
    fn check_exact(&self) -> anyhow::Result<()> {
        self.tally.check_exact()?;
        let severity = self
            .severity
            .iter()
            .flatten()
            .any(|t| t.moments().overflowed());
        let pools = self
            .pools
            .iter()
            .flatten()
            .any(|t| t.queue_wait.overflowed() || t.busy_min.overflowed());
        let mut periods = false;
        for s in 0..self.severity.len() {
            for k in 0..2 {
                let mut loss = crate::stats::Moments::new();
                let mut downtime = crate::stats::Moments::new();
                for (_, per) in &self.losses {
                    loss.push(per[s][k].aggregate_loss());
                    downtime.push(per[s][k].downtime_h());
                }
                periods |= loss.overflowed() || downtime.overflowed();
            }
        }
        anyhow::ensure!(
            !(severity || pools || periods),
            "the {} statistics left the exact fixed-point range (a period loss above {} or a sum \
             beyond 128 bits); no table is written",
            if severity {
                "claim severity"
            } else if pools {
                "responder"
            } else {
                "period loss"
            },
            crate::limits::MAX_PERIOD_LOSS
        );
        Ok(())
    }

    /// Checks a part read from a file against `scenario`: every vector as long as the
    /// strategies and pools, each period of `periods` exactly once and no other, and every
    /// accumulator's own invariants. `Err` says what is wrong.
    pub fn validate(
        &self,
        scenario: &crate::model::Scenario,
        region: &Region,
        periods: std::ops::Range<u64>,
    ) -> Result<(), String> {
        let n = scenario.strategies.len();
        self.tally
            .validate(&crate::tally::RunTally::new_unpaired(scenario))
            .map_err(|e| format!("tally: {e}"))?;
        if self.severity.len() != n || self.pools.len() != n {
            return Err(format!(
                "{} severities and {} pool rows for {n} strategies",
                self.severity.len(),
                self.pools.len()
            ));
        }
        for (s, pair) in self.severity.iter().enumerate() {
            for (k, t) in pair.iter().enumerate() {
                t.validate()
                    .map_err(|e| format!("severity[{s}][{k}]: {e}"))?;
            }
        }
        for (s, pools) in self.pools.iter().enumerate() {
            if pools.len() != region.pools.len() {
                return Err(format!(
                    "pools[{s}] has {} pools, the scenario {}",
                    pools.len(),
                    region.pools.len()
                ));
            }
            for (p, t) in pools.iter().enumerate() {
                t.validate().map_err(|e| format!("pools[{s}][{p}]: {e}"))?;
            }
        }
        // Periods: exactly the range, each once (without allocating by a number in the file).
        let expected = periods.end.saturating_sub(periods.start);
        if self.losses.len() as u64 != expected {
            return Err(format!(
                "{} periods, but the part simulated {expected} ({}..{})",
                self.losses.len(),
                periods.start,
                periods.end
            ));
        }
        let mut numbers: Vec<u64> = self.losses.iter().map(|(p, _)| *p).collect();
        numbers.sort_unstable();
        for (i, p) in numbers.iter().enumerate() {
            if *p != periods.start + i as u64 {
                return Err(format!(
                    "period {p} is repeated or outside the part's periods {}..{}",
                    periods.start, periods.end
                ));
            }
        }
        // Per strategy and perspective: the periods' incidents and claims add up (in 64 bits)
        // to the incidents of the tally and the claims of the severity.
        let mut incidents = vec![[0u64; 2]; n];
        let mut claims = vec![[0u64; 2]; n];
        for (p, row) in &self.losses {
            if row.len() != n {
                return Err(format!("period {p}: {} strategies, not {n}", row.len()));
            }
            for (s, pair) in row.iter().enumerate() {
                for (k, a) in pair.iter().enumerate() {
                    a.validate()
                        .map_err(|e| format!("period {p}, strategy {s}: {e}"))?;
                    let add = |sum: &mut u64, x: u64| {
                        *sum = crate::stats::checked(sum.checked_add(x), "the periods' counts")?;
                        Ok::<_, String>(())
                    };
                    add(&mut incidents[s][k], a.incident_count())?;
                    add(&mut claims[s][k], a.claim_count())?;
                }
            }
        }
        for s in 0..n {
            let recorded = self.tally.strategy(s).time.count();
            for k in 0..2 {
                if incidents[s][k] != recorded || claims[s][k] != self.severity[s][k].claim_count()
                {
                    return Err(format!(
                        "strategy {s}: the periods count {} incidents and {} claims, the tally \
                         {recorded} incidents and the severity {} claims",
                        incidents[s][k],
                        claims[s][k],
                        self.severity[s][k].claim_count()
                    ));
                }
            }
        }
        Ok(())
    }

    /// [`Partial::merge`] with checked arithmetic, for parts read from files and validated.
    pub fn checked_merge(mut self, other: Partial) -> Result<Partial, String> {
        self.tally.checked_merge(&other.tally)?;
        if self.severity.len() != other.severity.len() || self.pools.len() != other.pools.len() {
            return Err("the parts have different numbers of strategies".into());
        }
        for (a, b) in self.severity.iter_mut().zip(&other.severity) {
            for (x, y) in a.iter_mut().zip(b) {
                x.checked_merge(y)?;
            }
        }
        for (a, b) in self.pools.iter_mut().zip(&other.pools) {
            if a.len() != b.len() {
                return Err("the parts have different numbers of pools".into());
            }
            for (x, y) in a.iter_mut().zip(b) {
                x.checked_merge(y)?;
            }
        }
        self.events = crate::stats::checked(self.events.checked_add(other.events), "events")?;
        self.losses.extend(other.losses);
        Ok(self)
    }

    /// The run of `periods` periods these results make up; every period 1..=periods must be
    /// present exactly once.
    pub fn finish(
        self,
        periods: u64,
        threads: usize,
        wall_time: std::time::Duration,
    ) -> anyhow::Result<RegionRun> {
        let mut losses = self.losses;
        losses.sort_by_key(|(p, _)| *p);
        let numbered = losses
            .iter()
            .enumerate()
            .all(|(i, (p, _))| *p == i as u64 + 1);
        anyhow::ensure!(
            numbered && losses.len() as u64 == periods,
            "the periods of the parts do not make up periods 1..={periods}"
        );
        let checked = Partial {
            losses,
            tally: self.tally,
            severity: self.severity,
            pools: self.pools,
            events: self.events,
        };
        checked.check_exact()?;
        let Partial {
            losses,
            tally,
            severity,
            pools,
            events,
        } = checked;
        Ok(RegionRun {
            periods,
            losses: losses.into_iter().map(|(_, l)| l).collect(),
            tally,
            severity,
            pools,
            events,
            threads,
            wall_time,
        })
    }
}

/// A region run as the runner's [`Work`](crate::runner::Work): unit `u` is period `u + 1`,
/// simulated whole on one worker and folded into a [`Partial`].
pub struct PeriodWork<'a> {
    /// The scenario.
    pub scenario: &'a crate::model::Scenario,
    /// Its region.
    pub region: &'a Region,
    /// The run's seed.
    pub seed: u64,
}

impl crate::runner::Work for PeriodWork<'_> {
    type Acc = Partial;
    type Worker = ();

    fn empty(&self) -> Partial {
        Partial::empty(self.scenario, self.region)
    }

    fn worker(&self) {}

    fn simulate(&self, _: &mut (), unit: u64, acc: &mut Partial) -> u64 {
        let period = unit + 1;
        engine::simulate_period_into(
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
pub fn simulate_periods(
    scenario: &crate::model::Scenario,
    region: &Region,
    seed: u64,
    periods: std::ops::RangeInclusive<u64>,
    threads: usize,
    progress: bool,
) -> anyhow::Result<(Partial, usize)> {
    let pool = crate::runner::thread_pool(threads)?;
    let units = periods.start() - 1..*periods.end();
    let bar =
        crate::runner::progress_bar(units.end.saturating_sub(units.start), progress, "periods");
    let work = PeriodWork {
        scenario,
        region,
        seed,
    };
    let partial = crate::runner::fold_units(&pool, &work, units, &bar);
    bar.finish_and_clear();
    Ok((partial, pool.current_num_threads()))
}

/// The month (1-12), day of month (from 1), hour and minute of `t` minutes into a period.
pub fn calendar_date(t: f64) -> (u8, u8, u8, u8) {
    let day = ((t / 1440.0) as u32).min(364);
    let mut month = 0;
    let mut first = 0;
    while day >= first + MONTH_DAYS[month] {
        first += MONTH_DAYS[month];
        month += 1;
    }
    let minute_of_day = (t - day as f64 * 1440.0).clamp(0.0, 1439.0) as u32;
    (
        month as u8 + 1,
        (day - first + 1) as u8,
        (minute_of_day / 60) as u8,
        (minute_of_day % 60) as u8,
    )
}

/// One claim of a region run as the event table (ORD SPLT) lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventLoss {
    /// Period, from 1.
    pub period: u64,
    /// The period's weight: 1/P for P equally likely periods.
    pub weight: f64,
    /// The incident's id within its period (the SPLT's EventId).
    pub event_id: u64,
    /// Year within the simulation (from 1), and the local month (1-12), day (1-31), hour
    /// (0-23) and minute (0-59) of the arrival.
    pub year: u32,
    /// Month, 1-12.
    pub month: u8,
    /// Day of the month, 1-31.
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute, 0-59.
    pub minute: u8,
    /// The strategy and perspective ([`losses::summary_id`]).
    pub summary_id: u32,
    /// The loss, in the scenario's currency.
    pub loss: f64,
}

/// Receives every claim of a region run in period order while the run proceeds, so that the
/// event table stays bounded in memory without the engine writing files (the report layer
/// writes it as `ord/splt.csv`).
pub trait EventSink {
    /// One claim.
    fn claim(&mut self, event: &EventLoss) -> anyhow::Result<()>;
}

/// Periods simulated together between two writes of the event table.
const EVENT_TABLE_BATCH: u64 = 64;

/// Simulates periods 1..=`periods` on a rayon pool of `threads` threads (0: one per core).
/// Every merge is exact and the loss rows are put in period order, so the result does not
/// depend on the number of threads. With `event_table`, every incident's losses are streamed
/// to it in period order (periods are then simulated in batches, so memory stays bounded).
pub fn run(
    scenario: &crate::model::Scenario,
    region: &Region,
    seed: u64,
    periods: u64,
    threads: usize,
    progress: bool,
    event_table: Option<&mut dyn EventSink>,
) -> anyhow::Result<RegionRun> {
    crate::limits::check_periods(periods, scenario.strategies.len(), region.insured)
        .map_err(anyhow::Error::msg)?;
    let started = std::time::Instant::now();
    let Some(table) = event_table else {
        let (partial, threads) =
            simulate_periods(scenario, region, seed, 1..=periods, threads, progress)?;
        return partial.finish(periods, threads, started.elapsed());
    };
    let pool = crate::runner::thread_pool(threads)?;
    let threads = pool.current_num_threads();
    let bar = crate::runner::progress_bar(periods, progress, "periods");
    let perspectives = if region.insured { 2 } else { 1 };
    let weight = 1.0 / periods as f64;
    let mut partial = Partial::empty(scenario, region);
    crate::runner::map_units_in_order(
        &pool,
        0..periods,
        EVENT_TABLE_BATCH,
        |unit| {
            let r = engine::simulate_period_logged(scenario, region, seed, unit + 1, None, true).0;
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
                    table.claim(&EventLoss {
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
                    })?;
                }
            }
            partial.add(r);
            Ok(())
        },
    )?;
    bar.finish_and_clear();
    partial.finish(periods, threads, started.elapsed())
}

/// Periods per batch of a precision-driven region run.
pub const PRECISION_BATCH_PERIODS: u64 = 64;

/// The largest relative 95% half-width, over strategies, of the ground-up average annual loss
/// (the sd of period losses / √P, as in insurer_cost.csv). A zero AAL with zero spread counts
/// as precise.
pub fn aal_relative_precision(
    losses: &[(u64, Vec<[losses::PeriodAccumulator; 2]>)],
    strategies: usize,
) -> f64 {
    (0..strategies)
        .map(|s| {
            let mut m = crate::stats::Moments::default();
            for (_, per) in losses {
                m.push(per[s][0].aggregate_loss());
            }
            m.relative_half_width(crate::stats::CI_LEVEL)
        })
        .fold(0.0, f64::max)
}

/// Simulates batches of [`PRECISION_BATCH_PERIODS`] periods until every strategy's ground-up
/// AAL is known within `relative` (95% half-width over the AAL), or `max_periods` are done.
/// The stop depends only on results. Returns the run, the precision reached and whether it met
/// the target.
pub fn run_until_precise(
    scenario: &crate::model::Scenario,
    region: &Region,
    seed: u64,
    relative: f64,
    max_periods: u64,
    threads: usize,
    progress: bool,
) -> anyhow::Result<(RegionRun, f64, bool)> {
    crate::limits::check_periods(max_periods, scenario.strategies.len(), region.insured)
        .map_err(anyhow::Error::msg)?;
    let started = std::time::Instant::now();
    let pool = crate::runner::thread_pool(threads)?;
    let bar = crate::runner::progress_bar(max_periods, progress, "periods");
    let work = PeriodWork {
        scenario,
        region,
        seed,
    };
    let precise = crate::runner::run_until_precise(
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

impl RegionRun {
    /// The loss series of every strategy and perspective (ground-up, then insured when the
    /// region has policy terms), in table order.
    pub fn loss_series(
        &self,
        scenario: &crate::model::Scenario,
        region: &Region,
    ) -> Vec<losses::LossSeries> {
        let perspectives: &[losses::Perspective] = if region.insured {
            &losses::Perspective::ALL
        } else {
            &losses::Perspective::ALL[..1]
        };
        let mut out = Vec::new();
        for (s, st) in scenario.strategies.iter().enumerate() {
            for &p in perspectives {
                out.push(losses::LossSeries {
                    strategy: st.name.clone(),
                    perspective: p,
                    exposure_vehicle_years: region.vehicles as f64 * self.periods as f64,
                    periods: self
                        .losses
                        .iter()
                        .enumerate()
                        .map(|(i, per)| per[s][p.index()].row(i as u64 + 1))
                        .collect(),
                    severity: self.severity[s][p.index()].clone(),
                });
            }
        }
        out
    }
}
