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
pub mod spec;
pub mod tables;

use crate::dist::Dist;
use crate::scenario::compile::Invalid;
use crate::scenario::locate::FieldPath;
use spec::RegionSpec;

/// Minutes in a period (365 days).
pub const PERIOD_MIN: f64 = 365.0 * 1440.0;

/// Days in each month of the fixed 365-day calendar.
pub const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// The arrival intensity profile over the fixed calendar, normalised to mean 1 over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The normalised profile of each of the 8,760 hours of the period: what [`Calendar::at`]
    /// reads, and what [`Calendar::advance`] integrates.
    hourly: Vec<f64>,
}

/// Hours in a period.
const PERIOD_HOURS: usize = 365 * 24;

impl Calendar {
    fn new(hour: [f64; 24], weekday: [f64; 7], month: [f64; 12]) -> Calendar {
        let month_of_day: Vec<u8> = MONTH_DAYS
            .iter()
            .enumerate()
            .flat_map(|(m, d)| std::iter::repeat_n(m as u8, *d as usize))
            .collect();
        // Mean of hour × weekday × month over the 365 × 24 hours of a period.
        let hours: f64 = hour.iter().sum();
        let mut total = 0.0;
        for (day, m) in month_of_day.iter().enumerate() {
            total += weekday[day % 7] * month[*m as usize] * hours;
        }
        let mean = total / (365.0 * 24.0);
        let hour = hour.map(|h| h / mean);
        let hourly = (0..PERIOD_HOURS)
            .map(|h| {
                let day = h / 24;
                hour[h % 24] * weekday[day % 7] * month[month_of_day[day] as usize]
            })
            .collect();
        Calendar { hourly }
    }

    /// The normalised intensity at `t` minutes into the period.
    #[inline]
    pub fn at(&self, t: f64) -> f64 {
        self.hourly[((t / 60.0) as usize).min(PERIOD_HOURS - 1)]
    }

    /// The time at which `rate · profile` (per minute), integrated from `from`, reaches
    /// `hazard`; `None` when that is after the end of the period. With `hazard` a standard
    /// exponential draw this is the next event of a Poisson process of intensity
    /// `rate · profile(t)`, by inversion of its cumulative intensity: exact, because the profile
    /// is constant within each hour, and with one draw per event (no rejected candidates).
    #[inline]
    pub fn advance(&self, from: f64, mut hazard: f64, rate: f64) -> Option<f64> {
        let mut t = from;
        let mut h = (t / 60.0) as usize;
        while h < PERIOD_HOURS {
            let r = rate * self.hourly[h];
            let end = (h + 1) as f64 * 60.0;
            let room = r * (end - t);
            if hazard < room {
                return Some(t + hazard / r);
            }
            hazard -= room;
            t = end;
            h += 1;
        }
        None
    }

    /// Whether `t` is at night (22:00-06:00).
    #[inline]
    pub fn is_night(t: f64) -> bool {
        let minute = minute_of_day(t);
        !(360.0..1320.0).contains(&minute)
    }

    /// Whether `t` is on a Saturday or Sunday (day 0 is a Monday).
    #[inline]
    pub fn is_weekend(t: f64) -> bool {
        ((t / 1440.0) as u64) % 7 >= 5
    }
}

/// Minutes since the last midnight, for `t >= 0` minutes into the period: `t mod 1440`
/// without `f64::rem_euclid`, which is a libm `fmod` call on baseline x86-64 and showed up in
/// profiles of the dispatcher. Exact: `t − k·1440` has no rounding error when `k·1440 <= t`.
#[inline]
fn minute_of_day(t: f64) -> f64 {
    let m = t - ((t / 1440.0) as u64) as f64 * 1440.0;
    // t / 1440 can round up to the next whole day just before midnight.
    if m < 0.0 { m + 1440.0 } else { m }
}

/// A compiled responder pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Name.
    pub name: String,
    /// Responders.
    pub count: u32,
    /// Daily shift as (start, end) minutes after midnight; `None`: around the clock.
    pub shift: Option<(f64, f64)>,
    /// Travel time.
    pub travel: Dist,
    /// Other calls per minute at mean intensity.
    pub other_calls_per_min: f64,
    /// Service time of other calls.
    pub other_service: Option<Dist>,
}

