//! The CSV tables of an incident-level run: summary, remedies, segments, distributions,
//! prevention.
//!
//! Every table is tidy (one observation per row, one header row), money columns come with
//! `currency` and `price_year` columns, physical units are in the column names, and floats are
//! written in their shortest round-trip form (so a table is a pure function of the tally). The
//! columns are those of the row types in [`super::schema`].

use std::io::Write;
use std::path::Path;

use super::schema::{
    CheaperWhen, QuantileRow, RemedyRow, SegmentRow, SummaryRow, finite, write_rows,
};
use crate::model::{Place, Scenario};
use crate::stats::{CI_LEVEL, Moments};
use crate::tally::RunTally;

/// Quantiles written to `distributions.csv`: 0.001 to 0.999 in steps of 0.001.
pub fn distribution_grid() -> Vec<f64> {
    (1..1000).map(|k| k as f64 / 1000.0).collect()
}

fn mean_ci(m: &Moments) -> [f64; 3] {
    let (lo, hi) = m.ci(CI_LEVEL);
    [m.mean(), lo, hi]
}

/// The difference vs the baseline: paired (mean and interval of the per-incident differences)
/// when every incident ran under every strategy; otherwise (a region run, where strategies see
/// their own arrivals) the difference of the means with the interval of independent samples,
/// which is conservative under common random numbers.
fn diff(tally: &RunTally, paired: &Moments, strategy: &Moments, base: &Moments) -> [f64; 3] {
    if tally.paired {
        return mean_ci(paired);
    }
    let d = strategy.mean() - base.mean();
    let half = crate::stats::z_value(CI_LEVEL)
        * (strategy.std_error().powi(2) + base.std_error().powi(2)).sqrt();
    [d, d - half, d + half]
}

