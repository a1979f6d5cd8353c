//! The words of a `lockout calibrate` directory, every number read from its tables:
//! `calibration.md` (the comparison and the fitted parameters as Markdown, which the README's
//! Calibration section copies) and the reading of its page.

use std::fmt::Write as _;

use super::format::{format_auto, format_fixed, format_percent};
use super::schema::{CalibrationRow, ParameterFitRow};

/// Beyond this many fit standard deviations the model and the source still disagree.
pub const DISAGREE_Z: f64 = 2.0;

/// A value of `unit` for people: a share as a percentage, minutes with one decimal, a rate per
/// vehicle-year with three decimals.
pub fn value(x: Option<f64>, unit: &str) -> String {
    match x {
        None => "n/a".into(),
        Some(x) => match unit {
            "share" => format_percent(x),
            "min" => format!("{} min", format_fixed(x, 1)),
            "per vehicle-year" => format_fixed(x, 4),
            _ => format_auto(x),
        },
    }
}

/// How a row's observation and the fitted model compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// The observation lies within the fitted model's 95% interval.
    Inside,
    /// Outside the interval, but within [`DISAGREE_Z`] fit standard deviations: a difference
    /// the stated error and discrepancy allow.
    Allowed,
    /// More than [`DISAGREE_Z`] fit standard deviations away: the model and the source still
    /// disagree.
    Disagrees,
}

/// How `row` compares after the fit.
pub fn agreement(row: &CalibrationRow) -> Agreement {
    let z = row.standardised_residual_after.unwrap_or(f64::INFINITY);
    let inside = matches!(
        (row.simulated_after_p2_5, row.simulated_after_p97_5),
        (Some(lo), Some(hi)) if (lo..=hi).contains(&row.observed)
    );
    if z.abs() > DISAGREE_Z {
        Agreement::Disagrees
    } else if inside {
        Agreement::Inside
    } else {
        Agreement::Allowed
    }
}

/// The comparison, the fitted parameters and the disagreements as Markdown.
pub fn markdown(rows: &[CalibrationRow], parameters: &[ParameterFitRow]) -> String {
    let mut m = String::new();
    let first = rows.first();
    let _ = writeln!(
        m,
        "| target | observed | source | simulated before | after the fit (95% interval) | \
         (after − observed) / fit sd |\n| --- | --- | --- | --- | --- | --- |"
    );
    for r in rows {
        let interval = match (r.simulated_after_p2_5, r.simulated_after_p97_5) {
            (Some(lo), Some(hi)) => {
                format!(
                    " ({} to {})",
                    value(Some(lo), &r.unit),
                    value(Some(hi), &r.unit)
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            m,
            "| {} | {} ± {} | {} | {} | {}{} | {} |",
            r.target,
            value(Some(r.observed), &r.unit),
            value(Some(r.fit_sd), &r.unit),
            r.source,
            value(r.simulated_before, &r.unit),
            value(r.simulated_after, &r.unit),
            interval,
            r.standardised_residual_after
                .map_or("n/a".into(), |z| format_fixed(z, 1)),
        );
    }
    if let Some(f) = first {
        let _ = writeln!(
            m,
            "\n± is the fit's standard deviation (the source's error and the stated discrepancy). \
             {} weighted parameter sets of the same {} incidents each; effective sample size {}.",
            format_fixed(f.parameter_sets as f64, 0),
            format_fixed(f.incidents_per_set as f64, 0),
            format_fixed(f.effective_sample_size, 0)
        );
    }
    let count = |a: Agreement| rows.iter().filter(|r| agreement(r) == a).count();
    let _ = writeln!(
        m,
        "\nAfter the fit, {} of {} observations lie within the model's 95% interval, {} more \
         within 2 fit sd of it, and {} further away.",
        count(Agreement::Inside),
        rows.len(),
        count(Agreement::Allowed),
        count(Agreement::Disagrees)
    );
    let off: Vec<&CalibrationRow> = rows
        .iter()
        .filter(|r| agreement(r) != Agreement::Inside)
        .collect();
    if !off.is_empty() {
        let _ = writeln!(m, "Where the model and the data still differ:\n");
        for r in off {
            let how = match agreement(r) {
                Agreement::Disagrees => "they disagree",
                _ => "within what the fit allows",
            };
            let side = match r.simulated_after {
                Some(x) if x > r.observed => "above",
                _ => "below",
            };
            let _ = writeln!(
                m,
                "- {}: the model gives {}, {} the observed {} ({}; {}).",
                r.target,
                value(r.simulated_after, &r.unit),
                side,
                value(Some(r.observed), &r.unit),
                r.source,
                how
            );
        }
    }
    let _ = writeln!(
        m,
        "\n| parameter | prior mean (95% interval) | posterior mean (95% interval) | posterior sd / prior sd |\n| --- | --- | --- | --- |"
    );
    for p in parameters {
        let unit = if p.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", p.unit)
        };
        let v = |x: f64| format!("{}{unit}", format_auto(x));
        let _ = writeln!(
            m,
            "| `{}` | {} ({} to {}) | {} ({} to {}) | {} |",
            p.parameter,
            v(p.prior_mean),
            v(p.prior_p2_5),
            v(p.prior_p97_5),
            v(p.posterior_mean),
            v(p.posterior_p2_5),
            v(p.posterior_p97_5),
            format_fixed(p.sd_ratio, 2)
        );
    }
    m
}
