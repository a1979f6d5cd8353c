//! The words of a `lockout calibrate` directory, every number read from its tables:
//! `calibration.md` (the comparison and the fitted parameters as Markdown, which the README's
//! Calibration section copies) and its page, `report.html`, with the figure embedded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::figures::calibration::CalibrationTables;
use super::figures::draw_calibration_figures;
use super::figures::read::PlotError;
use super::format::{format_auto, format_fixed, format_percent};
use super::page::{CSS, REPORT_FILE, escape, inline_svg};
use super::schema::{CalibrationRow, ParameterFitRow};

/// Beyond this many fit standard deviations the model and the source still disagree.
pub const DISAGREE_Z: f64 = 2.0;

/// Below this effective sample size the posterior rests on too few parameter sets for its
/// intervals to be read; the page, `calibration.md` and the command say so.
pub const MIN_EFFECTIVE_SAMPLE_SIZE: f64 = 100.0;

/// The warning about a small effective sample size, if it is one.
pub fn thin_posterior(effective_sample_size: f64, sets: u64) -> Option<String> {
    (effective_sample_size < MIN_EFFECTIVE_SAMPLE_SIZE).then(|| {
        format!(
            "the posterior rests on an effective {} of {} parameter sets, too few to read its \
             intervals: raise `sets` or `rounds` in the targets file, or widen observed_se or \
             the discrepancy if the targets are stricter than the sources",
            format_fixed(effective_sample_size, 0),
            format_fixed(sets as f64, 0)
        )
    })
}

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

/// A parameter's prior and posterior as people read them: "mean (p2.5 to p97.5)" each, with
/// its unit, and the sd ratio.
fn parameter_cells(p: &ParameterFitRow) -> [String; 3] {
    let unit = if p.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", p.unit)
    };
    let v = |x: f64| format!("{}{unit}", format_auto(x));
    [
        format!(
            "{} ({} to {})",
            v(p.prior_mean),
            v(p.prior_p2_5),
            v(p.prior_p97_5)
        ),
        format!(
            "{} ({} to {})",
            v(p.posterior_mean),
            v(p.posterior_p2_5),
            v(p.posterior_p97_5)
        ),
        format_fixed(p.sd_ratio, 2),
    ]
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
    if let Some(w) = first.and_then(|f| thin_posterior(f.effective_sample_size, f.parameter_sets)) {
        let _ = writeln!(m, "\n**Warning:** {w}.");
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
    if rows.iter().any(|r| r.statistic == "share_of_named_answers") {
        let _ = writeln!(
            m,
            "A survey's shares are compared as shares of the answers it named (the unaccounted \
             answers left out), so they read higher than as published."
        );
    }
    if !off.is_empty() {
        let _ = writeln!(
            m,
            "\nWhere the model and the data still differ after the fit:\n"
        );
        for r in off {
            let how = match agreement(r) {
                Agreement::Disagrees => "more than 2 fit sd apart: they disagree",
                _ => "outside the model's 95% interval, within 2 fit sd",
            };
            let _ = writeln!(
                m,
                "- {}: the model gives {}, the source {} ({how}).",
                r.target,
                value(r.simulated_after, &r.unit),
                value(Some(r.observed), &r.unit),
            );
        }
    }
    let _ = writeln!(
        m,
        "\n| parameter | prior mean (95% interval) | posterior mean (95% interval) | posterior sd / prior sd |\n| --- | --- | --- | --- |"
    );
    for p in parameters {
        let [prior, posterior, ratio] = parameter_cells(p);
        let _ = writeln!(m, "| `{}` | {prior} | {posterior} | {ratio} |", p.parameter);
    }
    m
}

/// Draws the figure of a calibration directory and writes its page; returns the written
/// files, figures first and `report.html` last.
pub fn render_calibration(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = draw_calibration_figures(dir)?;
    let tables = CalibrationTables::load(dir)?;
    let figure =
        std::fs::read_to_string(dir.join("calibration.svg")).map_err(|e| PlotError::Draw {
            path: dir.join("calibration.svg"),
            message: e.to_string(),
        })?;
    let path = dir.join(REPORT_FILE);
    super::output::write_file_atomically(&path, calibration_html(&tables, &figure).as_bytes())?;
    written.push(path);
    Ok(written)
}

