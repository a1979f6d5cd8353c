//! The report page of a `lockout uncertainty` directory: `report.html` with the decision over
//! the parameter draws in plain words, the decision and sensitivity tables and the figures,
//! every number read from the directory's tables ([`UncertaintyTables`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::figures::read::{PlotError, UncertaintyTables};
use super::figures::{FIGURE_SIZE_PX, UNCERTAINTY_FIGURE_NAMES, draw_uncertainty_figures};
use super::format::{decimals_for, format_fixed, format_percent};
use super::page::{CSS, REPORT_FILE, escape};

/// Draws the figures of an uncertainty directory and writes its page; returns the written
/// files, figures first and `report.html` last.
pub fn render_uncertainty(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = draw_uncertainty_figures(dir)?;
    let tables = UncertaintyTables::load(dir)?;
    let path = dir.join(REPORT_FILE);
    super::output::write_file_atomically(&path, uncertainty_html(&tables).as_bytes())?;
    written.push(path);
    Ok(written)
}

/// Money with about three significant digits.
fn money(x: f64) -> String {
    format_fixed(x, decimals_for(x).clamp(2, 4))
}

/// The plain-language reading: who is cheapest how often, the expected costs, what the
/// decision turns on, and EVPI with its noise.
fn reading(t: &UncertaintyTables) -> String {
    let cur = escape(&t.run.currency);
    let mut h = String::from("<ul class=\"reading\">\n");
    let by_p = t
        .decision
        .iter()
        .max_by(|a, b| a.probability_cheapest.total_cmp(&b.probability_cheapest))
        .expect("decision.csv has rows");
    let by_mean = t
        .decision
        .iter()
        .min_by(|a, b| {
            a.expected_annual_cost_per_vehicle
                .total_cmp(&b.expected_annual_cost_per_vehicle)
        })
        .expect("decision.csv has rows");
    let _ = writeln!(
        h,
        "<li><strong>{}</strong> is the cheapest in {} of the {} plausible worlds (parameter \
         draws).</li>",
        escape(&by_p.strategy),
        format_percent(by_p.probability_cheapest),
        t.run.draws
    );
    let _ = writeln!(
        h,
        "<li><strong>{}</strong> has the lowest expected annual cost: {cur} {} per vehicle \
         (95% interval {}&ndash;{}; over the draws, 90% of worlds between {} and {}).</li>",
        escape(&by_mean.strategy),
        money(by_mean.expected_annual_cost_per_vehicle),
        money(by_mean.expected_annual_cost_per_vehicle_ci95_low),
        money(by_mean.expected_annual_cost_per_vehicle_ci95_high),
        money(by_mean.annual_cost_p05),
        money(by_mean.annual_cost_p95),
    );
    // What the decision turns on: the parameter whose perfect knowledge is worth most.
    let mut evppi: Vec<(String, f64)> = Vec::new();
    for r in &t.sensitivity {
        if !evppi.iter().any(|(p, _)| p == &r.parameter) {
            evppi.push((r.parameter.clone(), r.evppi_per_vehicle_year));
        }
    }
    evppi.sort_by(|a, b| b.1.total_cmp(&a.1));
    match evppi.first() {
        Some((p, v)) if *v > 0.005 => {
            let _ = writeln!(
                h,
                "<li>The decision turns mostly on <code>{}</code>: knowing it exactly before \
                 choosing would be worth {cur} {} per vehicle-year (EVPPI).</li>",
                escape(p),
                money(*v)
            );
        }
        _ => {
            h.push_str(
                "<li>No single parameter turns the decision: knowing any one of them exactly \
                 would not change the best strategy in the draws.</li>\n",
            );
        }
    }
    let _ = writeln!(
        h,
        "<li>Knowing every parameter exactly would save {cur} {} per vehicle-year on average \
         (EVPI). Incident noise makes each world&rsquo;s cheapest look cheaper than it is, so \
         EVPI is biased upward: by about {cur} {} here.</li>",
        money(t.run.evpi_per_vehicle_year.unwrap_or(f64::NAN)),
        money(t.run.evpi_noise_bias_per_vehicle_year.unwrap_or(f64::NAN))
    );
    h.push_str("</ul>\n");
    h
}

