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

/// What a region run adds to its tally for `summary.csv`: per strategy and period, the
/// lockouts and the sums of their time to access, cost and total cost, so that differences vs
/// the baseline can be paired period by period. A period's candidate arrivals and other calls
/// are drawn once and shared by every strategy (common random numbers), so one strategy's sums
/// in a period are correlated with another's in the same period, while periods are
/// independent: periods are the units of the pairing.
#[derive(Debug, Clone, Default)]
pub struct PeriodTotals {
    /// `incidents[s][p]`: strategy `s`'s lockouts in period `p + 1`.
    pub incidents: Vec<Vec<u64>>,
    /// `time_min[s][p]`: their summed time to access, minutes.
    pub time_min: Vec<Vec<f64>>,
    /// `cost[s][p]`: their summed cost (money paid, ground-up), currency units.
    pub cost: Vec<Vec<f64>>,
    /// `total_cost[s][p]`: their summed total cost, currency units.
    pub total_cost: Vec<Vec<f64>>,
}

/// A per-lockout quantity summed per period in [`PeriodTotals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerLockout {
    /// Time to access, minutes.
    Time,
    /// Money paid (the ground-up cost).
    Cost,
    /// Total cost: money paid + value of time × time to access.
    TotalCost,
}

impl PeriodTotals {
    /// From a region run's ground-up period losses and downtime (a lockout's downtime is its
    /// time to access): time is the downtime in minutes, cost the ground-up loss, and a
    /// lockout's total cost its cost plus `value_of_time_per_hour` × its time to access (as
    /// `total_cost_mean`).
    pub fn of(run: &crate::losses::RegionRun, value_of_time_per_hour: f64) -> PeriodTotals {
        let n = run.losses.first().map_or(0, Vec::len);
        let periods = run.losses.len();
        let column = || vec![Vec::with_capacity(periods); n];
        let mut t = PeriodTotals {
            incidents: vec![Vec::with_capacity(periods); n],
            time_min: column(),
            cost: column(),
            total_cost: column(),
        };
        for period in &run.losses {
            for (s, [ground_up, _]) in period.iter().enumerate() {
                t.incidents[s].push(ground_up.incident_count());
                t.time_min[s].push(60.0 * ground_up.downtime_h());
                t.cost[s].push(ground_up.aggregate_loss());
                t.total_cost[s].push(
                    ground_up.aggregate_loss() + value_of_time_per_hour * ground_up.downtime_h(),
                );
            }
        }
        t
    }

    /// The per-period sums of `what`.
    fn sums(&self, what: PerLockout) -> &[Vec<f64>] {
        match what {
            PerLockout::Time => &self.time_min,
            PerLockout::Cost => &self.cost,
            PerLockout::TotalCost => &self.total_cost,
        }
    }

    /// The difference per lockout of strategy `s` from the baseline `b` in `what`, paired
    /// period by period: `point` (the difference of the two strategies' means, as the table's
    /// mean columns give them) with the 95 % interval of [`PeriodTotals::ratio_diff`] with
    /// weights 1. `[point; 3]` for the baseline itself.
    pub fn per_lockout_diff(&self, what: PerLockout, s: usize, b: usize, point: f64) -> [f64; 3] {
        self.ratio_diff(self.sums(what), s, b, [1.0, 1.0], point)
    }

    /// The paired difference in annual cost per vehicle of strategy `s` vs the baseline `b`:
    /// the point estimate is the difference of their `annual_cost_per_vehicle` columns
    /// (`r_s·t̄_s + P_s − r_b·t̄_b − P_b`, `t̄` the mean total cost per lockout, a ratio of
    /// period sums; the prevention costs `P` are inputs), its interval that of
    /// [`PeriodTotals::ratio_diff`] of the total costs with the rates `r` as weights.
    fn annual_cost_diff(&self, s: usize, b: usize, rates: [f64; 2], point: f64) -> [f64; 3] {
        self.ratio_diff(&self.total_cost, s, b, rates, point)
    }

