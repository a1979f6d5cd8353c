//! The headline tables printed after a run: estimates with their 95% intervals and
//! differences from the baseline, aligned by display width.

use super::*;
use crate::report::schema::SummaryRow;

pub(super) fn print_headline(
    sc: &Scenario,
    tally: &crate::tally::RunTally,
    seed: u64,
    incidents: u64,
    secs: f64,
    dir: &Path,
) {
    if quiet() {
        return;
    }
    let rows = tables::summarise(sc, tally, None);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}: {} incidents x {} strategies, seed {}, {:.2} s ({:.3e} evaluations/s)",
        sc.name,
        incidents,
        sc.strategies.len(),
        seed,
        secs,
        (incidents * sc.strategies.len() as u64) as f64 / secs
    );
    let _ = write!(out, "{}", headline_table(&rows));
    let _ = writeln!(
        out,
        "n = {} incidents per strategy; {} confidence intervals{}; money in {} at {} prices; all columns in {}",
        thousands(incidents),
        ci_label(),
        if tally.paired {
            ", differences paired incident by incident"
        } else {
            ""
        },
        sc.currency,
        sc.price_year,
        dir.join("summary.csv").display()
    );
}

/// "95%": the confidence level of every interval lockout reports.
fn ci_label() -> String {
    format!("{}%", crate::stats::CI_LEVEL * 100.0)
}

/// The headline table of an incident-level run, from the `summary.csv` rows: mean time to
/// access, mean total cost and its difference from the baseline, each with its interval, and
/// the expected annual cost per vehicle (money in the scenario's currency).
pub fn headline_table(rows: &[SummaryRow]) -> String {
    let ci = format!("{} CI", ci_label());
    let header = [
        "strategy".to_string(),
        "time (min)".into(),
        ci.clone(),
        "total cost".into(),
        ci.clone(),
        "vs baseline".into(),
        ci,
        "annual/vehicle".into(),
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let (diff, diff_ci) = if r.baseline {
                ("baseline".to_string(), String::new())
            } else {
                (
                    maybe(r.total_cost_diff_vs_baseline_mean, 2),
                    interval(
                        r.total_cost_diff_vs_baseline_ci95_low.unwrap_or(f64::NAN),
                        r.total_cost_diff_vs_baseline_ci95_high.unwrap_or(f64::NAN),
                        2,
                    ),
                )
            };
            vec![
                r.strategy.clone(),
                number(r.time_to_access_mean_min, 1),
                interval(
                    r.time_to_access_ci95_low_min,
                    r.time_to_access_ci95_high_min,
                    1,
                ),
                number(r.total_cost_mean, 2),
                interval(r.total_cost_ci95_low, r.total_cost_ci95_high, 2),
                diff,
                diff_ci,
                number(r.annual_cost_per_vehicle, 2),
            ]
        })
        .collect();
    text_table(&header, &body)
}

/// Prints the headline table of a region run (unless `--quiet`): per strategy the average
/// annual loss per vehicle-year (ground-up, and insured when the region has policy terms) and
/// for the whole region, each with its interval, and the mean time to access. The numbers are
/// those of `insurer_cost.csv` and `summary.csv`.
pub(super) fn print_region_headline(
    sc: &Scenario,
    region: &crate::model::region::Region,
    run: &crate::losses::RegionRun,
    dir: &Path,
) {
    if quiet() {
        return;
    }
    let rows = tables::summarise(
        sc,
        &run.tally,
        Some(&tables::PeriodTotals::of(run, sc.value_of_time_per_hour)),
    );
    let series = run.loss_series(sc, region);
    let _ = write!(
        std::io::stdout().lock(),
        "{}",
        region_headline_table(region, &series, &rows)
    );
    say!(
        "n = {} periods of {} vehicles; {} confidence intervals; AAL: average annual loss; money in {} at {} prices; all columns in {} and summary.csv",
        thousands(run.periods),
        thousands(region.vehicles),
        ci_label(),
        sc.currency,
        sc.price_year,
        dir.join("insurer_cost.csv").display()
    );
}

/// The headline table of a region run from its loss series and `summary.csv` rows (money in
/// the scenario's currency).
pub fn region_headline_table(
    region: &crate::model::region::Region,
    series: &[crate::losses::LossSeries],
    rows: &[SummaryRow],
) -> String {
    use crate::losses::{Perspective, insurer_cost};
    let ci = format!("{} CI", ci_label());
    let mut header = vec![
        "strategy".to_string(),
        "AAL/vehicle-year".into(),
        ci.clone(),
    ];
    if region.insured {
        header.extend(["insured AAL/vehicle-year".into(), ci.clone()]);
    }
    header.extend(["region AAL".into(), "time (min)".into(), ci.clone()]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let cost = |p: Perspective| {
                series
                    .iter()
                    .find(|s| s.strategy == r.strategy && s.perspective == p)
                    .map(insurer_cost)
            };
            let mut line = vec![r.strategy.clone()];
            let mut perspectives = vec![Perspective::GroundUp];
            if region.insured {
                perspectives.push(Perspective::Insured);
            }
            for p in perspectives {
                match cost(p) {
                    Some(ic) => {
                        // The pure premium is total loss / exposure = AAL / (exposure per
                        // period); its interval is the AAL's, scaled the same way.
                        let per_vehicle_year = ic.n_periods as f64 / ic.exposure_vehicle_years;
                        line.extend([
                            number(ic.pure_premium_per_vehicle_year, 2),
                            interval(
                                ic.aal_ci95_low * per_vehicle_year,
                                ic.aal_ci95_high * per_vehicle_year,
                                2,
                            ),
                        ]);
                    }
                    None => line.extend([String::new(), String::new()]),
                }
            }
            line.push(cost(Perspective::GroundUp).map_or(String::new(), |ic| number(ic.aal, 0)));
            line.extend([
                number(r.time_to_access_mean_min, 1),
                interval(
                    r.time_to_access_ci95_low_min,
                    r.time_to_access_ci95_high_min,
                    1,
                ),
            ]);
            line
        })
        .collect();
    text_table(&header, &body)
}

/// `x` with `decimals` decimals and thousands separators (`-1,234.50`); `n/a` when not finite.
fn number(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        crate::report::format::format_fixed(x, decimals)
    } else {
        "n/a".into()
    }
}

/// [`number`] of an optional column (`n/a` when empty).
fn maybe(x: Option<f64>, decimals: usize) -> String {
    number(x.unwrap_or(f64::NAN), decimals)
}

/// `[low, high]`.
fn interval(low: f64, high: f64, decimals: usize) -> String {
    format!("[{}, {}]", number(low, decimals), number(high, decimals))
}

/// Rows of cells as a text table: the first column left-aligned, the others right-aligned,
/// padded by display width (so names with accents, CJK or emoji keep the columns straight).
pub fn text_table(header: &[String], body: &[Vec<String>]) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in body {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(body.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w - cell.width());
            if i == 0 {
                line += &format!("{cell}{pad}");
            } else {
                line += &format!("  {pad}{cell}");
            }
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}
