//! The `[region]` section of a scenario file: validation against the engine's limits and
//! compilation into [`crate::model::region::Region`].

use super::compile::Invalid;
use super::locate::FieldPath;
use super::region_spec::RegionSpec;
use crate::model::region::{Calendar, PERIOD_MIN, PolicyTerms, Pool, Region};

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
    spec: &super::spec::ScenarioSpec,
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
        None => PolicyTerms::default(),
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
            PolicyTerms {
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
