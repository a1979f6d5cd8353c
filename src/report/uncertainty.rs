//! What `lockout uncertainty` concludes from its draws, as pure functions, and its tables.
//!
//! Per draw (and per one-way run) each strategy's annual cost comes from the draw's tally
//! exactly as `summary.csv` would give it ([`draw_figures`]). Over the draws: the expected
//! annual cost with an interval, quantiles, the inner and outer variance, the probability of
//! being the cheapest, the expected opportunity loss and EVPI ([`decide`]); per parameter the
//! one-way differences, a first-order variance share and EVPPI ([`sensitivity`]).

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use crate::model::Scenario;
use crate::model::uncertainty::Uncertainty;
use crate::report::schema::{DecisionRow, DrawRow, SensitivityRow};
use crate::stats::{CI_LEVEL, FixedSum, z_value};
use crate::tally::RunTally;

/// One strategy in one draw (or one-way run).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StrategyDraw {
    /// Annual cost per vehicle.
    pub annual: f64,
    /// Its standard error from the draw's incidents.
    pub annual_se: f64,
    /// Annual cost minus the baseline's.
    pub diff: f64,
    /// Its standard error (paired).
    pub diff_se: f64,
    /// Mean total cost per incident.
    pub total_cost_mean: f64,
    /// Mean time to access, minutes.
    pub time_mean_min: f64,
    /// Prevention cost per vehicle-year.
    pub prevention: f64,
    /// Incident cost per vehicle-year.
    pub incident_cost: f64,
    /// Minutes without keys per vehicle-year.
    pub time_min_per_year: f64,
}

/// Every strategy in one draw, with the draw's rate and value of time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DrawFigures {
    /// Per strategy, in scenario order.
    pub strategies: Vec<StrategyDraw>,
    /// The scenario's incident rate per vehicle-year in the draw.
    pub rate: f64,
    /// The value of time per hour in the draw.
    pub value_of_time_per_hour: f64,
}

/// A draw's figures from its tally (`weighted_time`: per strategy, Σ weight × time to access).
pub fn draw_figures(
    scenario: &Scenario,
    tally: &RunTally,
    weighted_time: &[FixedSum],
) -> DrawFigures {
    let summary = super::tables::summarise(scenario, tally, None);
    let prevention = super::prevention::rows(scenario, tally, &summary);
    let z = z_value(CI_LEVEL);
    let b = scenario.baseline;
    let r = scenario.incident_rate_per_vehicle_year;
    let half = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(l), Some(h)) => (h - l) / (2.0 * z),
        _ => 0.0,
    };
    let strategies = summary
        .iter()
        .zip(&prevention)
        .zip(weighted_time)
        .map(|((row, p), wt)| StrategyDraw {
            annual: row.annual_cost_per_vehicle,
            annual_se: (row.annual_cost_per_vehicle_ci95_high
                - row.annual_cost_per_vehicle_ci95_low)
                / (2.0 * z),
            diff: row.annual_cost_per_vehicle - summary[b].annual_cost_per_vehicle,
            diff_se: half(
                p.saving_per_vehicle_vs_baseline_ci95_low,
                p.saving_per_vehicle_vs_baseline_ci95_high,
            ),
            total_cost_mean: row.total_cost_mean,
            time_mean_min: row.time_to_access_mean_min,
            prevention: row.prevention_cost_per_year,
            incident_cost: row.incident_cost_per_vehicle_year,
            time_min_per_year: r * wt.mean(),
        })
        .collect();
    DrawFigures {
        strategies,
        rate: r,
        value_of_time_per_hour: scenario.value_of_time_per_hour,
    }
}

/// The lower empirical quantile of order `q` (rank ⌈q·n⌉) of `values`.
pub fn lower_quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// For each strategy, its share of draws in which it is the cheapest of `costs[d]` (ties split
/// equally), over draws `costs` (each a strategy-indexed row).
pub fn probability_cheapest(costs: &[Vec<f64>]) -> Vec<f64> {
    let n = costs.first().map_or(0, Vec::len);
    let mut p = vec![0.0; n];
    for row in costs {
        let min = row.iter().copied().fold(f64::INFINITY, f64::min);
        let ties = row.iter().filter(|&&x| x == min).count() as f64;
        for (p, &x) in p.iter_mut().zip(row) {
            if x == min {
                *p += 1.0 / ties;
            }
        }
    }
    p.iter().map(|x| x / costs.len() as f64).collect()
}

/// For each strategy, the mean over draws of its cost minus the draw's cheapest.
pub fn expected_opportunity_loss(costs: &[Vec<f64>]) -> Vec<f64> {
    let n = costs.first().map_or(0, Vec::len);
    let mut loss = vec![0.0; n];
    for row in costs {
        let min = row.iter().copied().fold(f64::INFINITY, f64::min);
        for (l, &x) in loss.iter_mut().zip(row) {
            *l += x - min;
        }
    }
    loss.iter().map(|x| x / costs.len() as f64).collect()
}

