//! `[uncertainty]`: each uncertain parameter checked against the scenario before anything is
//! simulated (a numeric field of the format that the file has or defaults, a valid
//! distribution of the field's kind, a source), and the overrides that give one parameter
//! draw its values.
//!
//! A draw's values are applied to the document like `--set` overrides, after them and before
//! the strategies' `set` tables: where a strategy's `set` fixes a field that is also uncertain,
//! the strategy's value wins for that strategy (a strategy is a choice, not an unknown).

use serde::Deserialize;

use super::compile::Invalid;
use super::locate::FieldPath;
use super::overrides::{self, Mode, Override};
use super::spec::{ScenarioSpec, UncertaintySpec};
use crate::dist::{DistSpec, Quantity};
use crate::model::uncertainty::{UncertainParameter, Uncertainty};

/// At most this many uncertain parameters (each is a column of `draws.csv` and a one-way pair
/// of runs).
pub const MAX_PARAMETERS: usize = 64;

/// Whether a TOML value holds a string anywhere (a duration is written as one).
fn has_string(v: &toml::Value) -> bool {
    match v {
        toml::Value::String(_) => true,
        toml::Value::Table(t) => t.values().any(has_string),
        toml::Value::Array(a) => a.iter().any(has_string),
        _ => false,
    }
}

/// The override value that sets a parameter to `x` (minutes for a duration).
pub fn value_of(p: &UncertainParameter, x: f64) -> toml::Value {
    if p.duration {
        toml::Value::String(format!("{x} min"))
    } else {
        toml::Value::Float(x)
    }
}

/// The overrides that give the parameters `values` (in parameter order).
pub fn overrides_for(u: &Uncertainty, values: &[f64]) -> Vec<Override> {
    u.parameters
        .iter()
        .zip(values)
        .map(|(p, &x)| Override {
            path: p.path.clone(),
            value: value_of(p, x),
        })
        .collect()
}

/// Checks `[uncertainty]` against the document it belongs to (after `--set`) and compiles it.
pub(super) fn compile(
    spec: &UncertaintySpec,
    doc: &toml::Table,
    is_region: bool,
) -> Result<Uncertainty, Invalid> {
    let at = FieldPath::root().key("uncertainty");
    let invalid = |path: &FieldPath, message: String| Invalid {
        path: path.clone(),
        message,
    };
    if is_region {
        return Err(invalid(
            &at,
            "uncertain parameters are for incident-level scenarios for now; a scenario with \
             [region] cannot have [uncertainty]"
                .into(),
        ));
    }
    if spec.draws < 2 {
        return Err(invalid(
            &at.key("draws"),
            format!(
                "at least 2 draws are needed for a spread over draws (got {})",
                spec.draws
            ),
        ));
    }
    crate::limits::check_incidents("uncertainty.incidents", spec.incidents)
        .map_err(|m| invalid(&at.key("incidents"), m))?;
    if spec.incidents == 0 {
        return Err(invalid(
            &at.key("incidents"),
            "at least 1 incident per draw".into(),
        ));
    }
    if spec.parameter.is_empty() {
        return Err(invalid(
            &at,
            "no uncertain parameter: add [[uncertainty.parameter]] tables with path, \
             distribution and source"
                .into(),
        ));
    }
    if spec.parameter.len() > MAX_PARAMETERS {
        return Err(invalid(
            &at.key("parameter").index(MAX_PARAMETERS),
            format!("at most {MAX_PARAMETERS} uncertain parameters"),
        ));
    }
    let mut parameters: Vec<UncertainParameter> = Vec::new();
    let mut seen: Vec<Vec<String>> = Vec::new();
    for (k, p) in spec.parameter.iter().enumerate() {
        let here = at.key("parameter").index(k);
        let parts = overrides::split_path(&p.path).map_err(|m| invalid(&here.key("path"), m))?;
        if let Some(j) = seen.iter().position(|s| *s == parts) {
            return Err(invalid(
                &here.key("path"),
                format!(
                    "`{}` is uncertain twice (also parameter {j}); give each field one distribution",
                    p.path
                ),
            ));
        }
        seen.push(parts);
        let source = p.source.trim();
        if source.is_empty() {
            return Err(invalid(
                &here.key("source"),
                "say where the distribution comes from: row ids of docs/sources.md, or \
                 `assumption` and why"
                    .into(),
            ));
        }
        let duration = has_string(&p.distribution);
        let quantity = if duration {
            Quantity::Duration
        } else {
            Quantity::Money
        };
        let dist_spec = DistSpec::from_toml(&p.distribution, quantity)
            .map_err(|m| invalid(&here.key("distribution"), m))?;
        let dist = dist_spec
            .compile()
            .map_err(|m| invalid(&here.key("distribution"), m))?;
        // The field must be numeric and of the distribution's kind, written in the file or a
        // field of the format it defaults (the rule of --set, with its suggestions).
        let probe = |x: f64, mode: Mode| {
            let mut d = doc.clone();
            let value = if duration {
                toml::Value::String(format!("{x} min"))
            } else if mode == Mode::NumericExisting {
                toml::Value::Integer(x as i64)
            } else {
                toml::Value::Float(x)
            };
            overrides::apply(
                &mut d,
                &Override {
                    path: p.path.clone(),
                    value,
                },
                mode,
            )
            .map(|_| d)
        };
        probe(1.0, Mode::NumericExisting).map_err(|m| invalid(&here.key("path"), m))?;
        // A whole-number field (a count, a year) cannot take a drawn fraction.
        let d = probe(0.5, Mode::Any).map_err(|m| invalid(&here.key("path"), m))?;
        if let Err(e) = ScenarioSpec::deserialize(d)
            && e.message().contains("floating point")
        {
            return Err(invalid(
                &here.key("path"),
                format!(
                    "`{}` takes whole numbers; an uncertain parameter must be a real number or \
                     a duration",
                    p.path
                ),
            ));
        }
        parameters.push(UncertainParameter {
            path: p.path.trim().to_string(),
            duration,
            spec: dist_spec,
            dist,
            source: source.to_string(),
        });
    }
    Ok(Uncertainty {
        draws: spec.draws,
        incidents: spec.incidents,
        parameters,
    })
}