/// The page: the verdict in words, the figure (embedded), the comparison and the parameters.
pub fn calibration_html(t: &CalibrationTables, figure_svg: &str) -> String {
    let name = escape(&t.run.scenario.name);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lockout calibration: {name}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <main>\n<h1>Calibrated to the published observations: {name}</h1>\n"
    );
    let _ = writeln!(
        h,
        "<dl class=\"settings\"><dt>targets</dt><dd>{} (sha256 {}…)</dd><dt>compared</dt>\
         <dd>the incidents under the strategy &ldquo;{}&rdquo;</dd><dt>parameter sets</dt><dd>{} rounds of {}, {} \
         incidents each (the same incidents in every set); effective sample size {}</dd>\
         <dt>seed</dt><dd>{}</dd><dt>lockout version</dt><dd>{}</dd></dl>",
        escape(&t.run.targets_path),
        escape(&t.run.targets_sha256[..12.min(t.run.targets_sha256.len())]),
        escape(&t.run.strategy),
        t.run.rounds,
        format_fixed(t.run.sets_per_round as f64, 0),
        format_fixed(t.run.incidents_per_set as f64, 0),
        format_fixed(t.run.effective_sample_size, 0),
        t.run.seed,
        escape(&t.run.lockout_version)
    );
    h.push_str("<h2>Reading the results</h2>\n<ul class=\"reading\">\n");
    if let Some(w) = t
        .rows
        .first()
        .and_then(|f| thin_posterior(f.effective_sample_size, f.parameter_sets))
    {
        let _ = writeln!(
            h,
            "<li class=\"warning\"><strong>Warning:</strong> {}.</li>",
            escape(&w)
        );
    }
    let count = |a: Agreement| t.rows.iter().filter(|r| agreement(r) == a).count();
    let _ = writeln!(
        h,
        "<li>After the fit, {} of {} observations lie within the model's 95% interval, {} more \
         within 2 fit standard deviations, and {} further away.</li>",
        count(Agreement::Inside),
        t.rows.len(),
        count(Agreement::Allowed),
        count(Agreement::Disagrees)
    );
    for r in t
        .rows
        .iter()
        .filter(|r| agreement(r) == Agreement::Disagrees)
    {
        let _ = writeln!(
            h,
            "<li><strong>{}</strong>: the model gives {} against the observed {} ({}): they \
             still disagree.</li>",
            escape(&r.target),
            value(r.simulated_after, &r.unit),
            value(Some(r.observed), &r.unit),
            escape(&r.source)
        );
    }
    let informed: Vec<&ParameterFitRow> =
        t.parameters.iter().filter(|p| p.sd_ratio < 0.9).collect();
    if !informed.is_empty() {
        let list: Vec<String> = informed
            .iter()
            .map(|p| {
                format!(
                    "<code>{}</code> (sd {} of the prior's)",
                    escape(&p.parameter),
                    format_percent(p.sd_ratio)
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<li>The targets narrow {}; the other parameters keep about their priors.</li>",
            list.join(", ")
        );
    }
    if t.rows
        .iter()
        .any(|r| r.statistic == "share_of_named_answers")
    {
        h.push_str(
            "<li>A survey's shares are compared as shares of the answers it named (the \
             unaccounted answers left out), so they read higher than as published.</li>\n",
        );
    }
    h.push_str("</ul>\n");
    let _ = writeln!(
        h,
        "<figure id=\"calibration\">\n{}\n<figcaption><strong>Figure 1.</strong> Each target's \
         observation against the model before and after the fit, in units of its fit standard \
         deviation. <a href=\"calibration.svg\">SVG</a> · <a href=\"calibration.png\">PNG</a>\
         </figcaption>\n</figure>",
        inline_svg(figure_svg, "Figure 1: observed against simulated")
    );
    h.push_str(
        "<h2>Targets</h2>\n<table>\n<thead><tr><th>target</th><th>observed ± fit sd</th>\
        <th>before</th><th>after (95% interval)</th><th>source</th></tr></thead>\n<tbody>\n",
    );
    for r in &t.rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{} ± {}</td><td>{}</td><td>{} ({} to {})</td><td>{}</td></tr>",
            escape(&r.target),
            value(Some(r.observed), &r.unit),
            value(Some(r.fit_sd), &r.unit),
            value(r.simulated_before, &r.unit),
            value(r.simulated_after, &r.unit),
            value(r.simulated_after_p2_5, &r.unit),
            value(r.simulated_after_p97_5, &r.unit),
            escape(&r.source)
        );
    }
    h.push_str(
        "</tbody>\n</table>\n<h2>Fitted parameters</h2>\n<table>\n<thead><tr>\
        <th>parameter</th><th>prior mean (95% interval)</th><th>posterior mean (95% interval)\
        </th><th>posterior sd / prior sd</th></tr></thead>\n<tbody>\n",
    );
    for p in &t.parameters {
        let [prior, posterior, ratio] = parameter_cells(p);
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{prior}</td><td>{posterior}</td><td>{ratio}</td></tr>",
            escape(&p.parameter)
        );
    }
    let _ = write!(
        h,
        "</tbody>\n</table>\n<footer>Generated by lockout {} from \
         <a href=\"calibration.csv\">calibration.csv</a>, \
         <a href=\"parameters.csv\">parameters.csv</a> and run.json in this directory; the \
         posterior joint sample is <a href=\"posterior.csv\">posterior.csv</a>, every set \
         simulated <a href=\"sets.csv\">sets.csv</a>.</footer>\n</main>\n</body>\n</html>\n",
        escape(&t.run.lockout_version)
    );
    h
}