/// The decision over the draws.
#[derive(Debug, Clone)]
pub struct Decision {
    /// One row per strategy.
    pub rows: Vec<DecisionRow>,
    /// EVPI per vehicle-year: the smallest expected opportunity loss (= the lowest expected
    /// cost minus the expected lowest cost).
    pub evpi: f64,
    /// An estimate of the upward bias of `evpi` from the incidents' noise.
    pub evpi_noise_bias: f64,
    /// The strategy with the lowest expected annual cost.
    pub cheapest: usize,
}

/// The decision table from every draw's figures (in draw order).
pub fn decide(scenario: &Scenario, draws: &[DrawFigures], incidents_per_draw: u64) -> Decision {
    let costs: Vec<Vec<f64>> = draws
        .iter()
        .map(|d| d.strategies.iter().map(|s| s.annual).collect())
        .collect();
    let nd = draws.len() as f64;
    let p = probability_cheapest(&costs);
    let eol = expected_opportunity_loss(&costs);
    let z = z_value(CI_LEVEL);
    let rows: Vec<DecisionRow> = scenario
        .strategies
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let values: Vec<f64> = costs.iter().map(|row| row[s]).collect();
            let mean = values.iter().sum::<f64>() / nd;
            let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (nd - 1.0);
            let inner = draws
                .iter()
                .map(|d| d.strategies[s].annual_se.powi(2))
                .sum::<f64>()
                / nd;
            let half = z * (var / nd).sqrt();
            DecisionRow {
                strategy: st.name.clone(),
                baseline: s == scenario.baseline,
                draws: draws.len() as u64,
                incidents_per_draw,
                expected_annual_cost_per_vehicle: mean,
                expected_annual_cost_per_vehicle_ci95_low: mean - half,
                expected_annual_cost_per_vehicle_ci95_high: mean + half,
                annual_cost_p05: lower_quantile(&values, 0.05),
                annual_cost_p50: lower_quantile(&values, 0.5),
                annual_cost_p95: lower_quantile(&values, 0.95),
                annual_cost_outer_variance: (var - inner).max(0.0),
                annual_cost_inner_variance: inner,
                probability_cheapest: p[s],
                expected_opportunity_loss: eol[s],
                currency: scenario.currency.clone(),
                price_year: scenario.price_year,
            }
        })
        .collect();
    let cheapest = (0..rows.len())
        .min_by(|&a, &b| {
            rows[a]
                .expected_annual_cost_per_vehicle
                .total_cmp(&rows[b].expected_annual_cost_per_vehicle)
        })
        .unwrap_or(0);
    let evpi = eol.iter().copied().fold(f64::INFINITY, f64::min);
    Decision {
        rows,
        evpi,
        evpi_noise_bias: evpi_noise_bias(scenario.baseline, draws),
        cheapest,
    }
}

/// Replicates of added noise per draw in [`evpi_noise_bias`].
const NOISE_REPLICATES: usize = 200;

/// How much the incidents' noise inflates EVPI: within a draw, the estimated costs scatter
/// around the draw's true costs, so the draw's minimum is too low on average and EVPI too
/// high. Estimated by adding to each draw's cost differences from the baseline normal noise of
/// their own (paired) standard errors once more, independently per strategy, and measuring
/// how far the mean minimum falls: the bias of a second layer of noise of the same size,
/// about that of the first. A fixed generator makes it reproducible.
pub fn evpi_noise_bias(baseline: usize, draws: &[DrawFigures]) -> f64 {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0x5eed_e7b1);
    let mut total = 0.0;
    for d in draws {
        let min = d.strategies.iter().map(|s| s.diff).fold(0.0, f64::min);
        let mut noisy = 0.0;
        for _ in 0..NOISE_REPLICATES {
            let mut m = f64::INFINITY;
            for (s, st) in d.strategies.iter().enumerate() {
                let e: f64 = StandardNormal.sample(&mut rng);
                let x = if s == baseline {
                    0.0
                } else {
                    st.diff + e * st.diff_se
                };
                m = m.min(x);
            }
            noisy += m;
        }
        total += min - noisy / NOISE_REPLICATES as f64;
    }
    total / draws.len() as f64
}

/// Draws sorted by one parameter's value, cut into ⌊√D⌋ bins of (nearly) equal counts: the
/// indices of each bin's draws.
fn bins(values: &[f64]) -> Vec<Vec<usize>> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let k = ((n as f64).sqrt().floor() as usize).max(1);
    (0..k)
        .map(|b| order[b * n / k..(b + 1) * n / k].to_vec())
        .collect()
}

