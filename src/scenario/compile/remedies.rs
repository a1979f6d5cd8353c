//! Remedies: preconditions, success, times, costs, damage risks and adjustments.

use super::*;

pub(super) fn compile_remedy(
    r: &crate::scenario::spec::RemedySpec,
    here: &FieldPath,
    drivers: &[DriverSpec],
    facts: &[String],
) -> Result<Remedy> {
    probability(&here.key("success"), r.success)?;
    let requires = conditions(&r.requires, &here.key("requires"), facts)?;
    // Working time by spare key location: `duration_by_spare_key` overrides `duration`.
    let base = opt_dist(r.duration.as_ref().map(|d| &d.0), &here.key("duration"))?;
    let mut duration: [Option<Dist>; 6] = std::array::from_fn(|_| base.clone());
    for (loc, d) in &r.duration_by_spare_key {
        let at = here.key("duration_by_spare_key").key(loc);
        let Some(l) = SpareKeyLocation::from_name(loc) else {
            return invalid(
                at,
                format!(
                    "unknown spare key location `{loc}` (locations: {}){}",
                    SpareKeyLocation::ALL.map(|l| l.name()).join(", "),
                    hint(loc, SpareKeyLocation::ALL.map(|l| l.name()), '`')
                ),
            );
        };
        duration[l as usize] = Some(dist(&d.0, &at)?);
    }
    // Every location a driver can have, and with which the preconditions can hold, must have
    // a working time.
    for l in SpareKeyLocation::ALL {
        if duration[l as usize].is_none() && could_apply_with_spare_key(&requires, l) {
            let possible = drivers.iter().any(|d| {
                d.spare_key.get(l.name()).is_some_and(|p| *p > 0.0)
                    || (d.spare_key.is_empty() && l == SpareKeyLocation::None)
            });
            if possible {
                return invalid(
                    here.key("duration"),
                    if r.duration_by_spare_key.is_empty() {
                        "a remedy needs a duration".to_string()
                    } else {
                        format!(
                            "no duration for spare key location `{}`, which a driver can have; add it to duration_by_spare_key or give a default duration",
                            l.name()
                        )
                    },
                );
            }
        }
    }
    let mut damage = Vec::new();
    for (i, d) in r.damage.iter().enumerate() {
        let at = here.key("damage").index(i);
        probability(&at.key("probability"), d.probability)?;
        damage.push(DamageRisk {
            probability: d.probability,
            cost: dist(&d.cost.0, &at.key("cost"))?,
        });
    }
    let adjust = r
        .adjust
        .iter()
        .enumerate()
        .map(|(i, a)| adjustment(a, &here.key("adjust").index(i), facts))
        .collect::<Result<Vec<_>>>()?;
    Ok(Remedy {
        available: r.available,
        requires,
        success: r.success,
        wait: opt_dist(r.wait.as_ref().map(|d| &d.0), &here.key("wait"))?,
        duration_by_spare: !r.duration_by_spare_key.is_empty(),
        duration,
        cost: opt_dist(r.cost.as_ref().map(|d| &d.0), &here.key("cost"))?,
        charge_on_failure: r.charge_on_failure,
        cancel_fee: opt_dist(r.cancel_fee.as_ref().map(|d| &d.0), &here.key("cancel_fee"))?,
        damage,
        grants_access: r.grants_access,
        sets: fact_mask(&r.sets, &here.key("sets"), facts)?,
        clears: fact_mask(&r.clears, &here.key("clears"), facts)?,
        adjust,
    })
}

/// Whether some alternative of `requires` can hold when the spare key is at `l`.
fn could_apply_with_spare_key(requires: &[Condition], l: SpareKeyLocation) -> bool {
    let spare_facts = SpareKeyLocation::ALL
        .iter()
        .filter_map(|l| l.fact())
        .fold(Fact::SpareKey.bit(), |m, f| m | f.bit());
    let present = match l.fact() {
        Some(f) => Fact::SpareKey.bit() | f.bit(),
        None => 0,
    };
    requires.is_empty()
        || requires
            .iter()
            .any(|c| (c.need & spare_facts) & !present == 0 && c.forbid & present == 0)
}

fn adjustment(a: &AdjustSpec, here: &FieldPath, facts: &[String]) -> Result<Adjustment> {
    for (field, v) in [
        ("wait_factor", a.wait_factor),
        ("duration_factor", a.duration_factor),
        ("cost_factor", a.cost_factor),
        ("add_cost", a.add_cost),
    ] {
        nonneg(&here.key(field), v)?;
    }
    if let Some(s) = a.success {
        probability(&here.key("success"), s)?;
    }
    Ok(Adjustment {
        when: condition(&a.when, &here.key("when"), facts)?,
        wait_factor: a.wait_factor,
        duration_factor: a.duration_factor,
        cost_factor: a.cost_factor,
        add_cost: a.add_cost,
        success: a.success,
    })
}
