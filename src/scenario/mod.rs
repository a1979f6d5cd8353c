//! Scenario files: the TOML format, loading with positions, overrides, validation into the model.
//!
//! Loading goes: text → [`spec::ScenarioSpec`] (serde, unknown fields rejected) → `--set`
//! overrides → validation and compilation of the base → for each strategy, its `set` changes
//! applied to the same document and compiled again → [`Scenario`]. Every error names the file,
//! the line and column, the field and the rule broken.

pub mod compile;
pub mod locate;
pub mod overrides;
pub mod region;
pub mod region_spec;
pub mod schema;
pub mod spec;
pub mod targets;
pub mod uncertainty;

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::model::{Scenario, Strategy};
use compile::Invalid;
use locate::{FieldPath, LineCol};
pub use overrides::Override;
use spec::ScenarioSpec;

/// The commented starter scenario `lockout new` writes (it passes `lockout check`).
pub const STARTER: &str = include_str!("starter.toml");

/// A scenario that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The file (as given by the user).
    pub file: String,
    /// Line and column in the file, where known.
    pub at: Option<LineCol>,
    /// The field concerned (a TOML path), where known.
    pub field: Option<String>,
    /// The rule broken.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(at) = self.at {
            write!(f, ":{}:{}", at.line, at.col)?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// A loaded scenario plus facts about its file, for the manifest.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The compiled scenario.
    pub scenario: Scenario,
    /// The file as given.
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The `--set` overrides applied, as written.
    pub overrides: Vec<String>,
}

/// Reads and compiles a scenario file, applying `--set` overrides.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Loaded, ScenarioError> {
    load_prepared(path, overrides).map(|(loaded, _)| loaded)
}

/// Reads and compiles a scenario file, applying `--set` overrides, and keeps it parsed for
/// compiling again with other values ([`Prepared::compile`]).
pub fn load_prepared(
    path: &Path,
    overrides: &[Override],
) -> Result<(Loaded, Prepared), ScenarioError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError {
        file: file.clone(),
        at: None,
        field: None,
        message: format!("cannot read the scenario: {e}"),
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        // Point at the first byte that is not UTF-8.
        let valid = &bytes[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        ScenarioError {
            file: file.clone(),
            at: Some(LineCol { line, col }),
            field: None,
            message: "the file is not UTF-8 text here (is it a TOML scenario?)".into(),
        }
    })?;
    let prepared = Prepared::parse(&text, &file)?;
    let scenario = prepared.compile(overrides, &[])?;
    Ok((
        Loaded {
            scenario,
            path: file,
            sha256: crate::digest::sha256_hex(&bytes),
            overrides: overrides
                .iter()
                .map(|o| format!("{}={}", o.path, o.value))
                .collect(),
        },
        prepared,
    ))
}

/// Compiles a scenario from its text; `file` names it in errors.
pub fn from_toml_str(
    text: &str,
    file: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    Prepared::parse(text, file)?.compile(overrides, &[])
}

/// A scenario file parsed once, to be compiled many times with different overrides (the
/// parameter draws of `lockout uncertainty`).
#[derive(Debug, Clone)]
pub struct Prepared {
    text: String,
    file: String,
    spec: ScenarioSpec,
    doc: toml::Table,
}

impl Prepared {
    /// Parses a scenario's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Prepared, ScenarioError> {
        if text.trim().is_empty() {
            return Err(ScenarioError {
                file: file.to_string(),
                at: Some(FILE_START),
                field: None,
                message: "the file is empty; a scenario needs at least name, currency, price_year, \
                          incident_rate_per_vehicle_year, value_of_time_per_hour, horizon, fallback, \
                          vehicle, driver, context, remedy, policy and strategy"
                    .into(),
            });
        }
        // Parse straight from the text first, so type errors carry their position.
        let parsed: Result<ScenarioSpec, toml::de::Error> = toml::from_str(text);
        let spec = parsed.map_err(|e| toml_error(text, file, &e))?;
        let doc: toml::Table =
            toml::from_str(text).map_err(|e: toml::de::Error| toml_error(text, file, &e))?;
        Ok(Prepared {
            text: text.to_string(),
            file: file.to_string(),
            spec,
            doc,
        })
    }

    /// Compiles the scenario with `--set` `overrides`, then the values of one parameter draw
    /// (`draw`: paths checked by `[uncertainty]`, applied after `overrides` and before the
    /// strategies' `set`, so a strategy's own value of a field wins for that strategy).
    pub fn compile(
        &self,
        overrides: &[Override],
        draw: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        compile_prepared(self, overrides, draw)
    }
}