    /// The 95 % interval, around `point`, of `w_s·R_s − w_b·R_b`, where `R_k = Σ_p T_{k,p} /
    /// Σ_p N_{k,p}` is strategy `k`'s mean per lockout over the periods (`T` the period sums
    /// `sums`, `N` the lockouts): a ratio of sums, so by the delta method with the periods as
    /// the independent units, `Var ≈ Var_p(e_p) / P` with
    /// `e_p = w_s·(T_{s,p} − R_s·N_{s,p}) / N̄_s − w_b·(T_{b,p} − R_b·N_{b,p}) / N̄_b`
    /// (`N̄` the mean lockouts per period). The two strategies' residuals of the same period
    /// enter one `e_p`, so their covariance (the shared arrivals) is accounted for.
    /// `[point; 3]` when `s == b` (the baseline against itself: exactly nothing); the interval
    /// is NaN when a strategy has no lockout or there is a single period.
    fn ratio_diff(
        &self,
        sums: &[Vec<f64>],
        s: usize,
        b: usize,
        weights: [f64; 2],
        point: f64,
    ) -> [f64; 3] {
        if s == b {
            return [point; 3];
        }
        let p = self.incidents[s].len();
        let stats = |k: usize| {
            let n: u64 = self.incidents[k].iter().sum();
            let t: f64 = sums[k].iter().sum();
            (t / n as f64, n as f64 / p as f64)
        };
        let ((rs, ns), (rb, nb)) = (stats(s), stats(b));
        if p < 2 || ns == 0.0 || nb == 0.0 {
            return [point, f64::NAN, f64::NAN];
        }
        // In plain floating point (two passes), not on the grid of `Moments`: the residuals
        // can be small.
        let e: Vec<f64> = (0..p)
            .map(|j| {
                let es = (sums[s][j] - rs * self.incidents[s][j] as f64) / ns;
                let eb = (sums[b][j] - rb * self.incidents[b][j] as f64) / nb;
                weights[0] * es - weights[1] * eb
            })
            .collect();
        let mean = e.iter().sum::<f64>() / p as f64;
        let var = e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (p - 1) as f64;
        let half = crate::stats::z_value(CI_LEVEL) * (var / p as f64).sqrt();
        [point, point - half, point + half]
    }
}

