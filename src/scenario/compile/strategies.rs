//! Strategies: the list's rules, their targets, and the structure every variant must keep.

use super::*;

/// Compiles a strategy's `[strategy.target]` against the scenario's names; `here` is the
/// `target` table's path.
pub fn target(spec: &TargetSpec, names: &Names, here: &FieldPath) -> Result<Target> {
    let members = |list: &[String], all: &[String], key: &str, what: &str| -> Result<Vec<bool>> {
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let mut set = vec![false; all.len()];
        for (i, name) in list.iter().enumerate() {
            match all.iter().position(|n| n == name) {
                Some(k) => set[k] = true,
                None => {
                    return invalid(
                        here.key(key).index(i),
                        format!(
                            "unknown {what} \"{name}\" ({what}s: {}){}",
                            all.join(", "),
                            hint(name, all.iter().map(String::as_str), '"')
                        ),
                    );
                }
            }
        }
        Ok(set)
    };
    Ok(Target {
        segments: members(
            &spec.segments,
            &names.segments,
            "segments",
            "vehicle segment",
        )?,
        drivers: members(&spec.profiles, &names.drivers, "profiles", "driver profile")?,
        contexts: members(&spec.contexts, &names.contexts, "contexts", "context")?,
        facts: conditions(&spec.facts, &here.key("facts"), &names.facts)?,
    })
}

/// Checks the strategies list: names, one baseline, costs, disabled remedies.
pub fn check_strategies(spec: &ScenarioSpec) -> Result<()> {
    let here = FieldPath::root().key("strategy");
    if spec.strategy.is_empty() {
        return invalid(
            here,
            "a scenario needs at least one [[strategy]] with baseline = true",
        );
    }
    let baselines: Vec<usize> = spec
        .strategy
        .iter()
        .enumerate()
        .filter(|(_, s)| s.baseline)
        .map(|(i, _)| i)
        .collect();
    match baselines.len() {
        1 => {}
        0 => {
            return invalid(
                here,
                "exactly one strategy must have baseline = true (none has)",
            );
        }
        _ => {
            return invalid(
                here.index(baselines[1]).key("baseline"),
                format!(
                    "exactly one strategy must have baseline = true (\"{}\" and \"{}\" both do)",
                    spec.strategy[baselines[0]].name, spec.strategy[baselines[1]].name
                ),
            );
        }
    }
    let mut seen = Vec::new();
    for (i, s) in spec.strategy.iter().enumerate() {
        let at = here.index(i);
        check_name(&s.name, &at, &seen)?;
        seen.push(s.name.clone());
        if !s.annual_cost.is_finite() {
            return invalid(at.key("annual_cost"), "must be a finite number");
        }
        nonneg(
            &at.key("incident_rate_multiplier"),
            s.incident_rate_multiplier,
        )?;
        share(&at.key("lockout_share"), s.lockout_share)?;
        share(&at.key("uptake"), s.uptake)?;
        let partial = !s.target.is_everyone() || s.uptake < 1.0;
        let partial_at = || {
            if s.uptake < 1.0 {
                at.key("uptake")
            } else {
                at.key("target")
            }
        };
        if partial && s.baseline {
            return invalid(
                partial_at(),
                "the baseline is the population as it is: it applies to every vehicle (move                  uptake and target to the strategies compared with it)",
            );
        }
        if partial && spec.region.is_some() {
            return invalid(
                partial_at(),
                "a region run simulates each strategy's own arrivals, so it cannot apply a                  strategy to a share of the vehicles yet: remove uptake and target here, or                  run the scenario without [region]",
            );
        }
        for (j, r) in s.disable.iter().enumerate() {
            if !spec.remedy.contains_key(r) {
                return invalid(
                    at.key("disable").index(j),
                    format!(
                        "unknown remedy `{r}` (remedies: {}){}",
                        spec.remedy
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        hint(r, spec.remedy.keys().map(String::as_str), '`')
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Checks that a strategy's variant has the same entities as the base scenario: a strategy
/// changes parameters, not what exists, so incidents stay paired across strategies.
pub fn check_same_structure(base: &Names, variant: &Names) -> std::result::Result<(), String> {
    let same = base.segments == variant.segments
        && base.drivers == variant.drivers
        && base.contexts == variant.contexts
        && base.remedies == variant.remedies
        && base.facts == variant.facts;
    if same {
        Ok(())
    } else {
        Err("a strategy may change parameters but not add, remove or rename segments, drivers, contexts, remedies or facts".into())
    }
}
