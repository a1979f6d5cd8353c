//! The scenario's own facts: their levels, probabilities, `given` rules and draw order.

use super::*;

/// Compiles the scenario's own facts (`[fact.NAME]`, in name order) and records their names in
/// `names.facts`. Each takes the next bit from 32; the facts its `given` rules test must be
/// drawn before it, so those dependencies must form no cycle.
pub(super) fn compile_facts(spec: &ScenarioSpec, names: &mut Names) -> Result<UserFacts> {
    let here = FieldPath::root().key("fact");
    if spec.fact.len() > MAX_USER_FACTS {
        let extra = spec
            .fact
            .keys()
            .nth(MAX_USER_FACTS)
            .expect("more than the limit");
        return invalid(
            here.key(extra),
            format!(
                "a scenario declares at most {MAX_USER_FACTS} facts of its own (the bits of the \
                 fact set left by the {} built-in facts); this file declares {}, and `{extra}` \
                 is the {}th in name order",
                Fact::ALL.len(),
                spec.fact.len(),
                MAX_USER_FACTS + 1
            ),
        );
    }
    for name in spec.fact.keys() {
        let at = here.key(name);
        let word = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && name.starts_with(|c: char| c.is_ascii_lowercase());
        if !word {
            return invalid(
                at,
                format!(
                    "a fact's name is a lowercase word (letters, digits and `_`, starting with a \
                     letter), such as child_inside (got \"{name}\")"
                ),
            );
        }
        if Fact::from_name(name).is_some() {
            return invalid(
                at,
                format!("`{name}` is a built-in fact; declare only facts of your own"),
            );
        }
    }
    names.facts = spec.fact.keys().cloned().collect();
    let facts = &names.facts;
    let mut compiled = Vec::with_capacity(spec.fact.len());
    // deps[i]: the declared facts the `given` rules of fact i test, as bits from 0.
    let mut deps = Vec::with_capacity(spec.fact.len());
    for (i, (name, f)) in spec.fact.iter().enumerate() {
        let at = here.key(name);
        let level = match f.level.as_deref() {
            None => None,
            Some("vehicle") => Some(Level::Vehicle),
            Some("driver") => Some(Level::Driver),
            Some("context") => Some(Level::Context),
            Some(other) => {
                return invalid(
                    at.key("level"),
                    format!(
                        "level is \"vehicle\", \"driver\" or \"context\" (got \"{other}\"){}",
                        hint(other, ["vehicle", "driver", "context"], '"')
                    ),
                );
            }
        };
        let (level, by_value) = match &f.probability {
            FactProbability::All(p) => {
                probability(&at.key("probability"), *p)?;
                (Level::Everyone, vec![*p])
            }
            FactProbability::ByValue(by) => {
                let (level, values, what) = match level {
                    Some(Level::Vehicle) => (Level::Vehicle, &names.segments, "vehicle segment"),
                    Some(Level::Driver) => (Level::Driver, &names.drivers, "driver profile"),
                    Some(Level::Context) => (Level::Context, &names.contexts, "context"),
                    _ => {
                        return invalid(
                            at.key("probability"),
                            "a table of probabilities names the values of a level: add level = \
                             \"vehicle\", \"driver\" or \"context\" (or give one number)",
                        );
                    }
                };
                for (k, p) in by {
                    if !values.contains(k) {
                        return invalid(
                            at.key("probability").key(k),
                            format!(
                                "unknown {what} `{k}` ({what}s: {}){}",
                                values.join(", "),
                                hint(k, values.iter().map(String::as_str), '`')
                            ),
                        );
                    }
                    probability(&at.key("probability").key(k), *p)?;
                }
                let missing: Vec<&str> = values
                    .iter()
                    .filter(|v| !by.contains_key(*v))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return invalid(
                        at.key("probability"),
                        format!(
                            "give a probability for every {what}; missing: {}",
                            missing.join(", ")
                        ),
                    );
                }
                (level, values.iter().map(|v| by[v]).collect())
            }
        };
        let mut given = Vec::with_capacity(f.given.len());
        let mut uses = 0u64;
        for (k, g) in f.given.iter().enumerate() {
            let gat = at.key("given").index(k);
            let c = condition(&g.when, &gat.key("when"), facts)?;
            probability(&gat.key("probability"), g.probability)?;
            uses |= (c.need | c.forbid) >> FIRST_USER_FACT_BIT;
            given.push((c, g.probability));
        }
        let by_hour = match &f.by_hour {
            None => None,
            Some(v) => {
                let hat = at.key("by_hour");
                if spec.region.is_none() {
                    return invalid(
                        hat,
                        "by_hour needs the incident's time of day, which only region scenarios \
                         (with a [region] section) have; give `probability` alone",
                    );
                }
                if v.len() != 24 {
                    return invalid(
                        hat,
                        format!(
                            "by_hour lists 24 probabilities, from 00:00 to 23:00 (got {})",
                            v.len()
                        ),
                    );
                }
                for (h, p) in v.iter().enumerate() {
                    probability(&hat.index(h), *p)?;
                }
                Some(std::array::from_fn(|h| v[h]))
            }
        };
        deps.push(uses);
        compiled.push(UserFact {
            bit: user_fact_bit(i),
            draw: i,
            level,
            probability: by_value,
            given,
            by_hour,
        });
    }
    // Draw order: repeatedly the first fact (in name order) whose dependencies are drawn.
    let n = compiled.len();
    let mut drawn = 0u64;
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let next = (0..n).find(|&i| drawn & (1 << i) == 0 && deps[i] & !drawn == 0);
        match next {
            Some(i) => {
                drawn |= 1 << i;
                order.push(compiled[i].clone());
            }
            None => return Err(fact_cycle(spec, facts, &deps, drawn)),
        }
    }
    Ok(UserFacts {
        ids: facts.iter().map(|f| user_fact_id(f)).collect(),
        order,
    })
}

/// The error for facts whose `given` rules depend on each other in a cycle: follows
/// dependencies among the undrawn facts until one repeats, and points at the `given` rule that
/// closes the cycle.
fn fact_cycle(spec: &ScenarioSpec, facts: &[String], deps: &[u64], drawn: u64) -> Invalid {
    let undrawn = |i: usize| drawn & (1 << i) == 0;
    let first = (0..facts.len()).find(|&i| undrawn(i)).expect("a fact left");
    let mut path = vec![first];
    loop {
        let at = *path.last().expect("non-empty");
        // Every undrawn fact depends on an undrawn one (else it could be drawn).
        let next = (0..facts.len())
            .find(|&j| undrawn(j) && deps[at] & (1 << j) != 0)
            .expect("an undrawn dependency");
        if let Some(start) = path.iter().position(|&p| p == next) {
            let cycle: Vec<&str> = path[start..]
                .iter()
                .chain(std::iter::once(&next))
                .map(|&i| facts[i].as_str())
                .collect();
            let f = &spec.fact[&facts[at]];
            let rule = f
                .given
                .iter()
                .position(|g| {
                    g.when
                        .iter()
                        .any(|l| l.trim_start_matches('!').trim() == facts[next])
                })
                .unwrap_or(0);
            return Invalid {
                path: FieldPath::root()
                    .key("fact")
                    .key(&facts[at])
                    .key("given")
                    .index(rule)
                    .key("when"),
                message: format!(
                    "the facts' `given` rules depend on each other in a cycle ({}), so none of \
                     them can be drawn first; a fact's rules may test only facts drawn before it",
                    cycle.join(" → ")
                ),
            };
        }
        path.push(next);
    }
}
