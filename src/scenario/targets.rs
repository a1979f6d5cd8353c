//! A targets file of `lockout calibrate`: what was observed, read and checked against the
//! scenario it calibrates before anything is simulated. Every refusal names the file, the line,
//! the field and the rule, as a scenario's do.

use std::path::Path;

use serde::Deserialize;

use super::locate::{self, FieldPath};
use super::{FILE_START, ScenarioError, toml_error};
use crate::model::calibration::{Category, Composition, Statistic, Target, Targets};
use crate::model::{Place, Scenario};

/// At most this many parameter sets per round, rounds, and posterior rows: bounds that keep a
/// calibration within memory and time (each set is a compiled scenario and a row of
/// `sets.csv`).
pub const MAX_SETS: u64 = 20_000;
/// At most this many rounds.
pub const MAX_ROUNDS: u64 = 10;
/// At most this many posterior rows.
pub const MAX_POSTERIOR_DRAWS: u64 = 100_000;

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsSpec {
    /// The strategy whose incidents are compared (default: the baseline).
    strategy: Option<String>,
    /// Remedies whose endings are not counted as incidents by the sources.
    #[serde(default)]
    not_counted: Vec<String>,
    #[serde(default = "default_sets")]
    sets: u64,
    #[serde(default = "default_rounds")]
    rounds: u64,
    #[serde(default = "default_incidents")]
    incidents: u64,
    #[serde(default = "default_posterior_draws")]
    posterior_draws: u64,
    #[serde(default)]
    target: Vec<TargetSpec>,
    #[serde(default)]
    composition: Vec<CompositionSpec>,
}