/// First-order variance share of `y` explained by the binned parameter: the variance of the
/// bin means, less the part the bins' own sampling adds (each bin's variance over its count),
/// over the variance of `y`; clipped to [0, 1]. `None` when `y` does not vary.
fn variance_share(y: &[f64], bins: &[Vec<usize>]) -> Option<f64> {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let total = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    if !(total > 0.0) {
        return None;
    }
    let mut between = 0.0;
    let mut noise = 0.0;
    for b in bins {
        let k = b.len() as f64;
        let m = b.iter().map(|&i| y[i]).sum::<f64>() / k;
        between += k / n * (m - mean).powi(2);
        if k > 1.0 {
            let s2 = b.iter().map(|&i| (y[i] - m).powi(2)).sum::<f64>() / (k - 1.0);
            noise += k / n * s2 / k;
        }
    }
    Some(((between - noise) / total).clamp(0.0, 1.0))
}

/// EVPPI of the binned parameter: the lowest expected cost minus the mean over bins of the
/// lowest bin-mean cost.
fn evppi(costs: &[Vec<f64>], bins: &[Vec<usize>]) -> f64 {
    let n = costs.len() as f64;
    let s_count = costs[0].len();
    let means: Vec<f64> = (0..s_count)
        .map(|s| costs.iter().map(|r| r[s]).sum::<f64>() / n)
        .collect();
    let argmin = |v: &[f64]| {
        (0..v.len())
            .min_by(|&a, &b| v[a].total_cmp(&v[b]))
            .expect("a strategy")
    };
    let best_strategy = argmin(&means);
    let best = means[best_strategy];
    let mut same_choice_everywhere = true;
    let informed: f64 = bins
        .iter()
        .map(|b| {
            let k = b.len() as f64;
            let bin_means: Vec<f64> = (0..s_count)
                .map(|s| b.iter().map(|&i| costs[i][s]).sum::<f64>() / k)
                .collect();
            let choice = argmin(&bin_means);
            same_choice_everywhere &= choice == best_strategy;
            k / n * bin_means[choice]
        })
        .sum();
    // Knowing the parameter changes no choice: the value of that knowledge is exactly 0 (the
    // two sums above, taken in different orders, would leave a rounding residue).
    if same_choice_everywhere {
        return 0.0;
    }
    (best - informed).max(0.0)
}

/// `sensitivity.csv`'s rows. `one_way[0]` is the run with every parameter at its median,
/// `one_way[1 + 2j]` and `one_way[2 + 2j]` parameter `j` at its p10 and p90; `values[d]` are
/// draw `d`'s parameter values.
pub fn sensitivity(
    scenario: &Scenario,
    u: &Uncertainty,
    one_way: &[DrawFigures],
    draws: &[DrawFigures],
    values: &[Vec<f64>],
) -> Vec<SensitivityRow> {
    let z = z_value(CI_LEVEL);
    let costs: Vec<Vec<f64>> = draws
        .iter()
        .map(|d| d.strategies.iter().map(|s| s.annual).collect())
        .collect();
    let mut rows = Vec::new();
    for (j, p) in u.parameters.iter().enumerate() {
        let x: Vec<f64> = values.iter().map(|v| v[j]).collect();
        let bins = bins(&x);
        let evppi = evppi(&costs, &bins);
        let (lo, hi) = (&one_way[1 + 2 * j], &one_way[2 + 2 * j]);
        for (s, st) in scenario.strategies.iter().enumerate() {
            let y: Vec<f64> = draws.iter().map(|d| d.strategies[s].diff).collect();
            let (l, h) = (lo.strategies[s], hi.strategies[s]);
            rows.push(SensitivityRow {
                parameter: p.path.clone(),
                unit: if p.duration { "min" } else { "" }.to_string(),
                strategy: st.name.clone(),
                value_p10: p.quantile(0.1),
                value_p50: p.quantile(0.5),
                value_p90: p.quantile(0.9),
                annual_cost_diff_vs_baseline_at_p50: one_way[0].strategies[s].diff,
                annual_cost_diff_vs_baseline_at_p10: l.diff,
                annual_cost_diff_vs_baseline_at_p10_ci95_low: l.diff - z * l.diff_se,
                annual_cost_diff_vs_baseline_at_p10_ci95_high: l.diff + z * l.diff_se,
                annual_cost_diff_vs_baseline_at_p90: h.diff,
                annual_cost_diff_vs_baseline_at_p90_ci95_low: h.diff - z * h.diff_se,
                annual_cost_diff_vs_baseline_at_p90_ci95_high: h.diff + z * h.diff_se,
                first_order_variance_share: if s == scenario.baseline {
                    None
                } else {
                    variance_share(&y, &bins)
                },
                evppi_per_vehicle_year: evppi,
                currency: scenario.currency.clone(),
                price_year: scenario.price_year,
            });
        }
    }
    rows
}