fn compile_prepared(
    prepared: &Prepared,
    overrides: &[Override],
    draw: &[Override],
) -> Result<Scenario, ScenarioError> {
    let (text, file) = (prepared.text.as_str(), prepared.file.as_str());
    let err_at = |path: &FieldPath, message: String| ScenarioError {
        file: file.to_string(),
        at: Some(locate::locate(text, path).unwrap_or(FILE_START)),
        field: (!path.0.is_empty()).then(|| path.to_string()),
        message,
    };
    let base_spec = prepared.spec.clone();
    let mut doc = prepared.doc.clone();

    // Command-line overrides change the document every strategy starts from.
    let base_spec = if overrides.is_empty() {
        base_spec
    } else {
        for ov in overrides {
            overrides::apply(&mut doc, ov, overrides::Mode::NumericExisting).map_err(|m| {
                let path = best_path(&doc, &ov.path);
                ScenarioError {
                    file: file.to_string(),
                    at: locate::locate(text, &path),
                    field: Some(ov.path.clone()),
                    message: format!("--set {}: {m}", ov.path),
                }
            })?;
        }
        ScenarioSpec::deserialize(doc.clone()).map_err(|e| {
            let first = &overrides[0];
            ScenarioError {
                file: file.to_string(),
                at: Some(locate::locate(text, &best_path(&doc, &first.path)).unwrap_or(FILE_START)),
                field: None,
                message: format!("after --set: {}", e.message()),
            }
        })?
    };

    // The uncertain parameters are checked against the document after --set, once: a draw's
    // scenario is compiled from values of parameters already checked.
    let uncertainty = match (&base_spec.uncertainty, draw.is_empty()) {
        (Some(u), true) => Some(
            uncertainty::compile(
                u,
                &doc,
                base_spec.region.is_some(),
                Path::new(file).parent().unwrap_or(Path::new("")),
            )
            .map_err(|i| err_at(&i.path, i.message))?,
        ),
        _ => None,
    };
    let base_spec = if draw.is_empty() {
        base_spec
    } else {
        for ov in draw {
            overrides::apply(&mut doc, ov, overrides::Mode::Any).map_err(|m| ScenarioError {
                file: file.to_string(),
                at: locate::locate(text, &best_path(&doc, &ov.path)),
                field: Some(ov.path.clone()),
                message: format!("drawn {}={}: {m}", ov.path, ov.value),
            })?;
        }
        ScenarioSpec::deserialize(doc.clone()).map_err(|e| ScenarioError {
            file: file.to_string(),
            at: Some(FILE_START),
            field: None,
            message: format!("with the drawn values: {}", e.message()),
        })?
    };

    // An error in a field a `--set` override (or a drawn value) changed names that override.
    let set_by: Vec<(FieldPath, String)> = overrides
        .iter()
        .map(|o| (o, "--set"))
        .chain(draw.iter().map(|o| (o, "drawn")))
        .map(|(o, how)| {
            (
                best_path(&doc, &o.path),
                format!("{how} {}={}", o.path, o.value),
            )
        })
        .collect();
    let err_at = |path: &FieldPath, message: String| {
        let mut e = err_at(path, message);
        if let Some((_, ov)) = set_by.iter().find(|(p, _)| p == path) {
            e.message = format!("{} (set by {ov})", e.message);
        } else if !set_by.is_empty() {
            let all: Vec<&str> = set_by.iter().map(|(_, o)| o.as_str()).collect();
            e.message = format!("{} (with {})", e.message, all.join(", "));
        }
        e
    };
    compile::check_settings(&base_spec).map_err(|i| err_at(&i.path, i.message))?;
    compile::check_strategies(&base_spec).map_err(|i| err_at(&i.path, i.message))?;
    let (base_model, names) =
        compile::compile_model(&base_spec).map_err(|i: Invalid| err_at(&i.path, i.message))?;
    compile::check_limits(&base_spec).map_err(|i| err_at(&i.path, i.message))?;

    let mut strategies = Vec::with_capacity(base_spec.strategy.len());
    for (k, st) in base_spec.strategy.iter().enumerate() {
        let strategy_path = FieldPath::root().key("strategy").index(k);
        let model = if st.set.is_empty() && st.disable.is_empty() {
            base_model.clone()
        } else {
            let mut variant = doc.clone();
            for (path, value) in &st.set {
                let ov = Override {
                    path: path.clone(),
                    value: value.clone(),
                };
                let set_path = strategy_path.key("set").key(path);
                overrides::apply(&mut variant, &ov, overrides::Mode::Any)
                    .map_err(|m| err_at(&set_path, format!("strategy \"{}\": {m}", st.name)))?;
            }
            let spec_err = |m: String| {
                err_at(
                    &strategy_path.key("set"),
                    format!("strategy \"{}\" makes the scenario invalid: {m}", st.name),
                )
            };
            let vspec = ScenarioSpec::deserialize(variant)
                .map_err(|e| spec_err(e.message().to_string()))?;
            let (mut model, vnames) = compile::compile_model(&vspec)
                .map_err(|i| spec_err(format!("{}: {}", i.path, i.message)))?;
            compile::check_limits(&vspec)
                .map_err(|i| spec_err(format!("{}: {}", i.path, i.message)))?;
            compile::check_same_structure(&names, &vnames).map_err(spec_err)?;
            for r in &st.disable {
                let idx = names
                    .remedies
                    .iter()
                    .position(|n| n == r)
                    .expect("checked by check_strategies");
                model.remedies[idx].available = false;
            }
            model
        };
        let unchanged = |s: &spec::StrategySpec| s.set.is_empty() && s.disable.is_empty();
        let same_model_as = if unchanged(st) {
            base_spec.strategy[..k].iter().position(unchanged)
        } else {
            None
        };
        // A strategy that only changes the population (vehicles, drivers, contexts, the
        // probabilities of the scenario's own facts) runs the
        // base scenario's remedies and policies.
        let engine_unchanged = |s: &spec::StrategySpec| {
            s.disable.is_empty()
                && s.set.keys().all(|p| {
                    let head = p.split('.').next().unwrap_or("");
                    matches!(head, "vehicle" | "driver" | "context" | "fact")
                })
        };
        let same_engine_as = if engine_unchanged(st) {
            base_spec.strategy[..k].iter().position(engine_unchanged)
        } else {
            None
        };
        // Only the population differs from the first such strategy, so the remedies are its.
        let mut model = model;
        model.remedy_group = same_engine_as.unwrap_or(k) as u16;
        let same_situation_as = strategies.iter().position(|o: &Strategy| {
            o.model.segments == model.segments
                && o.model.drivers == model.drivers
                && o.model.contexts == model.contexts
                && o.model.user_facts == model.user_facts
        });
        let same_part_as = [
            strategies
                .iter()
                .position(|o: &Strategy| o.model.segments == model.segments),
            strategies
                .iter()
                .position(|o: &Strategy| o.model.drivers == model.drivers),
            strategies
                .iter()
                .position(|o: &Strategy| o.model.contexts == model.contexts),
        ];
        let target_path = strategy_path.key("target");
        let target = compile::target(&st.target, &names, &target_path)
            .map_err(|i| err_at(&i.path, i.message))?;
        strategies.push(Strategy {
            name: st.name.clone(),
            description: st.description.clone(),
            annual_cost: st.annual_cost,
            lockout_share: st.lockout_share,
            target,
            uptake: st.uptake,
            incident_rate_multiplier: st.incident_rate_multiplier,
            model,
            same_model_as,
            same_situation_as,
            same_part_as,
            same_engine_as,
        });
    }
    let baseline = base_spec
        .strategy
        .iter()
        .position(|s| s.baseline)
        .expect("checked by check_strategies");
    // The region is the base scenario's; strategies change the incident model within it.
    let region = base_spec
        .region
        .as_ref()
        .map(|r| region::compile(r, &names.remedies))
        .transpose()
        .map_err(|i| err_at(&i.path, i.message))?;

    Ok(Scenario {
        name: base_spec.name.clone(),
        description: base_spec.description.clone(),
        currency: base_spec.currency.clone(),
        price_year: base_spec.price_year,
        incidents: base_spec.incidents,
        seed: base_spec.seed,
        incident_rate_per_vehicle_year: base_spec.incident_rate_per_vehicle_year,
        value_of_time_per_hour: base_spec.value_of_time_per_hour,
        names,
        strategies,
        baseline,
        region,
        uncertainty,
    })
}

