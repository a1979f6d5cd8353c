//! Policies (steps, races, conditions, escalation) and fallbacks.

use super::*;

/// Compiles the policies: each step's remedies, its `when` and its escalation; a run of
/// escalating steps must fit the incident's attempt slots.
pub(super) fn compile_policies(
    spec: &ScenarioSpec,
    root: &FieldPath,
    names: &Names,
) -> Result<Vec<Policy>> {
    if spec.policy.is_empty() {
        return invalid(root.key("policy"), "a scenario needs at least one policy");
    }
    let mut policies = Vec::new();
    for (pname, p) in &spec.policy {
        let here = root.key("policy").key(pname).key("steps");
        if p.steps.is_empty() {
            return invalid(here, "a policy needs at least one step");
        }
        let mut steps = Vec::new();
        for (i, step) in p.steps.iter().enumerate() {
            let names_in_step = &step.remedies;
            if names_in_step.is_empty() {
                return invalid(here.index(i), "a race needs at least one remedy");
            }
            if names_in_step.len() > MAX_RACE {
                return invalid(
                    here.index(i),
                    format!("a race starts at most {MAX_RACE} remedies"),
                );
            }
            let mut idx = Vec::new();
            for n in names_in_step {
                let Some(r) = names.remedies.iter().position(|k| k == n) else {
                    return invalid(
                        here.index(i),
                        format!(
                            "unknown remedy `{n}` (remedies: {}){}",
                            names.remedies.join(", "),
                            hint(n, names.remedies.iter().map(String::as_str), '`')
                        ),
                    );
                };
                if idx.contains(&r) {
                    return invalid(
                        here.index(i),
                        format!("remedy `{n}` appears twice in one race"),
                    );
                }
                idx.push(r);
            }
            let when = conditions(&step.when, &here.index(i).key("when"), &names.facts)?;
            let e = step.escalate;
            let after_min = match e.after {
                None => None,
                Some(d) => {
                    let at = here.index(i).key("escalate_after");
                    if !(d.0 > 0.0 && d.0.is_finite()) {
                        return invalid(
                            at,
                            "escalate_after is a time after the step's start, more than 0 \
                             (escalate = \"at_once\" starts the next step with this one)",
                        );
                    }
                    Some(d.0)
                }
            };
            let escalate = Escalation {
                on_failure: e.on_failure,
                at_once: e.at_once,
                after_min,
            };
            if escalate.escalates() && i + 1 == p.steps.len() {
                return invalid(
                    here.index(i),
                    "the last step has no next step to escalate to (remove escalate and \
                     escalate_after, or add a step after it)",
                );
            }
            steps.push(Step {
                remedies: idx,
                when,
                escalate,
            });
        }
        // Escalation lets steps overlap: the attempts that may run at once are those of a run
        // of steps each escalating to the next, and they must fit the incident's slots.
        let mut running = 0;
        for (i, step) in steps.iter().enumerate() {
            running += step.remedies.len();
            if running > MAX_RACE {
                return invalid(
                    here.index(i),
                    format!(
                        "escalating steps let up to {running} attempts run at once here; an \
                         incident runs at most {MAX_RACE} at once"
                    ),
                );
            }
            if !step.escalate.escalates() {
                running = 0;
            }
        }
        let traces_steps = steps
            .iter()
            .any(|s| !s.when.is_empty() || s.escalate.escalates());
        policies.push(Policy {
            steps,
            traces_steps,
        });
    }

    Ok(policies)
}

/// Where fallback `i` is in the file: `fallback` for a single `[fallback]`, `fallback[i]` for
/// `[[fallback]]`.
pub(super) fn fallback_path(spec: &ScenarioSpec, root: &FieldPath, i: usize) -> FieldPath {
    if spec.fallback.is_array {
        root.key("fallback").index(i)
    } else {
        root.key("fallback")
    }
}

/// The fallbacks in order; only the last may (and must) have no `when`, so exactly one default
/// ends an incident that no condition picks out.
pub(super) fn compile_fallbacks(
    spec: &ScenarioSpec,
    root: &FieldPath,
    facts: &[String],
) -> Result<Vec<Fallback>> {
    let list = &spec.fallback.list;
    if list.is_empty() {
        return invalid(root.key("fallback"), "a scenario needs a fallback");
    }
    if list.len() > MAX_FALLBACKS {
        return invalid(
            fallback_path(spec, root, MAX_FALLBACKS),
            format!("at most {MAX_FALLBACKS} fallbacks (got {})", list.len()),
        );
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, f) in list.iter().enumerate() {
        let at = fallback_path(spec, root, i);
        let when = conditions(&f.when, &at.key("when"), facts)?;
        let last = i + 1 == list.len();
        if last && !when.is_empty() {
            return invalid(
                at.key("when"),
                "the last fallback is the default and has no `when`: add one without conditions \
                 after it",
            );
        }
        if !last && when.is_empty() {
            return invalid(
                at,
                "only the last fallback may have no `when` (the fallbacks after this one could \
                 never be taken)",
            );
        }
        if list[..i].iter().any(|g| g.name == f.name) {
            return invalid(
                at.key("name"),
                format!("a second fallback named `{}`", f.name),
            );
        }
        out.push(Fallback {
            when,
            duration: dist(&f.duration.0, &at.key("duration"))?,
            cost: opt_dist(f.cost.as_ref().map(|m| &m.0), &at.key("cost"))?,
        });
    }
    Ok(out)
}
