//! Validation of a parsed scenario and its compilation into the model the engine runs.
//!
//! Every rule broken is reported as an [`Invalid`]: the path of the field and the rule, so the
//! caller can point at the line in the file.

use super::locate::FieldPath;
use super::spec::{
    AdjustSpec, ContextSpec, DriverSpec, FactProbability, Requires, ScenarioSpec, TargetSpec,
    VehicleSpec,
};
use crate::dist::{Dist, DistSpec};
use crate::model::outcome::MAX_FALLBACKS;
use crate::model::{
    Adjustment, Condition, Context, DamageRisk, Driver, Escalation, FIRST_USER_FACT_BIT, Fact,
    Fallback, Level, MAX_RACE, MAX_REMEDIES, MAX_USER_FACTS, Model, Names, Place, Policy, Remedy,
    Segment, SpareKeyLocation, Step, Target, UserFact, UserFacts, VEHICLE_FACTS, user_fact_bit,
    user_fact_id,
};
use crate::suggest::hint;

/// A broken rule: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Where.
    pub path: FieldPath,
    /// The rule broken, in plain words.
    pub message: String,
}

type Result<T> = std::result::Result<T, Invalid>;

fn invalid<T>(path: FieldPath, message: impl Into<String>) -> Result<T> {
    Err(Invalid {
        path,
        message: message.into(),
    })
}

/// Tolerance on shares and probability tables summing to 1.
const SUM_TOLERANCE: f64 = 1e-6;

/// Checks the scenario-wide settings.
pub fn check_settings(spec: &ScenarioSpec) -> Result<()> {
    let root = FieldPath::root();
    if spec.name.trim().is_empty() {
        return invalid(root.key("name"), "must not be empty");
    }
    if !(spec.currency.len() == 3 && spec.currency.chars().all(|c| c.is_ascii_uppercase())) {
        return invalid(
            root.key("currency"),
            format!(
                "must be an ISO 4217 code such as USD (got \"{}\")",
                spec.currency
            ),
        );
    }
    if !(1900..=2200).contains(&spec.price_year) {
        return invalid(
            root.key("price_year"),
            format!("must be a year (got {})", spec.price_year),
        );
    }
    if spec.incidents == 0 {
        return invalid(root.key("incidents"), "must be at least 1");
    }
    nonneg(
        &root.key("incident_rate_per_vehicle_year"),
        spec.incident_rate_per_vehicle_year,
    )?;
    nonneg(
        &root.key("value_of_time_per_hour"),
        spec.value_of_time_per_hour,
    )?;
    if !(spec.horizon.0 > 0.0) {
        return invalid(root.key("horizon"), "must be longer than 0");
    }
    Ok(())
}

/// Compiles one version of the scenario (the base, or a strategy's variant) into a model.
pub fn compile_model(spec: &ScenarioSpec) -> Result<(Model, Names)> {
    let root = FieldPath::root();
    let mut names = Names::default();

    // Remedies come first: policies and drivers refer to them.
    if spec.remedy.is_empty() {
        return invalid(root.key("remedy"), "a scenario needs at least one remedy");
    }
    if spec.remedy.len() > MAX_REMEDIES {
        return invalid(
            root.key("remedy"),
            format!(
                "at most {MAX_REMEDIES} remedies (got {})",
                spec.remedy.len()
            ),
        );
    }
    names.remedies = spec.remedy.keys().cloned().collect();
    names.remedy_labels = spec
        .remedy
        .iter()
        .map(|(k, r)| r.label.clone().unwrap_or_else(|| k.clone()))
        .collect();
    let policies_names: Vec<String> = spec.policy.keys().cloned().collect();
    names.policies = policies_names.clone();

    let segments = compile_segments(&spec.vehicle, &root.key("vehicle"), &mut names)?;
    let drivers = compile_drivers(
        &spec.driver,
        &root.key("driver"),
        &policies_names,
        &mut names,
    )?;
    let contexts = compile_contexts(&spec.context, &root.key("context"), &mut names)?;
    let user_facts = compile_facts(spec, &mut names)?;

    let mut remedies = Vec::with_capacity(spec.remedy.len());
    for (key, r) in &spec.remedy {
        let here = root.key("remedy").key(key);
        remedies.push(compile_remedy(r, &here, &spec.driver, &names.facts)?);
    }

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

    let fallbacks = compile_fallbacks(spec, &root, &names.facts)?;
    names.fallbacks = spec.fallback.list.iter().map(|f| f.name.clone()).collect();

    Ok((
        Model {
            segments,
            drivers,
            contexts,
            remedies,
            policies,
            horizon_min: spec.horizon.0,
            fallbacks,
            remedy_group: 0,
            user_facts,
        },
        names,
    ))
}