/// The longest prefix of a dotted path that exists in the document, as a `FieldPath`, so an
/// error about a missing field can point at its parent's line.
fn best_path(doc: &toml::Table, dotted: &str) -> FieldPath {
    let mut path = FieldPath::root();
    let mut cur: Option<&toml::Value> = None;
    let parts = overrides::split_path(dotted)
        .unwrap_or_else(|_| dotted.split('.').map(str::to_string).collect());
    for part in parts.iter().map(String::as_str) {
        let next = match cur {
            None => doc.get(part).map(|v| (v, path.key(part))),
            Some(toml::Value::Table(t)) => t.get(part).map(|v| (v, path.key(part))),
            Some(toml::Value::Array(a)) => {
                let idx = part.parse::<usize>().ok().or_else(|| {
                    a.iter().position(|e| {
                        e.get("name")
                            .or_else(|| e.get("place"))
                            .and_then(|v| v.as_str())
                            == Some(part)
                    })
                });
                let idx = if part == "*" { Some(0) } else { idx };
                idx.and_then(|i| a.get(i).map(|v| (v, path.index(i))))
            }
            _ => None,
        };
        match next {
            Some((v, p)) => {
                cur = Some(v);
                path = p;
            }
            None => break,
        }
    }
    path
}

/// Where an error about the file as a whole (a missing section, say) points: its first line.
const FILE_START: LineCol = LineCol { line: 1, col: 1 };

fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
    let at = Some(
        e.span()
            .map_or(FILE_START, |s| locate::line_col(text, s.start)),
    );
    let field = e
        .span()
        .and_then(|s| locate::path_at(text, s.start))
        .map(|p| p.to_string());
    ScenarioError {
        file: file.to_string(),
        at,
        field,
        message: e.message().trim().to_string(),
    }
}
