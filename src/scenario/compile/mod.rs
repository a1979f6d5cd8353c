//! Validation of a parsed scenario and its compilation into the model the engine runs.
//!
//! Every rule broken is reported as an [`Invalid`]: the path of the field and the rule, so the
//! caller can point at the line in the file.

mod facts;
mod limits;
mod policy;
mod population;
mod remedies;
mod strategies;

pub use limits::check_limits;
pub use strategies::{check_same_structure, check_strategies, target};

use facts::compile_facts;
use policy::{compile_fallbacks, compile_policies, fallback_path};
use population::{compile_contexts, compile_drivers, compile_segments};
use remedies::compile_remedy;

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

    let policies = compile_policies(spec, &root, &names)?;
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