impl Pool {
    /// Whether the pool's responders are on shift at `t`.
    #[inline]
    pub fn on_shift(&self, t: f64) -> bool {
        match self.shift {
            None => true,
            Some((start, end)) => {
                let m = minute_of_day(t);
                if start <= end {
                    (start..end).contains(&m)
                } else {
                    m >= start || m < end
                }
            }
        }
    }

    /// On-shift responder-minutes in one period.
    pub fn capacity_min(&self) -> f64 {
        let per_day = match self.shift {
            None => 1440.0,
            Some((s, e)) if s <= e => e - s,
            Some((s, e)) => 1440.0 - s + e,
        };
        self.count as f64 * per_day * 365.0
    }
}

/// The compiled region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Vehicles.
    pub vehicles: u64,
    /// Default periods.
    pub periods: u64,
    /// The arrival profile.
    pub calendar: Calendar,
    /// Share of priority incidents.
    pub priority_share: f64,
    /// Pools.
    pub pools: Vec<Pool>,
    /// For each remedy, the pool that serves it.
    pub remedy_pool: Vec<Option<usize>>,
    /// Policy terms of the insured perspective.
    pub terms: losses::PolicyTerms,
    /// Whether the file gave policy terms (then tables carry an `insured` perspective too).
    pub insured: bool,
}

fn profile<const N: usize>(v: &Option<Vec<f64>>, here: FieldPath) -> Result<[f64; N], Invalid> {
    match v {
        None => Ok([1.0; N]),
        Some(values) => {
            if values.len() != N || values.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                return Err(Invalid {
                    path: here,
                    message: format!("needs {N} non-negative numbers (got {values:?})"),
                });
            }
            if values.iter().all(|x| *x == 0.0) {
                return Err(Invalid {
                    path: here,
                    message: "must not be all zero".into(),
                });
            }
            Ok(std::array::from_fn(|i| values[i]))
        }
    }
}

fn clock(text: &str, here: FieldPath) -> Result<f64, Invalid> {
    let bad = || Invalid {
        path: here.clone(),
        message: format!("expected a time of day \"HH:MM\" (got \"{text}\")"),
    };
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok((h * 60 + m) as f64)
}

/// Checks the engine's limits ([`crate::limits`]) on the `[region]` of `spec`: the vehicles,
/// periods and pools it keeps, the events a period implies (arrivals at the highest strategy's
/// rate plus every pool's other calls), the range of travel and service times, and the worst
/// period loss (expected arrivals × `worst_cost`, the worst loss of one incident).
pub fn check_limits(
    spec: &crate::scenario::spec::ScenarioSpec,
    region: &RegionSpec,
    worst_cost: f64,
) -> Result<(), Invalid> {
    use crate::limits::{
        MAX_EVENTS_PER_PERIOD, MAX_PERIOD_LOSS, MAX_POOLS, MAX_VALUE, MAX_VEHICLES,
        TAIL_PROBABILITY,
    };
    let here = FieldPath::root().key("region");
    let invalid = |path: FieldPath, message: String| Err(Invalid { path, message });
    if region.vehicles > MAX_VEHICLES {
        return invalid(
            here.key("vehicles"),
            format!(
                "at most {MAX_VEHICLES} vehicles (a period keeps a call counter per vehicle; got {})",
                region.vehicles
            ),
        );
    }
    let insured = region.policy_terms.is_some();
    if let Err(m) = crate::limits::check_periods(region.periods, spec.strategy.len(), insured) {
        return invalid(
            here.key("periods"),
            m.trim_start_matches("--periods ").to_string(),
        );
    }
    if region.pool.len() > MAX_POOLS {
        return invalid(
            here.key("pool").index(MAX_POOLS),
            format!("at most {MAX_POOLS} pools (got {})", region.pool.len()),
        );
    }
    let max_mult = spec
        .strategy
        .iter()
        .map(|s| s.incident_rate_multiplier)
        .fold(0.0, f64::max);
    let arrivals = region.vehicles as f64 * spec.incident_rate_per_vehicle_year * max_mult;
    let hours = PERIOD_MIN / 60.0;
    let mut events = arrivals;
    let mut busiest: Option<(usize, f64)> = None;
    for (i, p) in region.pool.iter().enumerate() {
        let at = here.key("pool").index(i);
        for (field, d) in [
            ("travel", Some(&p.travel)),
            ("other_call_service", p.other_call_service.as_ref()),
        ] {
            if let Some(d) = d {
                let upper = d.0.upper(TAIL_PROBABILITY);
                if !(upper <= MAX_VALUE) {
                    return invalid(
                        at.key(field),
                        format!(
                            "values up to {upper:.4e} min (its quantile of order 1 − \
                             {TAIL_PROBABILITY:e}) exceed {MAX_VALUE}, the largest value the \
                             exact statistics hold"
                        ),
                    );
                }
            }
        }
        let calls = p.other_calls_per_hour * hours;
        events += calls;
        if busiest.is_none_or(|(_, c)| calls > c) {
            busiest = Some((i, calls));
        }
    }
    if !(events <= MAX_EVENTS_PER_PERIOD) {
        let path = match busiest {
            Some((i, calls)) if calls >= arrivals => {
                here.key("pool").index(i).key("other_calls_per_hour")
            }
            _ => here.key("vehicles"),
        };
        return invalid(
            path,
            format!(
                "a period would have {events:.4e} expected events ({arrivals:.4e} lockout \
                 arrivals: vehicles × incident rate × the highest strategy multiplier, plus the \
                 pools' other calls per hour × 8,760); at most {MAX_EVENTS_PER_PERIOD:e} fit one \
                 period's memory and time"
            ),
        );
    }
    let period_loss = arrivals * worst_cost;
    if !(period_loss <= MAX_PERIOD_LOSS) {
        return invalid(
            here.key("vehicles"),
            format!(
                "a period's loss can reach {period_loss:.4e} ({arrivals:.4e} expected arrivals × \
                 {worst_cost:.4e}, the worst loss of one incident), more than {MAX_PERIOD_LOSS}, \
                 the largest period loss the exact statistics hold"
            ),
        );
    }
    Ok(())
}