/// The rows of `draws.csv` for draws `first..` (in order).
pub fn draw_rows(scenario: &Scenario, first: u64, draws: &[DrawFigures]) -> Vec<DrawRow> {
    let mut rows = Vec::new();
    for (k, d) in draws.iter().enumerate() {
        for (st, f) in scenario.strategies.iter().zip(&d.strategies) {
            rows.push(DrawRow {
                draw: first + k as u64,
                strategy: st.name.clone(),
                annual_cost_per_vehicle: f.annual,
                annual_cost_per_vehicle_se: f.annual_se,
                annual_cost_diff_vs_baseline: f.diff,
                annual_cost_diff_vs_baseline_se: f.diff_se,
                total_cost_mean: f.total_cost_mean,
                time_to_access_mean_min: f.time_mean_min,
                prevention_cost_per_year: f.prevention,
                incident_cost_per_vehicle_year: f.incident_cost,
                time_to_access_min_per_vehicle_year: f.time_min_per_year,
                baseline_incident_rate_per_vehicle_year: d.rate,
                value_of_time_per_hour: d.value_of_time_per_hour,
                currency: scenario.currency.clone(),
                price_year: scenario.price_year,
            });
        }
    }
    rows
}

/// A draw's annual cost of one strategy had the scenario's incident rate been `rate` and the
/// value of time `value_of_time_per_hour` (each `None`: the draw's own). The annual cost is
/// linear in both: prevention + (rate / the draw's rate) × (incident cost + Δ(value of time)
/// / 60 × minutes without keys per vehicle-year), so the acceptability curves need no new
/// simulation.
pub fn rescaled_annual(
    row: &DrawRow,
    rate: Option<f64>,
    value_of_time_per_hour: Option<f64>,
) -> f64 {
    let r = row.baseline_incident_rate_per_vehicle_year;
    let scale = match rate {
        Some(x) if r > 0.0 => x / r,
        _ => 1.0,
    };
    let dv = value_of_time_per_hour.map_or(0.0, |v| v - row.value_of_time_per_hour);
    row.prevention_cost_per_year
        + scale
            * (row.incident_cost_per_vehicle_year
                + dv / 60.0 * row.time_to_access_min_per_vehicle_year)
}

/// For each strategy (`strategies` names, in order), the share of draws in which it is the
/// cheapest after [`rescaled_annual`] with `rate` and `value_of_time_per_hour` (ties split):
/// one point of an acceptability curve. `rows` are `draws.csv`'s, draw by draw.
pub fn acceptability(
    rows: &[DrawRow],
    strategies: &[String],
    rate: Option<f64>,
    value_of_time_per_hour: Option<f64>,
) -> Vec<f64> {
    let n = strategies.len();
    let costs: Vec<Vec<f64>> = rows
        .chunks(n)
        .map(|draw| {
            strategies
                .iter()
                .map(|s| {
                    draw.iter()
                        .find(|r| &r.strategy == s)
                        .map_or(f64::INFINITY, |r| {
                            rescaled_annual(r, rate, value_of_time_per_hour)
                        })
                })
                .collect()
        })
        .collect();
    probability_cheapest(&costs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_split_and_evpi_is_the_smallest_loss() {
        let costs = vec![
            vec![1.0, 1.0, 3.0],
            vec![2.0, 1.0, 0.5],
            vec![4.0, 5.0, 6.0],
        ];
        let p = probability_cheapest(&costs);
        assert_eq!(p, vec![0.5 / 3.0 + 1.0 / 3.0, 0.5 / 3.0, 1.0 / 3.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        let eol = expected_opportunity_loss(&costs);
        // Means 7/3, 7/3, 9.5/3; mean minimum (1 + 0.5 + 4)/3 = 5.5/3: EVPI = 1.5/3.
        let evpi = eol.iter().copied().fold(f64::INFINITY, f64::min);
        assert!((evpi - 1.5 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_parameter_that_decides_has_a_full_share() {
        // y = x exactly: the parameter explains all of it; noise-free bins.
        let x: Vec<f64> = (0..400).map(|i| i as f64).collect();
        let b = bins(&x);
        let share = variance_share(&x, &b).unwrap();
        assert!(share > 0.99, "{share}");
        // An unrelated parameter explains nearly nothing.
        let y: Vec<f64> = (0..400).map(|i| ((i * 7919) % 400) as f64).collect();
        let share = variance_share(&y, &b).unwrap();
        assert!(share < 0.1, "{share}");
    }
}