/// Computes every strategy's row of `summary.csv`.
pub fn summarise(scenario: &Scenario, tally: &RunTally) -> Vec<SummaryRow> {
    let vot_min = scenario.value_of_time_per_hour / 60.0;
    let base = tally.strategy(tally.baseline);
    let base_strategy = &scenario.strategies[tally.baseline];
    scenario
        .strategies
        .iter()
        .zip(tally.iter())
        .enumerate()
        .map(|(i, (st, t))| {
            let n = t.time.count();
            let tq = t.time_sketch.quantiles(&[0.5, 0.9, 0.99]);
            let cq = t.cost_sketch.quantiles(&[0.5, 0.9, 0.99]);
            let (tlo, thi) = t.time.ci(CI_LEVEL);
            let (clo, chi) = t.cost.ci(CI_LEVEL);
            let total = mean_ci(&t.total_cost);
            let charged = st.prevention_cost_per_adopter();
            let base_charged = base_strategy.prevention_cost_per_adopter();
            // A strategy that applies to a share of the vehicles: the per-year columns are the
            // whole population's, adopters' lockouts weighted by their rate (see
            // `super::prevention`); its per-incident columns are over the baseline's lockouts.
            let partial = tally.prevention.get(i).and_then(Option::as_ref).map(|_| {
                let f = super::prevention::Figures::of(scenario, tally, i);
                (super::prevention::per_year(scenario, st, &f), f)
            });
            let (rate, prevention, incident_cost, annual) = match &partial {
                Some((y, _)) => (y.incident_rate, y.prevention, y.incident_cost, y.annual),
                None => {
                    let rate =
                        scenario.incident_rate_per_vehicle_year * st.incident_rate_multiplier;
                    let incident_cost = rate * total[0];
                    let annual = [
                        incident_cost + charged,
                        rate * total[1] + charged,
                        rate * total[2] + charged,
                    ];
                    (rate, charged, incident_cost, annual)
                }
            };
            let (break_even, cheaper_when) = if i == tally.baseline {
                (f64::NAN, None)
            } else {
                let (extra, saving) = match &partial {
                    Some((y, f)) => (
                        y.prevention - base_charged,
                        base_strategy.incident_rate_multiplier * base.total_cost.mean() - f.y.0,
                    ),
                    None => (
                        charged - base_charged,
                        base.total_cost.mean() - st.incident_rate_multiplier * t.total_cost.mean(),
                    ),
                };
                let (rate, when) = break_even_rate(extra, saving);
                (rate, Some(when))
            };
            // The baseline against itself differs by exactly nothing, paired or not.
            let diff = |paired: &Moments, strategy: &Moments, base: &Moments| {
                if i == tally.baseline {
                    [0.0; 3]
                } else {
                    diff(tally, paired, strategy, base)
                }
            };
            let time_diff = diff(&t.time_diff, &t.time, &base.time);
            let cost_diff = diff(&t.cost_diff, &t.cost, &base.cost);
            let total_cost_diff = diff(&t.total_cost_diff, &t.total_cost, &base.total_cost);
            SummaryRow {
                strategy: st.name.clone(),
                baseline: i == tally.baseline,
                incidents: n,
                time_to_access_mean_min: t.time.mean(),
                time_to_access_sd_min: finite(t.time.sd()),
                time_to_access_ci95_low_min: tlo,
                time_to_access_ci95_high_min: thi,
                time_to_access_p50_min: tq[0],
                time_to_access_p90_min: tq[1],
                time_to_access_p99_min: tq[2],
                time_diff_vs_baseline_mean_min: finite(time_diff[0]),
                time_diff_vs_baseline_ci95_low_min: finite(time_diff[1]),
                time_diff_vs_baseline_ci95_high_min: finite(time_diff[2]),
                cost_mean: t.cost.mean(),
                cost_sd: finite(t.cost.sd()),
                cost_ci95_low: clo,
                cost_ci95_high: chi,
                cost_p50: cq[0],
                cost_p90: cq[1],
                cost_p99: cq[2],
                cost_direct_mean: t.cost_direct.mean(),
                cost_damage_mean: t.cost_damage.mean(),
                time_cost_mean: vot_min * t.time.mean(),
                total_cost_mean: total[0],
                total_cost_ci95_low: total[1],
                total_cost_ci95_high: total[2],
                cost_diff_vs_baseline_mean: finite(cost_diff[0]),
                cost_diff_vs_baseline_ci95_low: finite(cost_diff[1]),
                cost_diff_vs_baseline_ci95_high: finite(cost_diff[2]),
                total_cost_diff_vs_baseline_mean: finite(total_cost_diff[0]),
                total_cost_diff_vs_baseline_ci95_low: finite(total_cost_diff[1]),
                total_cost_diff_vs_baseline_ci95_high: finite(total_cost_diff[2]),
                damage_rate: ratio(t.damaged, n),
                unresolved_rate: ratio(t.unresolved, n),
                incident_rate_per_vehicle_year: rate,
                prevention_cost_per_year: prevention,
                incident_cost_per_vehicle_year: incident_cost,
                annual_cost_per_vehicle: annual[0],
                annual_cost_per_vehicle_ci95_low: annual[1],
                annual_cost_per_vehicle_ci95_high: annual[2],
                break_even_incident_rate: finite(break_even),
                cheaper_than_baseline_when: cheaper_when,
                value_of_time_per_hour: scenario.value_of_time_per_hour,
                currency: scenario.currency.clone(),
                price_year: scenario.price_year,
            }
        })
        .collect()
}