fn decision_table(t: &UncertaintyTables) -> String {
    let cur = escape(&t.run.currency);
    let mut h = format!(
        "<table>\n<tr><th>strategy</th><th>expected annual cost ({cur})</th><th>5%&ndash;95% \
         of worlds</th><th>probability cheapest</th><th>expected opportunity loss ({cur})</th>\
         <th>sd from parameters / incidents</th></tr>\n"
    );
    for r in &t.decision {
        let _ = writeln!(
            h,
            "<tr{}><td>{}</td><td class=\"num\">{}<span class=\"ci\">{}&ndash;{}</span></td>\
             <td class=\"num\">{}&ndash;{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} / {}</td></tr>",
            if r.baseline {
                " class=\"baseline\""
            } else {
                ""
            },
            escape(&r.strategy),
            money(r.expected_annual_cost_per_vehicle),
            money(r.expected_annual_cost_per_vehicle_ci95_low),
            money(r.expected_annual_cost_per_vehicle_ci95_high),
            money(r.annual_cost_p05),
            money(r.annual_cost_p95),
            format_percent(r.probability_cheapest),
            money(r.expected_opportunity_loss),
            money(r.annual_cost_outer_variance.sqrt()),
            money(r.annual_cost_inner_variance.sqrt()),
        );
    }
    h.push_str("</table>\n");
    h
}

fn parameters_table(t: &UncertaintyTables) -> String {
    let cur = escape(&t.run.currency);
    let mut h = format!(
        "<table>\n<tr><th>parameter</th><th>p10 / median / p90</th><th>EVPPI ({cur} per \
         vehicle-year)</th><th>source</th></tr>\n"
    );
    for p in &t.run.parameters {
        let evppi = t
            .sensitivity
            .iter()
            .find(|r| r.parameter == p.path)
            .map_or(0.0, |r| r.evppi_per_vehicle_year);
        let unit = if p.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", escape(&p.unit))
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{} / {} / {}{unit}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&p.path),
            format_fixed(p.p10, decimals_for(p.p10)),
            format_fixed(p.p50, decimals_for(p.p50)),
            format_fixed(p.p90, decimals_for(p.p90)),
            money(evppi),
            escape(&p.source)
        );
    }
    h.push_str("</table>\n");
    h
}

fn caption(name: &str) -> &'static str {
    match name {
        "probability_cheapest" => {
            "Acceptability curves: the share of plausible worlds in which each strategy is the \
             cheapest, against the value of time and against the incident rate (each draw \
             rescaled, not simulated again)."
        }
        "tornado" => {
            "One-way sensitivity: the annual cost difference of the strategy the decision is \
             about from the baseline, with each parameter at its 10th and 90th percentile and the \
             others at their medians, on the same incidents."
        }
        _ => {
            "Convergence: each strategy's mean annual cost over the first k draws, with the final \
             95% interval."
        }
    }
}

/// The page as a complete HTML document.
pub fn uncertainty_html(t: &UncertaintyTables) -> String {
    let name = escape(&t.run.scenario.name);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lockout uncertainty: {name}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <main>\n<h1>Which strategy pays, and how sure are we: {name}</h1>\n"
    );
    if !t.run.scenario.description.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"lead\">{}</p>",
            escape(&t.run.scenario.description)
        );
    }
    let _ = writeln!(
        h,
        "<dl class=\"settings\"><dt>draws</dt><dd>{} parameter sets, {} incidents each under \
         every strategy (incidents of their own per draw)</dd><dt>seed</dt><dd>{}</dd>\
         <dt>lockout version</dt><dd>{}</dd><dt>money</dt><dd>{} at {} prices, per vehicle and \
         year</dd><dt>baseline</dt><dd>{}</dd></dl>",
        format_fixed(t.run.draws as f64, 0),
        format_fixed(t.run.incidents_per_draw as f64, 0),
        t.run.seed,
        escape(&t.run.lockout_version),
        escape(&t.run.currency),
        t.run.price_year,
        escape(&t.run.baseline)
    );
    h.push_str("<h2>Reading the results</h2>\n");
    h.push_str(&reading(t));
    h.push_str("<h2>Decision table</h2>\n");
    h.push_str(&decision_table(t));
    h.push_str("<h2>Uncertain parameters</h2>\n");
    h.push_str(&parameters_table(t));
    h.push_str("<h2>Figures</h2>\n");
    let (w, h_px) = FIGURE_SIZE_PX;
    for (i, fig) in UNCERTAINTY_FIGURE_NAMES.iter().enumerate() {
        let _ = writeln!(
            h,
            "<figure id=\"{fig}\">\n<a href=\"{fig}.svg\"><img src=\"{fig}.png\" width=\"{w}\" \
             height=\"{h_px}\" alt=\"Figure {n}: {fig}\"></a>\n<figcaption><strong>Figure {n}.\
             </strong> {} <a href=\"{fig}.svg\">SVG</a> · <a href=\"{fig}.png\">PNG</a>\
             </figcaption>\n</figure>",
            caption(fig),
            n = i + 1
        );
    }
    let _ = write!(
        h,
        "<footer>Generated by lockout {} from decision.csv, sensitivity.csv, draws.csv and \
         run.json in this directory. Redraw with <code>lockout plot DIR</code>.</footer>\n\
         </main>\n</body>\n</html>\n",
        escape(&t.run.lockout_version)
    );
    h
}