fn default_sets() -> u64 {
    1_000
}
fn default_rounds() -> u64 {
    3
}
fn default_incidents() -> u64 {
    20_000
}
fn default_posterior_draws() -> u64 {
    1_000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetSpec {
    name: String,
    statistic: String,
    #[serde(default)]
    remedies: Vec<String>,
    remedy: Option<String>,
    place: Option<String>,
    minutes: Option<f64>,
    order: Option<f64>,
    observed: f64,
    observed_se: f64,
    #[serde(default)]
    discrepancy_sd: f64,
    source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompositionSpec {
    name: String,
    source: String,
    sample_size: f64,
    discrepancy_n: Option<f64>,
    category: Vec<CategorySpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategorySpec {
    name: String,
    #[serde(default)]
    remedies: Vec<String>,
    #[serde(default)]
    via: Vec<String>,
    observed: f64,
}

/// The statistics a target may name, with the fields each takes besides the common ones.
const STATISTICS: [(&str, &str); 7] = [
    ("resolved_share", "remedies"),
    ("place_share", "place"),
    ("mean_wait_min", "remedy"),
    ("wait_quantile_min", "remedy, order"),
    ("wait_within_share", "remedy, minutes"),
    ("calls_per_vehicle_year", "remedies"),
    ("counted_per_vehicle_year", ""),
];

/// A rule broken at a field of the targets file.
struct Invalid {
    path: FieldPath,
    message: String,
}

fn invalid(path: &FieldPath, message: impl Into<String>) -> Invalid {
    Invalid {
        path: path.clone(),
        message: message.into(),
    }
}

/// Reads the targets file at `path` and checks it against `scenario`; also returns the SHA-256
/// of its bytes.
pub fn load(path: &Path, scenario: &Scenario) -> Result<(Targets, String), ScenarioError> {
    let file = path.display().to_string();
    let refuse = |message: String| ScenarioError {
        file: file.clone(),
        at: None,
        field: None,
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| refuse(format!("cannot read the targets: {e}")))?;
    let text = String::from_utf8(bytes.clone())
        .map_err(|_| refuse("the file is not UTF-8 text (is it a TOML targets file?)".into()))?;
    let targets = from_str(&text, &file, scenario)?;
    Ok((targets, crate::digest::sha256_hex(&bytes)))
}

/// Checks the text of a targets file (named `file` in errors) against `scenario`.
pub fn from_str(text: &str, file: &str, scenario: &Scenario) -> Result<Targets, ScenarioError> {
    let spec: TargetsSpec = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
    compile(&spec, scenario).map_err(|e| ScenarioError {
        file: file.to_string(),
        at: Some(locate::locate(text, &e.path).unwrap_or(FILE_START)),
        field: (!e.path.0.is_empty()).then(|| e.path.to_string()),
        message: e.message,
    })
}

/// Remedy names (and `fallback`) to a bit mask and whether the fallback is included.
fn remedy_mask(
    names: &[String],
    scenario: &Scenario,
    at: &FieldPath,
    allow_fallback: bool,
) -> Result<(u64, bool), Invalid> {
    let known = &scenario.names.remedies;
    let (mut mask, mut fallback) = (0u64, false);
    for (i, name) in names.iter().enumerate() {
        if allow_fallback && name == "fallback" {
            fallback = true;
            continue;
        }
        let Some(r) = known.iter().position(|k| k == name) else {
            let extra = if allow_fallback {
                " (or `fallback`)"
            } else {
                ""
            };
            return Err(invalid(
                &at.index(i),
                format!(
                    "`{name}` is not a remedy of the scenario{extra}{}",
                    crate::suggest::hint(name, known.iter().map(String::as_str), '`')
                ),
            ));
        };
        if (mask >> r) & 1 != 0 {
            return Err(invalid(&at.index(i), format!("`{name}` is listed twice")));
        }
        mask |= 1 << r;
    }
    Ok((mask, fallback))
}

fn compile(spec: &TargetsSpec, scenario: &Scenario) -> Result<Targets, Invalid> {
    let root = FieldPath::root();
    if scenario.region.is_some() {
        return Err(invalid(
            &root,
            "calibration is for incident-level scenarios for now; the scenario has [region]",
        ));
    }
    let strategy = match &spec.strategy {
        None => scenario.baseline,
        Some(name) => scenario.strategy_index(name).ok_or_else(|| {
            invalid(
                &root.key("strategy"),
                format!(
                    "`{name}` is not a strategy of the scenario{}",
                    crate::suggest::hint(
                        name,
                        scenario.strategies.iter().map(|s| s.name.as_str()),
                        '`'
                    )
                ),
            )
        })?,
    };
    if !scenario.strategies[strategy].applies_to_all() {
        return Err(invalid(
            &root.key("strategy"),
            "the calibrated strategy must apply to every vehicle (no target or uptake): the \
             sources observed a whole population",
        ));
    }
    let (not_counted, _) =
        remedy_mask(&spec.not_counted, scenario, &root.key("not_counted"), false)?;
    let count = |key: &str, value: u64, min: u64, max: u64| {
        if value < min || value > max {
            Err(invalid(
                &root.key(key),
                format!("must be from {min} to {max} (got {value})"),
            ))
        } else {
            Ok(())
        }
    };
    count("sets", spec.sets, 10, MAX_SETS)?;
    count("rounds", spec.rounds, 1, MAX_ROUNDS)?;
    count(
        "posterior_draws",
        spec.posterior_draws,
        2,
        MAX_POSTERIOR_DRAWS,
    )?;
    crate::limits::check_incidents("incidents", spec.incidents)
        .map_err(|m| invalid(&root.key("incidents"), m))?;
    if spec.incidents == 0 {
        return Err(invalid(
            &root.key("incidents"),
            "at least 1 incident per set",
        ));
    }
    let evaluations = spec.sets * spec.rounds * spec.incidents;
    crate::limits::check_incidents("sets × rounds × incidents", evaluations)
        .map_err(|m| invalid(&root.key("incidents"), m))?;
    if spec.target.is_empty() && spec.composition.is_empty() {
        return Err(invalid(
            &root,
            "nothing to fit: add [[target]] or [[composition]] tables",
        ));
    }
    let model = &scenario.strategies[strategy].model;
    let mut wait_thresholds = Vec::new();
    let mut wait_sketches = 0u64;
    let mut targets = Vec::new();
    for (i, t) in spec.target.iter().enumerate() {
        let at = root.key("target").index(i);
        let finite = |key: &str, x: f64, min: f64| {
            if x.is_finite() && x >= min {
                Ok(())
            } else {
                Err(invalid(
                    &at.key(key),
                    format!("must be a finite number of at least {min} (got {x})"),
                ))
            }
        };
        finite("observed", t.observed, 0.0)?;
        finite("observed_se", t.observed_se, 0.0)?;
        finite("discrepancy_sd", t.discrepancy_sd, 0.0)?;
        if t.observed_se.hypot(t.discrepancy_sd) <= 0.0 {
            return Err(invalid(
                &at.key("observed_se"),
                "an observation needs an uncertainty: observed_se or discrepancy_sd above 0",
            ));
        }
        if t.source.trim().is_empty() {
            return Err(invalid(
                &at.key("source"),
                "say where the observation comes from (row ids of docs/sources.md)",
            ));
        }
        let Some(&(_, fields)) = STATISTICS.iter().find(|(s, _)| *s == t.statistic) else {
            return Err(invalid(
                &at.key("statistic"),
                format!(
                    "`{}` is not a statistic; one of {}{}",
                    t.statistic,
                    STATISTICS.map(|s| s.0).join(", "),
                    crate::suggest::hint(&t.statistic, STATISTICS.map(|s| s.0), '`')
                ),
            ));
        };
        // Each statistic takes its own fields and no other.
        let given = [
            ("remedies", !t.remedies.is_empty()),
            ("remedy", t.remedy.is_some()),
            ("place", t.place.is_some()),
            ("minutes", t.minutes.is_some()),
            ("order", t.order.is_some()),
        ];
        for (field, present) in given {
            let wanted = fields.split(", ").any(|f| f == field);
            if present != wanted {
                let takes = if fields.is_empty() {
                    "no other field".to_string()
                } else {
                    format!("`{}`", fields.replace(", ", "` and `"))
                };
                return Err(invalid(
                    &at.key(if present { field } else { "statistic" }),
                    format!("statistic `{}` takes {takes}", t.statistic),
                ));
            }
        }
        let remedy = |name: &str| {
            let (mask, _) = remedy_mask(&[name.to_string()], scenario, &at.key("remedy"), false)
                .map_err(|e| invalid(&at.key("remedy"), e.message))?;
            let r = mask.trailing_zeros() as usize;
            if model.remedies[r].wait.is_none() {
                return Err(invalid(
                    &at.key("remedy"),
                    format!("`{name}` has no `wait`: a wait target needs a responder who comes"),
                ));
            }
            Ok(r)
        };
        let share = |x: f64| {
            if x <= 1.0 {
                Ok(())
            } else {
                Err(invalid(
                    &at.key("observed"),
                    format!("a share is at most 1 (got {x})"),
                ))
            }
        };
        let statistic = match t.statistic.as_str() {
            "resolved_share" => {
                share(t.observed)?;
                let (remedies, fallback) =
                    remedy_mask(&t.remedies, scenario, &at.key("remedies"), true)?;
                if remedies & not_counted != 0 {
                    return Err(invalid(
                        &at.key("remedies"),
                        "a remedy in `not_counted` ends no counted incident",
                    ));
                }
                Statistic::ResolvedShare { remedies, fallback }
            }
            "place_share" => {
                share(t.observed)?;
                let name = t.place.as_deref().unwrap_or_default();
                let place = Place::from_name(name).ok_or_else(|| {
                    invalid(
                        &at.key("place"),
                        format!(
                            "`{name}` is not a place{}",
                            crate::suggest::hint(name, Place::ALL.map(Place::name), '`')
                        ),
                    )
                })?;
                Statistic::PlaceShare {
                    place: place as usize,
                }
            }
            "mean_wait_min" => Statistic::MeanWaitMin {
                remedy: remedy(t.remedy.as_deref().unwrap_or_default())?,
            },
            "wait_quantile_min" => {
                let order = t.order.unwrap_or_default();
                if !(order > 0.0 && order < 1.0) {
                    return Err(invalid(
                        &at.key("order"),
                        format!("a quantile's order is above 0 and below 1 (got {order})"),
                    ));
                }
                let r = remedy(t.remedy.as_deref().unwrap_or_default())?;
                wait_sketches |= 1 << r;
                Statistic::WaitQuantileMin { remedy: r, order }
            }
            "wait_within_share" => {
                share(t.observed)?;
                let minutes = t.minutes.unwrap_or_default();
                finite("minutes", minutes, 0.0)?;
                let r = remedy(t.remedy.as_deref().unwrap_or_default())?;
                wait_thresholds.push((r, minutes));
                Statistic::WaitWithinShare {
                    remedy: r,
                    minutes,
                    threshold: wait_thresholds.len() - 1,
                }
            }
            "calls_per_vehicle_year" => Statistic::CallsPerVehicleYear {
                remedies: remedy_mask(&t.remedies, scenario, &at.key("remedies"), false)?.0,
            },
            _ => Statistic::CountedPerVehicleYear,
        };
        // One spelling of each statistic: the file's is the one the tables write.
        debug_assert_eq!(statistic.name(), t.statistic);
        targets.push(Target {
            name: t.name.trim().to_string(),
            statistic,
            observed: t.observed,
            observed_se: t.observed_se,
            discrepancy_sd: t.discrepancy_sd,
            source: t.source.trim().to_string(),
        });
    }
    let mut compositions = Vec::new();
    for (i, c) in spec.composition.iter().enumerate() {
        let at = root.key("composition").index(i);
        if !(c.sample_size.is_finite() && c.sample_size >= 1.0) {
            return Err(invalid(
                &at.key("sample_size"),
                format!(
                    "the survey's sample size, at least 1 (got {})",
                    c.sample_size
                ),
            ));
        }
        let discrepancy_n = c.discrepancy_n.unwrap_or(f64::INFINITY);
        if discrepancy_n.is_nan() || discrepancy_n <= 0.0 {
            return Err(invalid(
                &at.key("discrepancy_n"),
                format!("an equivalent sample size above 0 (got {discrepancy_n})"),
            ));
        }
        if c.source.trim().is_empty() {
            return Err(invalid(&at.key("source"), "say where the shares come from"));
        }
        if c.category.len() < 2 {
            return Err(invalid(
                &at.key("category"),
                "a composition needs at least 2 categories",
            ));
        }
        let mut seen = 0u64;
        let mut seen_fallback = false;
        let mut seen_via = 0u64;
        let mut categories = Vec::new();
        for (k, cat) in c.category.iter().enumerate() {
            let here = at.key("category").index(k);
            if !(cat.observed.is_finite() && cat.observed > 0.0 && cat.observed <= 1.0) {
                return Err(invalid(
                    &here.key("observed"),
                    format!("a share above 0 and at most 1 (got {})", cat.observed),
                ));
            }
            if cat.remedies.is_empty() && cat.via.is_empty() {
                return Err(invalid(
                    &here.key("remedies"),
                    "name the remedies that end an incident this way (`remedies`), or whose \
                     success puts it in this category (`via`)",
                ));
            }
            let (mask, fallback) =
                remedy_mask(&cat.remedies, scenario, &here.key("remedies"), true)?;
            let (via, _) = remedy_mask(&cat.via, scenario, &here.key("via"), false)?;
            if mask & (seen | not_counted) != 0 || (fallback && seen_fallback) {
                return Err(invalid(
                    &here.key("remedies"),
                    "each remedy belongs to one category, and none to `not_counted`",
                ));
            }
            if via & (seen_via | not_counted) != 0 {
                return Err(invalid(
                    &here.key("via"),
                    "each remedy is `via` of one category, and none is in `not_counted`",
                ));
            }
            seen_via |= via;
            seen |= mask;
            seen_fallback |= fallback;
            categories.push(Category {
                name: cat.name.trim().to_string(),
                remedies: mask,
                via,
                fallback,
                observed: cat.observed,
            });
        }
        let composition = Composition {
            name: c.name.trim().to_string(),
            categories,
            sample_size: c.sample_size,
            discrepancy_n,
            source: c.source.trim().to_string(),
        };
        if composition.named_share() > 1.0 + 1e-9 {
            return Err(invalid(
                &at.key("category"),
                format!(
                    "the observed shares sum to {} (at most 1; the rest is unaccounted for)",
                    (composition.named_share() * 1e9).round() / 1e9
                ),
            ));
        }
        compositions.push(composition);
    }
    Ok(Targets {
        strategy,
        not_counted,
        targets,
        compositions,
        wait_thresholds,
        wait_sketches,
        sets: spec.sets,
        rounds: spec.rounds,
        incidents: spec.incidents,
        posterior_draws: spec.posterior_draws,
    })
}