/// The baseline incident rate at which a strategy's annual cost equals the baseline's.
///
/// With baseline rate r, the strategy costs `r·m·E[total_s] + annual_s` and the baseline
/// `r·E[total_b] + annual_b` per vehicle-year, so they are equal at
/// `r* = (annual_s − annual_b) / (E[total_b] − m·E[total_s])`. A strategy that costs more per
/// year but saves per incident is cheaper above r*; one that saves per year but costs more per
/// incident (dropping a membership) is cheaper below r*. Returns the rate (0 for "always", NaN
/// for "never") and which case holds.
pub fn break_even_rate(
    extra_annual_cost: f64,
    saving_per_baseline_incident: f64,
) -> (f64, CheaperWhen) {
    let (extra, saving) = (extra_annual_cost, saving_per_baseline_incident);
    if saving > 0.0 {
        if extra <= 0.0 {
            (0.0, CheaperWhen::Always)
        } else {
            (extra / saving, CheaperWhen::RateAbove)
        }
    } else if saving < 0.0 {
        if extra < 0.0 {
            (extra / saving, CheaperWhen::RateBelow)
        } else {
            (f64::NAN, CheaperWhen::Never)
        }
    } else if extra < 0.0 {
        (0.0, CheaperWhen::Always)
    } else {
        (f64::NAN, CheaperWhen::Never)
    }
}

fn ratio(k: u64, n: u64) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        k as f64 / n as f64
    }
}

/// Writes `summary.csv`.
pub fn write_summary<W: Write>(out: W, rows: &[SummaryRow]) -> csv::Result<()> {
    write_rows(out, rows.iter().cloned())
}

/// Writes `remedies.csv`: one row per (strategy, remedy), then the fallback: one row named
/// `fallback`, or with several fallbacks one row each, named `fallback: NAME`.
pub fn write_remedies<W: Write>(out: W, scenario: &Scenario, tally: &RunTally) -> csv::Result<()> {
    let fallback_names: Vec<String> = match scenario.names.fallbacks.as_slice() {
        [_] => vec!["fallback".to_string()],
        several => several.iter().map(|f| format!("fallback: {f}")).collect(),
    };
    let fallback_names = &fallback_names;
    let labels: Vec<&str> = scenario
        .names
        .remedy_labels
        .iter()
        .chain(&scenario.names.fallbacks)
        .map(String::as_str)
        .collect();
    let labels = &labels;
    let rows = scenario
        .strategies
        .iter()
        .zip(tally.iter())
        .flat_map(|(st, t)| {
            let n = t.time.count();
            let fallbacks = if t.by_fallback.is_empty() {
                std::slice::from_ref(&t.fallback)
            } else {
                t.by_fallback.as_slice()
            };
            let remedies = scenario
                .names
                .remedies
                .iter()
                .zip(&t.remedies)
                .chain(fallback_names.iter().zip(fallbacks));
            remedies
                .zip(labels)
                .map(move |((name, r), label)| RemedyRow {
                    strategy: st.name.clone(),
                    remedy: name.clone(),
                    label: label.to_string(),
                    attempts: r.attempts,
                    successes: r.successes,
                    resolved: r.resolved,
                    resolved_share: ratio(r.resolved, n),
                    damage_events: r.damage_events,
                    damage_share: ratio(r.damage_events, n),
                    resolved_time_mean_min: finite(r.resolved_time.mean()),
                    resolved_cost_mean: finite(r.resolved_cost.mean()),
                    currency: scenario.currency.clone(),
                    price_year: scenario.price_year,
                })
        });
    write_rows(out, rows)
}