/// Computes every strategy's row of `summary.csv` (`periods`: a region run's per-period
/// totals, for differences paired by period; `None` for an incident run, whose differences
/// are paired by incident, and for a region run whose differences are not written).
pub fn summarise(
    scenario: &Scenario,
    tally: &RunTally,
    periods: Option<&PeriodTotals>,
) -> Vec<SummaryRow> {
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
                (f64::NAN, Some(CheaperWhen::Baseline))
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
            let annual_diff = match periods {
                Some(pt) if partial.is_none() => {
                    let base_rate = scenario.incident_rate_per_vehicle_year
                        * base_strategy.incident_rate_multiplier;
                    let base_annual = base_rate * base.total_cost.mean() + base_charged;
                    pt.annual_cost_diff(
                        i,
                        tally.baseline,
                        [rate, base_rate],
                        annual[0] - base_annual,
                    )
                }
                _ => super::prevention::annual_cost_diff(scenario, tally, i),
            };
            // Per lockout: paired incident by incident (the mean and interval of the
            // differences) in an incident run; in a region run the difference of the means,
            // paired period by period. The baseline against itself differs by exactly nothing.
            let diff = |what: PerLockout, paired: &Moments, strategy: &Moments, base: &Moments| {
                if i == tally.baseline {
                    [0.0; 3]
                } else if tally.paired {
                    mean_ci(paired)
                } else {
                    let point = strategy.mean() - base.mean();
                    match periods {
                        Some(pt) => pt.per_lockout_diff(what, i, tally.baseline, point),
                        // A region tally without its period totals (a sweep, which writes no
                        // difference): no interval.
                        None => [point, f64::NAN, f64::NAN],
                    }
                }
            };
            let time_diff = diff(PerLockout::Time, &t.time_diff, &t.time, &base.time);
            let cost_diff = diff(PerLockout::Cost, &t.cost_diff, &t.cost, &base.cost);
            let total_cost_diff = diff(
                PerLockout::TotalCost,
                &t.total_cost_diff,
                &t.total_cost,
                &base.total_cost,
            );
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
                annual_cost_diff_vs_baseline_mean: finite(annual_diff[0]),
                annual_cost_diff_vs_baseline_ci95_low: finite(annual_diff[1]),
                annual_cost_diff_vs_baseline_ci95_high: finite(annual_diff[2]),
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
pub fn write_all(
    dir: &Path,
    scenario: &Scenario,
    tally: &RunTally,
    periods: Option<&PeriodTotals>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let path = |name: &str| dir.join(name);
    let file = |name: &str| super::output::create(&path(name));
    let failed = |name: &str| format!("cannot write {}", path(name).display());
    let rows = summarise(scenario, tally, periods);
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

    /// The period-paired interval, worked by hand: strategy 1 has the baseline's lockouts,
    /// each costing 10 more, at the same rate 1: `e_p = (T_1p − 20·N_p − (T_0p − 10·N_p)) / N̄`
    /// is 0 in every period, so the interval has width 0; with the costs of two periods moved
    /// apart, the residuals are ±2.5 and the standard error 2.5.
    #[test]
    fn period_paired_interval() {
        let same = PeriodTotals {
            incidents: vec![vec![1, 2, 3], vec![1, 2, 3]],
            total_cost: vec![vec![10.0, 20.0, 30.0], vec![20.0, 40.0, 60.0]],
            ..PeriodTotals::default()
        };
        assert_eq!(same.annual_cost_diff(1, 0, [1.0, 1.0], 10.0), [10.0; 3]);
        assert_eq!(same.annual_cost_diff(0, 0, [1.0, 1.0], 0.0), [0.0; 3]);
        let moved = PeriodTotals {
            incidents: vec![vec![2, 2], vec![2, 2]],
            total_cost: vec![vec![20.0, 20.0], vec![45.0, 35.0]],
            ..PeriodTotals::default()
        };
        // t̄_1 = 20, N̄ = 2: e = ((45 − 40) / 2, (35 − 40) / 2) − 0 = (2.5, −2.5); sd = √12.5,
        // se = sd / √2 = 2.5.
        let d = moved.annual_cost_diff(1, 0, [1.0, 1.0], 10.0);
        let half = crate::stats::z_value(CI_LEVEL) * 2.5;
        assert_eq!(d[0], 10.0);
        assert!((d[2] - d[0] - half).abs() < 1e-12 && (d[0] - d[1] - half).abs() < 1e-12);
        // No lockout or a single period: no interval.
        let one = PeriodTotals {
            incidents: vec![vec![2], vec![3]],
            total_cost: vec![vec![20.0], vec![30.0]],
            ..PeriodTotals::default()
        };
        assert!(one.annual_cost_diff(1, 0, [1.0, 1.0], 1.0)[1].is_nan());
    }

    /// The per-lockout difference is paired by period: the covariance of the two strategies'
    /// sums in the same period narrows it. Worked by hand: strategy 1's lockouts are the
    /// baseline's, each taking 5 min less; the periods' lockouts vary (2 and 4), the mean
    /// time per lockout is 20 for the baseline and 15 for the strategy, with residuals
    /// (period by period) of ±2 min·lockouts for the baseline and the same for the strategy:
    /// `e_p = (T_1p − 15·N_p − (T_0p − 20·N_p)) / N̄` is 0 in every period, so the interval
    /// has width 0, where independent samples would give a wide one.
    #[test]
    fn per_lockout_difference_is_paired_by_period() {
        let t = PeriodTotals {
            incidents: vec![vec![2, 4], vec![2, 4]],
            time_min: vec![vec![42.0, 78.0], vec![32.0, 58.0]],
            ..PeriodTotals::default()
        };
        assert_eq!(t.per_lockout_diff(PerLockout::Time, 1, 0, -5.0), [-5.0; 3]);
        // The baseline against itself: exactly nothing.
        assert_eq!(t.per_lockout_diff(PerLockout::Time, 0, 0, 0.0), [0.0; 3]);
        // Strategy 1's times of the two periods swapped: no longer the same lockouts.
        // R_1 = 90 / 6 = 15, N̄ = 3: e_1 = ((58 − 30) − (42 − 40)) / 3 = 26/3,
        // e_2 = ((32 − 60) − (78 − 80)) / 3 = −26/3; sd = √2·26/3, se = sd/√2 = 26/3.
        let swapped = PeriodTotals {
            incidents: vec![vec![2, 4], vec![2, 4]],
            time_min: vec![vec![42.0, 78.0], vec![58.0, 32.0]],
            ..PeriodTotals::default()
        };
        let d = swapped.per_lockout_diff(PerLockout::Time, 1, 0, -5.0);
        let half = crate::stats::z_value(CI_LEVEL) * 26.0 / 3.0;
        assert_eq!(d[0], -5.0);
        assert!((d[2] - d[0] - half).abs() < 1e-12 && (d[0] - d[1] - half).abs() < 1e-12);
    }

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
