//! The CSV tables of an incident-level run: summary, remedies, segments, distributions.
//!
//! Every table is tidy (one observation per row, one header row), money columns come with
//! `currency` and `price_year` columns, physical units are in the column names, and floats are
//! written in their shortest round-trip form (so a table is a pure function of the tally).

use std::io::Write;
use std::path::Path;

use crate::model::{Place, Scenario};
use crate::stats::{CI_LEVEL, Moments};
use crate::tally::RunTally;

/// Quantiles written to `distributions.csv`: 0.001 to 0.999 in steps of 0.001.
pub fn distribution_grid() -> Vec<f64> {
    (1..1000).map(|k| k as f64 / 1000.0).collect()
}

/// Formats a float for a table: shortest round-trip form, empty when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// The headline statistics of one strategy, as in `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySummary {
    /// Strategy name.
    pub strategy: String,
    /// Whether it is the baseline.
    pub baseline: bool,
    /// Incidents simulated.
    pub incidents: u64,
    /// Time to access: mean, sd, CI low, CI high, p50, p90, p99 (minutes).
    pub time: [f64; 7],
    /// Paired time difference vs baseline: mean, CI low, CI high (minutes).
    pub time_diff: [f64; 3],
    /// Cost: mean, sd, CI low, CI high, p50, p90, p99.
    pub cost: [f64; 7],
    /// Mean direct cost.
    pub cost_direct_mean: f64,
    /// Mean damage cost.
    pub cost_damage_mean: f64,
    /// Mean time cost.
    pub time_cost_mean: f64,
    /// Total cost: mean, CI low, CI high.
    pub total_cost: [f64; 3],
    /// Paired cost difference: mean, CI low, CI high.
    pub cost_diff: [f64; 3],
    /// Paired total cost difference: mean, CI low, CI high.
    pub total_cost_diff: [f64; 3],
    /// Share of incidents with damage.
    pub damage_rate: f64,
    /// Share of incidents ended by the fallback.
    pub unresolved_rate: f64,
    /// Incidents per vehicle-year under this strategy.
    pub incident_rate_per_vehicle_year: f64,
    /// Prevention cost per year.
    pub prevention_cost_per_year: f64,
    /// Incident rate × mean total cost.
    pub incident_cost_per_vehicle_year: f64,
    /// Expected annual cost per vehicle: mean, CI low, CI high.
    pub annual_cost_per_vehicle: [f64; 3],
    /// Break-even incident rate (NaN when there is none).
    pub break_even_incident_rate: f64,
    /// When the strategy is cheaper per vehicle-year than the baseline (None for the baseline).
    pub cheaper_when: Option<CheaperWhen>,
}

/// When a strategy's expected annual cost per vehicle is below the baseline's, as a function of
/// the baseline incident rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheaperWhen {
    /// At any incident rate.
    Always,
    /// At no incident rate.
    Never,
    /// Above the break-even rate (it costs more per year but saves per incident).
    RateAbove,
    /// Below the break-even rate (it saves per year but costs more per incident).
    RateBelow,
}

impl CheaperWhen {
    /// The word written in `summary.csv`.
    pub fn name(self) -> &'static str {
        match self {
            CheaperWhen::Always => "always",
            CheaperWhen::Never => "never",
            CheaperWhen::RateAbove => "rate_above_break_even",
            CheaperWhen::RateBelow => "rate_below_break_even",
        }
    }
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

