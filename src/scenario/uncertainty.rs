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
use crate::model::uncertainty::{JointSample, UncertainParameter, Uncertainty};

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
    base: &std::path::Path,
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
        let joint = spec.samples.is_some();
        // The field's kind: from the distribution's values, or, with a joint sample, from the
        // field (a duration takes "1 min", a number 1).
        let probe_kind = |value: toml::Value| {
            overrides::apply(
                &mut doc.clone(),
                &Override {
                    path: p.path.clone(),
                    value,
                },
                Mode::NumericExisting,
            )
        };
        let duration = match (&p.distribution, joint) {
            (Some(d), false) => has_string(d),
            (None, true) => match probe_kind(toml::Value::Integer(1)) {
                Ok(_) => false,
                Err(numeric) => {
                    probe_kind(toml::Value::String("1 min".into()))
                        .map_err(|_| invalid(&here.key("path"), numeric))?;
                    true
                }
            },
            // With a joint sample the values come from the file; the distribution is the prior
            // that `lockout calibrate` fitted the file from.
            (Some(d), true) => has_string(d),
            (None, false) => {
                return Err(invalid(
                    &here,
                    "give the parameter a `distribution` (or the scenario a joint sample file, \
                     `uncertainty.samples`)"
                        .into(),
                ));
            }
        };
        let quantity = if duration {
            Quantity::Duration
        } else {
            Quantity::Money
        };
        // A placeholder for a joint sample's parameter, replaced by its column below.
        let dist_spec = match &p.distribution {
            Some(d) => DistSpec::from_toml(d, quantity)
                .map_err(|m| invalid(&here.key("distribution"), m))?,
            None => DistSpec::Fixed(1.0),
        };
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
            prior: p.distribution.is_some().then(|| dist_spec.clone()),
            spec: dist_spec,
            dist,
            source: source.to_string(),
        });
    }
    let samples = match &spec.samples {
        Some(file) => {
            let sample = read_samples(file, base, &parameters)
                .map_err(|m| invalid(&at.key("samples"), m))?;
            for (j, p) in parameters.iter_mut().enumerate() {
                let values: Vec<f64> = sample.rows.iter().map(|r| r[j]).collect();
                p.spec = DistSpec::Empirical {
                    weights: vec![1.0; values.len()],
                    values,
                };
                p.dist = p.spec.compile().map_err(|m| {
                    invalid(
                        &at.key("samples"),
                        format!("{file}: column `{}`: {m}", p.path),
                    )
                })?;
            }
            Some(sample)
        }
        None => None,
    };
    Ok(Uncertainty {
        draws: spec.draws,
        incidents: spec.incidents,
        parameters,
        samples,
    })
}

/// Reads a joint sample: a CSV file (relative to the scenario's directory `base`) whose header
/// names every parameter's path once (in any order; other columns are refused) and whose rows
/// are parameter sets (durations in minutes).
fn read_samples(
    file: &str,
    base: &std::path::Path,
    parameters: &[UncertainParameter],
) -> Result<JointSample, String> {
    let path = base.join(file);
    let bytes =
        std::fs::read(&path).map_err(|e| format!("cannot read the joint sample {file}: {e}"))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| format!("{file}: header: {e}"))?
        .clone();
    let known: Vec<&str> = parameters.iter().map(|p| p.path.as_str()).collect();
    let mut column = vec![usize::MAX; parameters.len()];
    for (c, h) in headers.iter().enumerate() {
        let Some(j) = known.iter().position(|k| *k == h.trim()) else {
            return Err(format!(
                "{file}: column `{h}` is not an uncertain parameter{}",
                crate::suggest::hint(h, known.iter().copied(), '`')
            ));
        };
        if column[j] != usize::MAX {
            return Err(format!("{file}: column `{h}` appears twice"));
        }
        column[j] = c;
    }
    if let Some(j) = column.iter().position(|&c| c == usize::MAX) {
        return Err(format!(
            "{file}: no column for the parameter `{}` (a column per parameter path)",
            known[j]
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{file}: line {line}: {e}"))?;
        let row = column
            .iter()
            .zip(&known)
            .map(|(&c, name)| {
                let text = record.get(c).unwrap_or("").trim();
                text.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        format!("{file}: line {line}: column `{name}`: `{text}` is not a number")
                    })
            })
            .collect::<Result<Vec<f64>, String>>()?;
        rows.push(row);
    }
    if rows.len() < 2 {
        return Err(format!(
            "{file}: {} parameter sets; a joint sample needs at least 2 rows",
            rows.len()
        ));
    }
    Ok(JointSample {
        path: file.to_string(),
        sha256: crate::digest::sha256_hex(&bytes),
        rows,
    })
}