/// Validates and compiles the `[region]` section; `remedies` are the scenario's remedy names.
pub fn compile(spec: &RegionSpec, remedies: &[String]) -> Result<Region, Invalid> {
    let here = FieldPath::root().key("region");
    let invalid = |path: FieldPath, message: String| Err(Invalid { path, message });
    if spec.vehicles == 0 {
        return invalid(here.key("vehicles"), "must be at least 1".into());
    }
    if spec.periods == 0 {
        return invalid(here.key("periods"), "must be at least 1".into());
    }
    if !(0.0..=1.0).contains(&spec.priority_share) {
        return invalid(
            here.key("priority_share"),
            format!(
                "a probability must be in [0, 1] (got {})",
                spec.priority_share
            ),
        );
    }
    let calendar = Calendar::new(
        profile(&spec.hour_profile, here.key("hour_profile"))?,
        profile(&spec.weekday_profile, here.key("weekday_profile"))?,
        profile(&spec.month_profile, here.key("month_profile"))?,
    );
    let mut remedy_pool = vec![None; remedies.len()];
    let mut pools = Vec::new();
    for (i, p) in spec.pool.iter().enumerate() {
        let at = here.key("pool").index(i);
        if p.count == 0 {
            return invalid(
                at.key("count"),
                "a pool needs at least one responder".into(),
            );
        }
        for (j, r) in p.serves.iter().enumerate() {
            let Some(idx) = remedies.iter().position(|n| n == r) else {
                return invalid(
                    at.key("serves").index(j),
                    format!(
                        "unknown remedy `{r}` (remedies: {}){}",
                        remedies.join(", "),
                        crate::suggest::hint(r, remedies.iter().map(String::as_str), '`')
                    ),
                );
            };
            if let Some(other) = remedy_pool[idx] {
                return invalid(
                    at.key("serves").index(j),
                    format!("remedy `{r}` is already served by pool {other}"),
                );
            }
            remedy_pool[idx] = Some(i);
        }
        if !(p.other_calls_per_hour.is_finite() && p.other_calls_per_hour >= 0.0) {
            return invalid(
                at.key("other_calls_per_hour"),
                format!(
                    "must be a finite number >= 0 (got {})",
                    p.other_calls_per_hour
                ),
            );
        }
        if p.other_calls_per_hour > 0.0 && p.other_call_service.is_none() {
            return invalid(
                at.key("other_call_service"),
                "other calls need a service time".into(),
            );
        }
        let shift = match &p.shift {
            None => None,
            Some(s) => Some((
                clock(&s.start, at.key("shift").key("start"))?,
                clock(&s.end, at.key("shift").key("end"))?,
            )),
        };
        if let Some((start, end)) = shift {
            // The same minutes of the day as `Pool::on_shift` and `Pool::capacity_min`.
            let on_duty = if start <= end {
                end - start
            } else {
                1440.0 - start + end
            };
            if !(on_duty > 0.0) {
                return invalid(
                    at.key("shift"),
                    "the pool is never on duty (the shift's start and end are the same time of \
                     day); its calls would wait forever"
                        .into(),
                );
            }
        }
        let dist = |d: &crate::dist::DistSpec, path: FieldPath| {
            d.compile().map_err(|message| Invalid { path, message })
        };
        pools.push(Pool {
            name: p.name.clone(),
            count: p.count,
            shift,
            travel: dist(&p.travel.0, at.key("travel"))?,
            other_calls_per_min: p.other_calls_per_hour / 60.0,
            other_service: p
                .other_call_service
                .as_ref()
                .map(|d| dist(&d.0, at.key("other_call_service")))
                .transpose()?,
        });
    }
    let terms = match &spec.policy_terms {
        None => losses::PolicyTerms::default(),
        Some(t) => {
            let at = here.key("policy_terms");
            if !(t.deductible.is_finite() && t.deductible >= 0.0) {
                return invalid(at.key("deductible"), "must be >= 0".into());
            }
            if let Some(l) = t.limit_per_incident
                && !(l > 0.0)
            {
                return invalid(at.key("limit_per_incident"), "must be > 0".into());
            }
            losses::PolicyTerms {
                deductible: t.deductible,
                limit_per_incident: t.limit_per_incident,
                annual_call_limit: t.annual_call_limit,
            }
        }
    };
    Ok(Region {
        vehicles: spec.vehicles,
        periods: spec.periods,
        calendar,
        priority_share: spec.priority_share,
        pools,
        remedy_pool,
        terms,
        insured: spec.policy_terms.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_is_normalised_and_fixed() {
        let mut hour = [1.0; 24];
        hour[18] = 3.0;
        let mut month = [1.0; 12];
        month[11] = 1.2;
        let c = Calendar::new(hour, [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 0.5], month);
        // The mean over every hour of the period is 1.
        let mean: f64 = (0..365 * 24)
            .map(|h| c.at(h as f64 * 60.0 + 1.0))
            .sum::<f64>()
            / (365.0 * 24.0);
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
        // Day 0 is a Monday; day 5 a Saturday; 23:00 is night, noon is not.
        assert!(!Calendar::is_weekend(0.0) && Calendar::is_weekend(5.0 * 1440.0 + 1.0));
        assert!(Calendar::is_night(23.0 * 60.0) && !Calendar::is_night(12.0 * 60.0));
    }

    #[test]
    fn advance_inverts_the_cumulative_intensity() {
        let mut hour = [1.0; 24];
        hour[1] = 3.0; // 01:00-02:00 three times as busy as the rest of the day
        hour[2] = 0.0; // and 02:00-03:00 empty
        let c = Calendar::new(hour, [1.0; 7], [1.0; 12]);
        let scale = c.at(0.0); // the normalised value of a plain hour
        let rate = 0.5; // per minute where the profile is 1
        // Within one hour it is a constant-rate gap.
        let t = c.advance(10.0, 5.0, rate).unwrap();
        assert!((t - (10.0 + 5.0 / (rate * scale))).abs() < 1e-9, "{t}");
        // Crossing into the busy hour, then through the empty one, into 03:00.
        let first = rate * scale * 10.0; // 50..60 min
        let busy = rate * 3.0 * scale * 60.0; // 60..120 min
        let t = c.advance(50.0, first + busy * 0.5, rate).unwrap();
        assert!((t - 90.0).abs() < 1e-9, "{t}");
        let t = c.advance(50.0, first + busy + 1.0, rate).unwrap();
        assert!((t - (180.0 + 1.0 / (rate * scale))).abs() < 1e-9, "{t}");
        // Beyond the end of the period: none.
        assert_eq!(c.advance(PERIOD_MIN - 1.0, 1e9, rate), None);
        assert_eq!(c.advance(PERIOD_MIN, 0.0, rate), None);
    }

    #[test]
    fn minute_of_day_is_the_remainder() {
        for t in [
            0.0,
            1.0,
            59.5,
            1439.999,
            1440.0,
            1441.25,
            100_000.5,
            PERIOD_MIN - 1e-7,
        ] {
            assert_eq!(minute_of_day(t), f64::rem_euclid(t, 1440.0), "{t}");
        }
    }
}

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

/// Simulates periods `first..=last` on `threads` threads and returns their merged results.
pub fn simulate_periods(
    scenario: &crate::model::Scenario,
    region: &Region,
    seed: u64,
    periods: std::ops::RangeInclusive<u64>,
    threads: usize,
    progress: bool,
) -> anyhow::Result<(Partial, usize)> {
    use rayon::prelude::*;
    crate::limits::check_threads(threads).map_err(anyhow::Error::msg)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let bar = crate::runner::progress_bar(
        periods.end().saturating_sub(*periods.start()) + 1,
        progress,
        "periods",
    );
    let partial = pool.install(|| {
        periods
            .into_par_iter()
            .fold(
                || Partial::empty(scenario, region),
                |mut acc, p| {
                    engine::simulate_period_into(scenario, region, seed, p, None, false, &mut acc);
                    bar.inc(1);
                    acc
                },
            )
            .reduce(|| Partial::empty(scenario, region), Partial::merge)
    });
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

/// Where the event table (ORD SPLT) goes, streamed in period order.
pub type EventTable = losses::SpltWriter<std::io::BufWriter<std::fs::File>>;

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
    event_table: Option<&mut EventTable>,
) -> anyhow::Result<RegionRun> {
    use rayon::prelude::*;
    crate::limits::check_threads(threads).map_err(anyhow::Error::msg)?;
    crate::limits::check_periods(periods, scenario.strategies.len(), region.insured)
        .map_err(anyhow::Error::msg)?;
    let started = std::time::Instant::now();
    let Some(table) = event_table else {
        let (partial, threads) =
            simulate_periods(scenario, region, seed, 1..=periods, threads, progress)?;
        return partial.finish(periods, threads, started.elapsed());
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let threads = pool.current_num_threads();
    let bar = crate::runner::progress_bar(periods, progress, "periods");
    let partial = {
        let perspectives = if region.insured { 2 } else { 1 };
        let weight = 1.0 / periods as f64;
        let mut acc = Partial::empty(scenario, region);
        let mut first = 1;
        while first <= periods {
            let last = (first + EVENT_TABLE_BATCH - 1).min(periods);
            let batch: Vec<engine::PeriodResult> = pool.install(|| {
                (first..=last)
                    .into_par_iter()
                    .map(|p| {
                        let r =
                            engine::simulate_period_logged(scenario, region, seed, p, None, true).0;
                        bar.inc(1);
                        r
                    })
                    .collect()
            });
            for r in batch {
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
                        table.write_event(
                            r.period_no,
                            weight,
                            e.event_id,
                            r.period_no as u32,
                            month,
                            day,
                            hour,
                            minute,
                            losses::summary_id(e.strategy as usize, perspective, perspectives),
                            loss,
                        )?;
                    }
                }
                acc.add(r);
            }
            first = last + 1;
        }
        acc
    };
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
    anyhow::ensure!(
        relative > 0.0 && relative.is_finite(),
        "--precision must be a positive fraction such as 0.01"
    );
    crate::limits::check_periods(max_periods, scenario.strategies.len(), region.insured)
        .map_err(anyhow::Error::msg)?;
    let started = std::time::Instant::now();
    let mut acc = Partial::empty(scenario, region);
    let mut done = 0;
    let mut used_threads;
    let (reached, met) = loop {
        let last = (done + PRECISION_BATCH_PERIODS).min(max_periods);
        let (batch, t) =
            simulate_periods(scenario, region, seed, done + 1..=last, threads, progress)?;
        used_threads = t;
        acc = acc.merge(batch);
        done = last;
        let reached = aal_relative_precision(&acc.losses, scenario.strategies.len());
        if reached <= relative || done >= max_periods {
            break (reached, reached <= relative);
        }
    };
    Ok((
        acc.finish(done, used_threads, started.elapsed())?,
        reached,
        met,
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
