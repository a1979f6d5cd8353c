//! The engine's limits on one version of the scenario: work, state, and the exact range.

use super::*;

/// Checks the engine's limits ([`crate::limits`]) on one version of the scenario (the base, or
/// a strategy's variant): the work and state a run implies, and the range of the exact
/// statistics. Run after [`compile_model`] succeeded on `spec` (so remedies, policies and
/// distributions are valid).
pub fn check_limits(spec: &ScenarioSpec) -> Result<()> {
    use crate::limits::{
        MAX_CELLS, MAX_INCIDENTS, MAX_POLICY_STEPS, MAX_STRATEGIES, MAX_VALUE, TAIL_PROBABILITY,
    };
    let root = FieldPath::root();
    if spec.incidents > MAX_INCIDENTS {
        return invalid(
            root.key("incidents"),
            format!(
                "at most {MAX_INCIDENTS} (2^36) incidents, the exact statistics' range (got {})",
                spec.incidents
            ),
        );
    }
    if spec.strategy.len() > MAX_STRATEGIES {
        return invalid(
            root.key("strategy").index(MAX_STRATEGIES),
            format!(
                "at most {MAX_STRATEGIES} strategies can be compared in one scenario (got {})",
                spec.strategy.len()
            ),
        );
    }
    let cells = spec.vehicle.len() as u64
        * spec.driver.len() as u64
        * Place::ALL.len() as u64
        * spec.strategy.len() as u64;
    if cells > MAX_CELLS {
        return invalid(
            root.key("vehicle"),
            format!(
                "{} segments × {} driver profiles × {} places × {} strategies = {cells} \
                 statistics cells, more than {MAX_CELLS}",
                spec.vehicle.len(),
                spec.driver.len(),
                Place::ALL.len(),
                spec.strategy.len()
            ),
        );
    }
    for (name, p) in &spec.policy {
        if p.steps.len() > MAX_POLICY_STEPS {
            return invalid(
                root.key("policy").key(name).key("steps"),
                format!(
                    "at most {MAX_POLICY_STEPS} steps in a policy (got {})",
                    p.steps.len()
                ),
            );
        }
    }

    // The exact range: every distribution, then the worst incident.
    let range = |path: FieldPath, d: &DistSpec, factor: f64| -> Result<f64> {
        let upper = d.upper(TAIL_PROBABILITY) * factor;
        if !(upper <= MAX_VALUE) {
            return invalid(
                path,
                format!(
                    "values up to {upper:.4e}{} (its quantile of order 1 − {TAIL_PROBABILITY:e}, \
                     or its maximum) exceed {MAX_VALUE}, the largest per-incident value the exact \
                     statistics hold for 2^36 incidents",
                    if factor > 1.0 {
                        format!(" after the adjustments' factor {factor}")
                    } else {
                        String::new()
                    }
                ),
            );
        }
        Ok(upper)
    };
    // The worst fallback: the longest and the dearest (they need not be the same one).
    let (mut fallback_time, mut fallback_cost) = (0.0f64, 0.0f64);
    for (i, f) in spec.fallback.list.iter().enumerate() {
        let fb = fallback_path(spec, &root, i);
        fallback_time = fallback_time.max(range(fb.key("duration"), &f.duration.0, 1.0)?);
        if let Some(c) = &f.cost {
            fallback_cost = fallback_cost.max(range(fb.key("cost"), &c.0, 1.0)?);
        }
    }
    // The worst cost of one try of each remedy: every adjustment applied at once.
    let mut remedy_cost = std::collections::BTreeMap::new();
    for (key, r) in &spec.remedy {
        let here = root.key("remedy").key(key);
        let product =
            |f: fn(&AdjustSpec) -> f64| r.adjust.iter().map(|a| f(a).max(1.0)).product::<f64>();
        let (wf, df, cf) = (
            product(|a| a.wait_factor),
            product(|a| a.duration_factor),
            product(|a| a.cost_factor),
        );
        let add: f64 = r.adjust.iter().map(|a| a.add_cost).sum();
        if let Some(w) = &r.wait {
            range(here.key("wait"), &w.0, wf)?;
        }
        if let Some(d) = &r.duration {
            range(here.key("duration"), &d.0, df)?;
        }
        for (loc, d) in &r.duration_by_spare_key {
            range(here.key("duration_by_spare_key").key(loc), &d.0, df)?;
        }
        let mut worst = add;
        if let Some(c) = &r.cost {
            worst += range(here.key("cost"), &c.0, cf)?;
        }
        if let Some(c) = &r.cancel_fee {
            worst += range(here.key("cancel_fee"), &c.0, cf)?;
        }
        for (i, d) in r.damage.iter().enumerate() {
            worst += range(here.key("damage").index(i).key("cost"), &d.cost.0, cf)?;
        }
        remedy_cost.insert(key.as_str(), worst);
    }
    let time = spec.horizon.0 + fallback_time;
    if !(time <= MAX_VALUE) {
        return invalid(
            root.key("horizon"),
            format!(
                "the horizon plus the fallback's duration (up to {time:.4e} min) exceeds \
                 {MAX_VALUE}, the largest time to access the exact statistics hold"
            ),
        );
    }
    let mut worst_cost: f64 = 0.0;
    for (name, p) in &spec.policy {
        let steps: f64 = p
            .steps
            .iter()
            .flat_map(|s| &s.remedies)
            .map(|n| remedy_cost.get(n.as_str()).copied().unwrap_or(0.0))
            .sum();
        let cost = fallback_cost + steps;
        if !(cost <= MAX_VALUE) {
            return invalid(
                root.key("policy").key(name).key("steps"),
                format!(
                    "an incident under this policy can cost up to {cost:.4e} (every step charged \
                     and damaged, then the fallback), more than {MAX_VALUE}, the largest \
                     per-incident value the exact statistics hold"
                ),
            );
        }
        worst_cost = worst_cost.max(cost);
    }
    let total = worst_cost + spec.value_of_time_per_hour / 60.0 * time;
    if !(total <= MAX_VALUE) {
        return invalid(
            root.key("value_of_time_per_hour"),
            format!(
                "an incident's total cost (cost + value of time × time to access) can reach \
                 {total:.4e}, more than {MAX_VALUE}, the largest per-incident value the exact \
                 statistics hold"
            ),
        );
    }
    if let Some(region) = &spec.region {
        crate::scenario::region::check_limits(spec, region, worst_cost)?;
    }
    Ok(())
}
