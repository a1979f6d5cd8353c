//! What `lockout check` prints: a short description of the compiled model.

use super::*;

/// A short description of the compiled model, for `lockout check`.
pub fn describe(sc: &Scenario) -> String {
    let n = &sc.names;
    let mut s = String::new();
    let base = &sc.strategies[sc.baseline];
    s += &format!("{}: ok\n", sc.name);
    if !sc.description.is_empty() {
        s += &format!("  {}\n", sc.description);
    }
    s += &format!(
        "  {} vehicle segments: {}\n  {} driver profiles: {}\n  {} contexts: {}\n",
        n.segments.len(),
        n.segments.join(", "),
        n.drivers.len(),
        n.drivers.join(", "),
        n.contexts.len(),
        n.contexts.join(", ")
    );
    if !n.facts.is_empty() {
        s += &format!(
            "  {} declared facts (of at most {}): {}\n",
            n.facts.len(),
            crate::model::MAX_USER_FACTS,
            n.facts.join(", ")
        );
    }
    s += &format!(
        "  {} remedies: {}\n",
        n.remedies.len(),
        n.remedies.join(", ")
    );
    for (p, policy) in n.policies.iter().zip(&base.model.policies) {
        let steps: Vec<String> = policy
            .steps
            .iter()
            .map(|st| {
                let names: Vec<&str> = st
                    .remedies
                    .iter()
                    .map(|r| n.remedies[*r].as_str())
                    .collect();
                if names.len() == 1 {
                    names[0].to_string()
                } else {
                    format!("race({})", names.join(" | "))
                }
            })
            .collect();
        s += &format!("  policy {p}: {}\n", steps.join(" -> "));
    }
    s += &format!(
        "  horizon {} min, then fallback \"{}\"\n",
        base.model.horizon_min,
        n.fallbacks.join("\" or \"")
    );
    s += &format!(
        "  incident rate {} per vehicle-year; value of time {} {}/h; prices in {} {}\n",
        sc.incident_rate_per_vehicle_year,
        sc.value_of_time_per_hour,
        sc.currency,
        sc.currency,
        sc.price_year
    );
    s += &format!("  {} strategies:\n", sc.strategies.len());
    for (i, st) in sc.strategies.iter().enumerate() {
        s += &format!(
            "    {}{}: {} {}/year{}, incident rate x{}\n",
            st.name,
            if i == sc.baseline { " (baseline)" } else { "" },
            st.annual_cost,
            sc.currency,
            if st.lockout_share < 1.0 {
                format!(" ({} of it charged to lockouts)", st.lockout_share)
            } else {
                String::new()
            },
            st.incident_rate_multiplier
        );
        if !st.applies_to_all() {
            s += &format!(
                "      applies to {}; uptake {}\n",
                target_words(sc, &st.target),
                st.uptake
            );
        }
    }
    if let Some(region) = &sc.region {
        s += &format!(
            "  region: {} vehicles, {} periods of 365 days (mean arrivals per period {:.0}), priority share {}\n",
            region.vehicles,
            region.periods,
            region.vehicles as f64 * sc.incident_rate_per_vehicle_year,
            region.priority_share
        );
        for pool in &region.pools {
            let serves: Vec<&str> = region
                .remedy_pool
                .iter()
                .enumerate()
                .filter(|(_, p)| p.is_some_and(|p| region.pools[p].name == pool.name))
                .map(|(r, _)| n.remedies[r].as_str())
                .collect();
            s += &format!(
                "    pool {}: {} responders{}, serves {}, other calls {:.2}/h\n",
                pool.name,
                pool.count,
                match pool.shift {
                    Some((a, b)) => format!(
                        " on shift {:02}:{:02}-{:02}:{:02}",
                        (a / 60.0) as u32,
                        (a % 60.0) as u32,
                        (b / 60.0) as u32,
                        (b % 60.0) as u32
                    ),
                    None => " around the clock".into(),
                },
                serves.join(", "),
                pool.other_calls_per_min * 60.0
            );
        }
        if region.insured {
            s += &format!(
                "    policy terms: deductible {}, limit per incident {}, annual call limit {}\n",
                region.terms.deductible,
                region
                    .terms
                    .limit_per_incident
                    .map_or("none".into(), |l| l.to_string()),
                region
                    .terms
                    .annual_call_limit
                    .map_or("none".into(), |l| l.to_string())
            );
        }
        s += &format!("  defaults: {} periods, seed {}\n", region.periods, sc.seed);
    } else {
        s += &format!("  defaults: {} incidents, seed {}\n", sc.incidents, sc.seed);
    }
    if let Some(u) = &sc.uncertainty {
        s += &format!(
            "  uncertain parameters ({} for `lockout uncertainty`: {}{} incidents per draw):\n",
            u.parameters.len(),
            match &u.samples {
                Some(j) => format!("a joint sample of {} sets from {}, ", j.rows.len(), j.path),
                None => format!("{} draws, ", u.draws),
            },
            u.incidents
        );
        for p in &u.parameters {
            let unit = if p.duration { " min" } else { "" };
            s += &format!(
                "    {}: p10 {}{unit}, median {}{unit}, p90 {}{unit} ({})\n",
                p.path,
                crate::report::format::format_auto(p.quantile(0.1)),
                crate::report::format::format_auto(p.quantile(0.5)),
                crate::report::format::format_auto(p.quantile(0.9)),
                p.source
            );
        }
    }
    s
}

/// Who a strategy's target covers, in words: the named segments, profiles and contexts, and
/// the facts' alternatives.
fn target_words(sc: &Scenario, t: &crate::model::Target) -> String {
    use crate::model::Facts;
    let n = &sc.names;
    let chosen = |set: &[bool], names: &[String]| -> Option<String> {
        (!set.is_empty()).then(|| {
            let picked: Vec<&str> = names
                .iter()
                .zip(set)
                .filter(|(_, on)| **on)
                .map(|(name, _)| name.as_str())
                .collect();
            picked.join(", ")
        })
    };
    let mut parts = Vec::new();
    if let Some(x) = chosen(&t.segments, &n.segments) {
        parts.push(format!("segments [{x}]"));
    }
    if let Some(x) = chosen(&t.drivers, &n.drivers) {
        parts.push(format!("profiles [{x}]"));
    }
    if let Some(x) = chosen(&t.contexts, &n.contexts) {
        parts.push(format!("contexts [{x}]"));
    }
    if !t.facts.is_empty() {
        let alternatives: Vec<String> = t
            .facts
            .iter()
            .map(|c| {
                let names = |bits: u64| Facts(bits).names(&sc.names.facts);
                let forbid = names(c.forbid).into_iter().map(|f| format!("!{f}"));
                names(c.need)
                    .into_iter()
                    .map(str::to_owned)
                    .chain(forbid)
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        parts.push(format!("facts {}", alternatives.join(" or ")));
    }
    if parts.is_empty() {
        "every vehicle".into()
    } else {
        parts.join(", ")
    }
}