/// Where fallback `i` is in the file: `fallback` for a single `[fallback]`, `fallback[i]` for
/// `[[fallback]]`.
fn fallback_path(spec: &ScenarioSpec, root: &FieldPath, i: usize) -> FieldPath {
    if spec.fallback.is_array {
        root.key("fallback").index(i)
    } else {
        root.key("fallback")
    }
}

/// The fallbacks in order; only the last may (and must) have no `when`, so exactly one default
/// ends an incident that no condition picks out.
fn compile_fallbacks(
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

fn compile_segments(
    specs: &[VehicleSpec],
    here: &FieldPath,
    names: &mut Names,
) -> Result<Vec<Segment>> {
    let cumulative = cumulative_shares(specs.iter().map(|v| v.share), here, "vehicle segment")?;
    let mut out = Vec::new();
    for (i, v) in specs.iter().enumerate() {
        let at = here.index(i);
        check_name(&v.name, &at, &names.segments)?;
        names.segments.push(v.name.clone());
        let f = &v.faults;
        let probs: [(Fact, f64, &str); VEHICLE_FACTS] = [
            (
                Fact::KeylessTrunkButton,
                v.keyless_trunk_button,
                "keyless_trunk_button",
            ),
            (Fact::FoldDownSeats, v.fold_down_seats, "fold_down_seats"),
            (
                Fact::SeatReleaseInCabin,
                v.seat_release_in_cabin,
                "seat_release_in_cabin",
            ),
            (
                Fact::InteriorTrunkRelease,
                v.interior_trunk_release,
                "interior_trunk_release",
            ),
            (Fact::AppUnlock, v.app_unlock, "app_unlock"),
            (Fact::KeyCylinder, v.key_cylinder, "key_cylinder"),
            (
                Fact::FobBatteryDead,
                f.fob_battery_dead,
                "faults.fob_battery_dead",
            ),
            (
                Fact::LinkageRodBroken,
                f.linkage_rod_broken,
                "faults.linkage_rod_broken",
            ),
            (
                Fact::LockCylinderRusty,
                f.lock_cylinder_rusty,
                "faults.lock_cylinder_rusty",
            ),
            (
                Fact::LatchWireBroken,
                f.latch_wire_broken,
                "faults.latch_wire_broken",
            ),
        ];
        for (_, p, field) in &probs {
            let mut path = at.clone();
            for part in field.split('.') {
                path = path.key(part);
            }
            probability(&path, *p)?;
        }
        out.push(Segment {
            cumulative_share: cumulative[i],
            feature_probs: probs.map(|(fact, p, _)| (fact, p)),
        });
    }
    Ok(out)
}

fn compile_drivers(
    specs: &[DriverSpec],
    here: &FieldPath,
    policies: &[String],
    names: &mut Names,
) -> Result<Vec<Driver>> {
    let cumulative = cumulative_shares(specs.iter().map(|d| d.share), here, "driver profile")?;
    let mut out = Vec::new();
    for (i, d) in specs.iter().enumerate() {
        let at = here.index(i);
        check_name(&d.name, &at, &names.drivers)?;
        names.drivers.push(d.name.clone());
        probability(&at.key("door_left_unlocked"), d.door_left_unlocked)?;
        probability(&at.key("roadside_member"), d.roadside_member)?;
        probability(&at.key("smartphone_app"), d.smartphone_app)?;
        let spare_key_cumulative = spare_key_table(d, &at.key("spare_key"))?;
        let flustered = match d.temperament.as_deref() {
            None | Some("calm") => false,
            Some("flustered") => true,
            Some(other) => {
                return invalid(
                    at.key("temperament"),
                    format!("must be \"calm\" or \"flustered\" (got \"{other}\")"),
                );
            }
        };
        let Some(policy) = policies.iter().position(|p| *p == d.policy) else {
            return invalid(
                at.key("policy"),
                format!(
                    "unknown policy `{}` (policies: {}){}",
                    d.policy,
                    policies.join(", "),
                    hint(&d.policy, policies.iter().map(String::as_str), '`')
                ),
            );
        };
        out.push(Driver {
            cumulative_share: cumulative[i],
            door_left_unlocked: d.door_left_unlocked,
            spare_key_cumulative,
            roadside_member: d.roadside_member,
            smartphone_app: d.smartphone_app,
            flustered,
            policy,
        });
    }
    Ok(out)
}

fn spare_key_table(d: &DriverSpec, here: &FieldPath) -> Result<[f64; 6]> {
    let mut probs = [0.0; 6];
    if d.spare_key.is_empty() {
        probs[SpareKeyLocation::None as usize] = 1.0;
    }
    for (loc, p) in &d.spare_key {
        let Some(l) = SpareKeyLocation::from_name(loc) else {
            return invalid(
                here.key(loc),
                format!(
                    "unknown spare key location `{loc}` (locations: {}){}",
                    SpareKeyLocation::ALL.map(|l| l.name()).join(", "),
                    hint(loc, SpareKeyLocation::ALL.map(|l| l.name()), '`')
                ),
            );
        };
        probability(&here.key(loc), *p)?;
        probs[l as usize] = *p;
    }
    let total: f64 = probs.iter().sum();
    if (total - 1.0).abs() > SUM_TOLERANCE {
        return invalid(
            here.clone(),
            format!("spare key location probabilities must sum to 1 (they sum to {total})"),
        );
    }
    let mut acc = 0.0;
    let mut cumulative = probs.map(|p| {
        acc += p;
        acc
    });
    cumulative[5] = 1.0;
    Ok(cumulative)
}

fn compile_contexts(
    specs: &[ContextSpec],
    here: &FieldPath,
    names: &mut Names,
) -> Result<Vec<Context>> {
    let cumulative = cumulative_shares(specs.iter().map(|c| c.share), here, "context")?;
    let mut out = Vec::new();
    for (i, c) in specs.iter().enumerate() {
        let at = here.index(i);
        let Some(place) = Place::from_name(&c.place) else {
            return invalid(
                at.key("place"),
                format!(
                    "unknown place `{}` (places: {}){}",
                    c.place,
                    Place::ALL.map(|p| p.name()).join(", "),
                    hint(&c.place, Place::ALL.map(|p| p.name()), '`')
                ),
            );
        };
        for (field, p) in [
            ("night", c.night),
            ("weekend", c.weekend),
            ("phone_coverage", c.phone_coverage),
            ("car_cellular_coverage", c.car_cellular_coverage),
            ("parked_long", c.parked_long),
            ("keys_in_cabin", c.keys_in_cabin),
        ] {
            probability(&at.key(field), p)?;
        }
        let name = c.name.clone().unwrap_or_else(|| c.place.clone());
        if c.name.is_some() {
            check_name(&name, &at, &names.contexts)?;
        } else if names.contexts.contains(&name) {
            return invalid(
                at.key("place"),
                format!("two contexts are both called \"{name}\"; give them a `name`"),
            );
        }
        names.contexts.push(name);
        out.push(Context {
            cumulative_share: cumulative[i],
            place,
            night: c.night,
            weekend: c.weekend,
            phone_coverage: c.phone_coverage,
            car_cellular_coverage: c.car_cellular_coverage,
            parked_long: c.parked_long,
            keys_in_cabin: c.keys_in_cabin,
        });
    }
    Ok(out)
}

/// Compiles the scenario's own facts (`[fact.NAME]`, in name order) and records their names in
/// `names.facts`. Each takes the next bit from 32; the facts its `given` rules test must be
/// drawn before it, so those dependencies must form no cycle.
fn compile_facts(spec: &ScenarioSpec, names: &mut Names) -> Result<UserFacts> {
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

fn compile_remedy(
    r: &super::spec::RemedySpec,
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

/// Preconditions as written (`requires`, a step's `when`) as alternatives, one of which must
/// hold (empty: always). `facts` are the scenario's own facts, in bit order.
fn conditions(r: &Requires, here: &FieldPath, facts: &[String]) -> Result<Vec<Condition>> {
    match r {
        Requires::Nothing => Ok(Vec::new()),
        Requires::All(lits) => Ok(vec![condition(lits, here, facts)?]),
        Requires::AnyOf(alts) => alts
            .iter()
            .enumerate()
            .map(|(i, lits)| condition(lits, &here.index(i), facts))
            .collect(),
    }
}

/// Resolves fact literals (`"fact"` or `"!fact"`) into a condition.
fn condition(literals: &[String], here: &FieldPath, facts: &[String]) -> Result<Condition> {
    let mut c = Condition::default();
    for lit in literals {
        let (negated, name) = match lit.strip_prefix('!') {
            Some(n) => (true, n.trim()),
            None => (false, lit.trim()),
        };
        let bit = lookup_fact(name, here, facts)?;
        if negated {
            c.forbid |= bit;
        } else {
            c.need |= bit;
        }
    }
    if c.need & c.forbid != 0 {
        return invalid(here.clone(), "a fact is both required and forbidden");
    }
    Ok(c)
}

fn fact_mask(names: &[String], here: &FieldPath, facts: &[String]) -> Result<u64> {
    names
        .iter()
        .try_fold(0u64, |m, n| Ok(m | lookup_fact(n, here, facts)?))
}

/// The bit of fact `name`: a built-in one, or one of the scenario's own `facts` (bit order).
fn lookup_fact(name: &str, here: &FieldPath, facts: &[String]) -> Result<u64> {
    if let Some(f) = Fact::from_name(name) {
        return Ok(f.bit());
    }
    if let Some(i) = facts.iter().position(|f| f == name) {
        return Ok(user_fact_bit(i));
    }
    let all: Vec<&str> = Fact::ALL
        .iter()
        .map(|f| f.name())
        .chain(facts.iter().map(String::as_str))
        .collect();
    invalid(
        here.clone(),
        format!(
            "unknown fact `{name}` (facts: {}{}){}",
            Fact::ALL.map(|f| f.name()).join(", "),
            if facts.is_empty() {
                String::new()
            } else {
                format!("; declared in [fact]: {}", facts.join(", "))
            },
            hint(name, all.iter().copied(), '`')
        ),
    )
}

fn cumulative_shares(
    shares: impl Iterator<Item = f64>,
    here: &FieldPath,
    what: &str,
) -> Result<Vec<f64>> {
    let shares: Vec<f64> = shares.collect();
    if shares.is_empty() {
        return invalid(
            here.clone(),
            format!("a scenario needs at least one {what}"),
        );
    }
    for (i, s) in shares.iter().enumerate() {
        probability(&here.index(i).key("share"), *s)?;
    }
    let total: f64 = shares.iter().sum();
    if (total - 1.0).abs() > SUM_TOLERANCE {
        return invalid(
            here.index(0).key("share"),
            format!("the shares of every {what} must sum to 1 (they sum to {total})"),
        );
    }
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = shares
        .iter()
        .map(|s| {
            acc += s;
            acc
        })
        .collect();
    *cumulative.last_mut().expect("non-empty") = 1.0;
    Ok(cumulative)
}

fn check_name(name: &str, here: &FieldPath, taken: &[String]) -> Result<()> {
    if name.trim().is_empty() {
        return invalid(here.key("name"), "must not be empty");
    }
    if name.contains('.') {
        return invalid(
            here.key("name"),
            format!("must not contain `.` (paths in `set` use dots): \"{name}\""),
        );
    }
    if taken.iter().any(|t| t == name) {
        return invalid(here.key("name"), format!("\"{name}\" is used twice"));
    }
    Ok(())
}

fn probability(here: &FieldPath, p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        invalid(
            here.clone(),
            format!("a probability must be in [0, 1] (got {p})"),
        )
    }
}

/// A share in [0, 1] (NaN refused).
fn share(here: &FieldPath, v: f64) -> Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        invalid(here.clone(), format!("a share must be in [0, 1] (got {v})"))
    }
}

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

fn nonneg(here: &FieldPath, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        invalid(
            here.clone(),
            format!("must be a finite number >= 0 (got {v})"),
        )
    }
}

fn dist(spec: &DistSpec, here: &FieldPath) -> Result<Dist> {
    spec.compile().map_err(|message| Invalid {
        path: here.clone(),
        message,
    })
}

fn opt_dist(spec: Option<&DistSpec>, here: &FieldPath) -> Result<Option<Dist>> {
    spec.map(|s| dist(s, here)).transpose()
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
        super::region::check_limits(spec, region, worst_cost)?;
    }
    Ok(())
}