/// Writes `segments.csv`: statistics by vehicle segment, driver profile and place.
pub fn write_segments<W: Write>(out: W, scenario: &Scenario, tally: &RunTally) -> csv::Result<()> {
    let names = &scenario.names;
    let vot_min = scenario.value_of_time_per_hour / 60.0;
    let mut rows = Vec::new();
    for (st, t) in scenario.strategies.iter().zip(tally.iter()) {
        let [segments, drivers, places] = t.marginals(tally.shape);
        let groups = names
            .segments
            .iter()
            .map(String::as_str)
            .zip(&segments)
            .map(|(v, g)| ("vehicle_segment", v, g))
            .chain(
                names
                    .drivers
                    .iter()
                    .map(String::as_str)
                    .zip(&drivers)
                    .map(|(v, g)| ("driver_profile", v, g)),
            )
            .chain(
                Place::ALL
                    .iter()
                    .map(|p| p.name())
                    .zip(&places)
                    .map(|(v, g)| ("place", v, g))
                    .filter(|(_, _, g)| g.time.count() > 0),
            );
        let n = t.time.count();
        for (dimension, value, g) in groups {
            let k = g.time.count();
            let (tlo, thi) = g.time.ci(CI_LEVEL);
            let (clo, chi) = g.cost.ci(CI_LEVEL);
            rows.push(SegmentRow {
                strategy: st.name.clone(),
                dimension: dimension.to_string(),
                value: value.to_string(),
                incidents: k,
                incident_share: ratio(k, n),
                time_to_access_mean_min: finite(g.time.mean()),
                time_to_access_ci95_low_min: finite(tlo),
                time_to_access_ci95_high_min: finite(thi),
                cost_mean: finite(g.cost.mean()),
                cost_ci95_low: finite(clo),
                cost_ci95_high: finite(chi),
                total_cost_mean: finite(g.cost.mean() + vot_min * g.time.mean()),
                damage_rate: finite(ratio(g.damaged, k)),
                unresolved_rate: finite(ratio(g.unresolved, k)),
                currency: scenario.currency.clone(),
                price_year: scenario.price_year,
            });
        }
    }
    write_rows(out, rows)
}

/// Writes `distributions.csv`: time to access and cost on the quantile grid, per strategy.
pub fn write_distributions<W: Write>(
    out: W,
    scenario: &Scenario,
    tally: &RunTally,
) -> csv::Result<()> {
    let grid = distribution_grid();
    let rows = scenario
        .strategies
        .iter()
        .zip(tally.iter())
        .flat_map(|(st, t)| {
            let times = t.time_sketch.quantiles(&grid);
            let costs = t.cost_sketch.quantiles(&grid);
            grid.iter()
                .zip(times)
                .zip(costs)
                .map(|((q, tq), cq)| QuantileRow {
                    strategy: st.name.clone(),
                    quantile: *q,
                    time_to_access_min: tq,
                    cost: cq,
                    currency: scenario.currency.clone(),
                    price_year: scenario.price_year,
                })
                .collect::<Vec<_>>()
        });
    write_rows(out, rows)
}

/// Writes the five tables into `dir`.
pub fn write_all(dir: &Path, scenario: &Scenario, tally: &RunTally) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let path = |name: &str| dir.join(name);
    let file = |name: &str| super::output::create(&path(name));
    let failed = |name: &str| format!("cannot write {}", path(name).display());
    let rows = summarise(scenario, tally);
    write_summary(file("summary.csv")?, &rows).with_context(|| failed("summary.csv"))?;
    write_remedies(file("remedies.csv")?, scenario, tally)
        .with_context(|| failed("remedies.csv"))?;
    write_segments(file("segments.csv")?, scenario, tally)
        .with_context(|| failed("segments.csv"))?;
    write_distributions(file("distributions.csv")?, scenario, tally)
        .with_context(|| failed("distributions.csv"))?;
    write_rows(
        file("prevention.csv")?,
        super::prevention::rows(scenario, tally, &rows),
    )
    .with_context(|| failed("prevention.csv"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_even_cases() {
        // 10 a year extra, 50 saved per incident: pays off above 0.2 incidents a year.
        assert_eq!(break_even_rate(10.0, 50.0), (0.2, CheaperWhen::RateAbove));
        // Cheaper and saving: pays off at any rate.
        assert_eq!(break_even_rate(-5.0, 50.0), (0.0, CheaperWhen::Always));
        // Costs more and saves nothing: never.
        let (r, w) = break_even_rate(10.0, -3.0);
        assert!(r.is_nan() && w == CheaperWhen::Never);
        // Dropping a 79-a-year membership that saves 18.5 per incident: cheaper below 4.27.
        let (r, w) = break_even_rate(-79.0, -18.5);
        assert!((r - 79.0 / 18.5).abs() < 1e-12 && w == CheaperWhen::RateBelow);
    }
}