/// Computes every strategy's summary row.
pub fn summarise(scenario: &Scenario, tally: &RunTally) -> Vec<StrategySummary> {
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
            let rate = scenario.incident_rate_per_vehicle_year * st.incident_rate_multiplier;
            let incident_cost = rate * total[0];
            let annual = [
                incident_cost + st.annual_cost,
                rate * total[1] + st.annual_cost,
                rate * total[2] + st.annual_cost,
            ];
            let (break_even, cheaper_when) = if i == tally.baseline {
                (f64::NAN, None)
            } else {
                let (rate, when) = break_even_rate(
                    st.annual_cost - base_strategy.annual_cost,
                    base.total_cost.mean() - st.incident_rate_multiplier * t.total_cost.mean(),
                );
                (rate, Some(when))
            };
            StrategySummary {
                strategy: st.name.clone(),
                baseline: i == tally.baseline,
                incidents: n,
                time: [t.time.mean(), t.time.sd(), tlo, thi, tq[0], tq[1], tq[2]],
                time_diff: diff(tally, &t.time_diff, &t.time, &base.time),
                cost: [t.cost.mean(), t.cost.sd(), clo, chi, cq[0], cq[1], cq[2]],
                cost_direct_mean: t.cost_direct.mean(),
                cost_damage_mean: t.cost_damage.mean(),
                time_cost_mean: vot_min * t.time.mean(),
                total_cost: total,
                cost_diff: diff(tally, &t.cost_diff, &t.cost, &base.cost),
                total_cost_diff: diff(tally, &t.total_cost_diff, &t.total_cost, &base.total_cost),
                damage_rate: ratio(t.damaged, n),
                unresolved_rate: ratio(t.unresolved, n),
                incident_rate_per_vehicle_year: rate,
                prevention_cost_per_year: st.annual_cost,
                incident_cost_per_vehicle_year: incident_cost,
                annual_cost_per_vehicle: annual,
                break_even_incident_rate: break_even,
                cheaper_when,
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

const SUMMARY_HEADER: [&str; 45] = [
    "strategy",
    "baseline",
    "incidents",
    "time_to_access_mean_min",
    "time_to_access_sd_min",
    "time_to_access_ci95_low_min",
    "time_to_access_ci95_high_min",
    "time_to_access_p50_min",
    "time_to_access_p90_min",
    "time_to_access_p99_min",
    "time_diff_vs_baseline_mean_min",
    "time_diff_vs_baseline_ci95_low_min",
    "time_diff_vs_baseline_ci95_high_min",
    "cost_mean",
    "cost_sd",
    "cost_ci95_low",
    "cost_ci95_high",
    "cost_p50",
    "cost_p90",
    "cost_p99",
    "cost_direct_mean",
    "cost_damage_mean",
    "time_cost_mean",
    "total_cost_mean",
    "total_cost_ci95_low",
    "total_cost_ci95_high",
    "cost_diff_vs_baseline_mean",
    "cost_diff_vs_baseline_ci95_low",
    "cost_diff_vs_baseline_ci95_high",
    "total_cost_diff_vs_baseline_mean",
    "total_cost_diff_vs_baseline_ci95_low",
    "total_cost_diff_vs_baseline_ci95_high",
    "damage_rate",
    "unresolved_rate",
    "incident_rate_per_vehicle_year",
    "prevention_cost_per_year",
    "incident_cost_per_vehicle_year",
    "annual_cost_per_vehicle",
    "annual_cost_per_vehicle_ci95_low",
    "annual_cost_per_vehicle_ci95_high",
    "break_even_incident_rate",
    "cheaper_than_baseline_when",
    "value_of_time_per_hour",
    "currency",
    "price_year",
];

/// Writes `summary.csv`.
pub fn write_summary<W: Write>(
    out: W,
    scenario: &Scenario,
    rows: &[StrategySummary],
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(SUMMARY_HEADER)?;
    for r in rows {
        let mut rec: Vec<String> = vec![
            r.strategy.clone(),
            r.baseline.to_string(),
            r.incidents.to_string(),
        ];
        rec.extend(r.time.iter().map(|x| num(*x)));
        rec.extend(r.time_diff.iter().map(|x| num(*x)));
        rec.extend(r.cost.iter().map(|x| num(*x)));
        rec.extend(
            [r.cost_direct_mean, r.cost_damage_mean, r.time_cost_mean]
                .iter()
                .map(|x| num(*x)),
        );
        rec.extend(r.total_cost.iter().map(|x| num(*x)));
        rec.extend(r.cost_diff.iter().map(|x| num(*x)));
        rec.extend(r.total_cost_diff.iter().map(|x| num(*x)));
        rec.extend(
            [
                r.damage_rate,
                r.unresolved_rate,
                r.incident_rate_per_vehicle_year,
                r.prevention_cost_per_year,
                r.incident_cost_per_vehicle_year,
            ]
            .iter()
            .map(|x| num(*x)),
        );
        rec.extend(r.annual_cost_per_vehicle.iter().map(|x| num(*x)));
        rec.push(num(r.break_even_incident_rate));
        rec.push(r.cheaper_when.map_or("", CheaperWhen::name).to_string());
        rec.push(num(scenario.value_of_time_per_hour));
        rec.push(scenario.currency.clone());
        rec.push(scenario.price_year.to_string());
        debug_assert_eq!(rec.len(), SUMMARY_HEADER.len());
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `remedies.csv`: one row per (strategy, remedy), then the fallback.
pub fn write_remedies<W: Write>(out: W, scenario: &Scenario, tally: &RunTally) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "remedy",
        "attempts",
        "successes",
        "resolved",
        "resolved_share",
        "damage_events",
        "damage_share",
        "resolved_time_mean_min",
        "resolved_cost_mean",
        "currency",
        "price_year",
    ])?;
    let fallback = "fallback".to_string();
    for (st, t) in scenario.strategies.iter().zip(tally.iter()) {
        let n = t.time.count();
        let rows = scenario
            .names
            .remedies
            .iter()
            .zip(&t.remedies)
            .chain(std::iter::once((&fallback, &t.fallback)));
        for (name, r) in rows {
            w.write_record([
                st.name.clone(),
                name.clone(),
                r.attempts.to_string(),
                r.successes.to_string(),
                r.resolved.to_string(),
                num(ratio(r.resolved, n)),
                r.damage_events.to_string(),
                num(ratio(r.damage_events, n)),
                num(r.resolved_time.mean()),
                num(r.resolved_cost.mean()),
                scenario.currency.clone(),
                scenario.price_year.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `segments.csv`: statistics by vehicle segment, driver profile and place.
pub fn write_segments<W: Write>(out: W, scenario: &Scenario, tally: &RunTally) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "dimension",
        "value",
        "incidents",
        "incident_share",
        "time_to_access_mean_min",
        "time_to_access_ci95_low_min",
        "time_to_access_ci95_high_min",
        "cost_mean",
        "cost_ci95_low",
        "cost_ci95_high",
        "total_cost_mean",
        "damage_rate",
        "unresolved_rate",
        "currency",
        "price_year",
    ])?;
    let names = &scenario.names;
    let vot_min = scenario.value_of_time_per_hour / 60.0;
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
            w.write_record([
                st.name.clone(),
                dimension.to_string(),
                value.to_string(),
                k.to_string(),
                num(ratio(k, n)),
                num(g.time.mean()),
                num(tlo),
                num(thi),
                num(g.cost.mean()),
                num(clo),
                num(chi),
                num(g.cost.mean() + vot_min * g.time.mean()),
                num(ratio(g.damaged, k)),
                num(ratio(g.unresolved, k)),
                scenario.currency.clone(),
                scenario.price_year.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `distributions.csv`: time to access and cost on the quantile grid, per strategy.
pub fn write_distributions<W: Write>(
    out: W,
    scenario: &Scenario,
    tally: &RunTally,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "quantile",
        "time_to_access_min",
        "cost",
        "currency",
        "price_year",
    ])?;
    let grid = distribution_grid();
    for (st, t) in scenario.strategies.iter().zip(tally.iter()) {
        let times = t.time_sketch.quantiles(&grid);
        let costs = t.cost_sketch.quantiles(&grid);
        for ((q, tq), cq) in grid.iter().zip(times).zip(costs) {
            w.write_record([
                st.name.clone(),
                num(*q),
                num(tq),
                num(cq),
                scenario.currency.clone(),
                scenario.price_year.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes the four tables into `dir`.
pub fn write_all(dir: &Path, scenario: &Scenario, tally: &RunTally) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let path = |name: &str| dir.join(name);
    let file = |name: &str| super::output::create(&path(name));
    let failed = |name: &str| format!("cannot write {}", path(name).display());
    let rows = summarise(scenario, tally);
    write_summary(file("summary.csv")?, scenario, &rows).with_context(|| failed("summary.csv"))?;
    write_remedies(file("remedies.csv")?, scenario, tally)
        .with_context(|| failed("remedies.csv"))?;
    write_segments(file("segments.csv")?, scenario, tally)
        .with_context(|| failed("segments.csv"))?;
    write_distributions(file("distributions.csv")?, scenario, tally)
        .with_context(|| failed("distributions.csv"))?;
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

    #[test]
    fn numbers_are_shortest_round_trip() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(1e-7), "0.0000001");
        assert_eq!(num(f64::NAN), "");
    }
}
