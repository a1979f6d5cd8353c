//! What a strategy costs per year over the whole population and per adopting vehicle, from a
//! run's tally: `prevention.csv`, and the per-year columns of `summary.csv` for a strategy
//! that applies to a share of the vehicles.
//!
//! # Formulas
//!
//! The scenario's rate is `r`; a strategy's multiplier `m`, the baseline's `m_b`; what an
//! adopting vehicle is charged `P = annual_cost × lockout_share` (the baseline's `P_b`, paid
//! by every vehicle). Over the `n` lockouts of the baseline's stream, `A_i` says whether lockout
//! `i`'s vehicle adopts (`a = ΣA/n`, the adopting share of vehicles), `t_i` is its total cost as
//! selected (the strategy's outcome for an adopter, the baseline's otherwise), `w_i` its weight
//! (`m` for an adopter, `m_b` otherwise), `y_i = w_i·t_i`, and for an adopter
//! `d_i = m·t_i − m_b·t_b,i` (paired with the baseline's outcome of the same lockout).
//!
//! * incident rate per vehicle-year: `r·((1 − a)·m_b + a·m)`
//! * annual cost per vehicle: `r·ȳ + P·a`, the mean of `v_i = r·y_i + P·A_i`; its interval is
//!   the normal one of that mean, `Var v = r²·Var y + P²·a(1 − a) + 2rP·a·(m·t̄_A − ȳ)`.
//!   With `a` and `t̄_A` known, this is the closed-form mixture
//!   `P·a + r·[(1 − a)·m_b·E[t | non-adopter] + a·m·E[t | adopter]]`.
//! * saving per vehicle: `P_b − a·(r·d̄ + P)`, the mean of `P_b − A_i·(r·d_i + P)`; a
//!   non-adopter's term is exactly `P_b`, so the interval only carries the adopters' noise.
//! * per adopter: annual cost `r·m·t̄_A + P`; the same vehicles under the baseline
//!   `r·(m·t̄_A − d̄) + P_b`; the saving `P_b − P − r·d̄`, with the paired interval of `d̄`.
//!
//! A strategy that applies to all has `a = 1`: these reduce to the summary's formulas (its
//! figures are derived from its [`StrategyTally`], the covariance with the baseline from the
//! paired differences). A region run's strategies all apply to every vehicle, and its savings,
//! per vehicle and per adopter alike, are `summary.csv`'s annual cost difference negated,
//! paired period by period ([`super::tables::PeriodTotals`]).

use crate::model::{Scenario, Strategy};
use crate::report::schema::{PreventionRow, SummaryRow, finite};
use crate::stats::{CI_LEVEL, z_value};
use crate::tally::{PreventionTally, RunTally, StrategyTally};

/// The sufficient statistics of one strategy's annual cost, over the baseline's lockouts.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// Lockouts.
    pub n: u64,
    /// Of them, a targeted vehicle's.
    pub targeted: u64,
    /// Of them, an adopting vehicle's.
    pub adopters: u64,
    /// An adopter's weight `m`.
    pub m: f64,
    /// Mean and sample variance of `y = w·t` over every lockout.
    pub y: (f64, f64),
    /// Mean and sample variance of an adopter's total cost under the strategy.
    pub adopter_total: (f64, f64),
    /// Mean and sample variance of `d = m·t − m_b·t_b` over the adopters (for independent
    /// samples, the variance that gives the difference of means its standard error).
    pub d: (f64, f64),
}

impl Figures {
    /// From the tally of a strategy that applies to a share of the vehicles.
    fn partial(p: &PreventionTally, n: u64) -> Figures {
        Figures {
            n,
            targeted: p.targeted,
            adopters: p.adopters,
            m: p.adopter_weight,
            y: (
                p.weighted_total_cost.mean(),
                p.weighted_total_cost.variance(),
            ),
            adopter_total: (p.adopter_total_cost.mean(), p.adopter_total_cost.variance()),
            d: (
                p.adopter_weighted_diff.mean(),
                p.adopter_weighted_diff.variance(),
            ),
        }
    }

    /// For a strategy that applies to all: every lockout is an adopter's.
    fn whole(t: &StrategyTally, base: &StrategyTally, m: f64, m_b: f64, paired: bool) -> Figures {
        let n = t.total_cost.count();
        let (vs, vb) = (t.total_cost.variance(), base.total_cost.variance());
        let d_var = if paired {
            let cov = 0.5 * (vs + vb - t.total_cost_diff.variance());
            (m * m * vs + m_b * m_b * vb - 2.0 * m * m_b * cov).max(0.0)
        } else {
            let nb = base.total_cost.count() as f64;
            m * m * vs + m_b * m_b * vb * n as f64 / nb
        };
        Figures {
            n,
            targeted: n,
            adopters: n,
            m,
            y: (m * t.total_cost.mean(), m * m * vs),
            adopter_total: (t.total_cost.mean(), vs),
            d: (
                m * t.total_cost.mean() - m_b * base.total_cost.mean(),
                d_var,
            ),
        }
    }

    /// The figures of strategy `s` of a run.
    pub fn of(scenario: &Scenario, tally: &RunTally, s: usize) -> Figures {
        let b = tally.baseline;
        let m_b = scenario.strategies[b].incident_rate_multiplier;
        match tally.prevention.get(s).and_then(Option::as_ref) {
            Some(p) => Figures::partial(p, tally.strategy(s).total_cost.count()),
            None => Figures::whole(
                tally.strategy(s),
                tally.strategy(b),
                scenario.strategies[s].incident_rate_multiplier,
                m_b,
                tally.paired,
            ),
        }
    }

    /// The adopting share of vehicles `a`.
    pub fn adopting_share(&self) -> f64 {
        self.adopters as f64 / self.n as f64
    }
}

/// The per-year figures of one strategy over the whole population.
#[derive(Debug, Clone, Copy)]
pub struct PerYear {
    /// Lockouts per vehicle and year.
    pub incident_rate: f64,
    /// Prevention cost per vehicle.
    pub prevention: f64,
    /// Incident cost per vehicle.
    pub incident_cost: f64,
    /// Annual cost per vehicle: mean, CI low, CI high.
    pub annual: [f64; 3],
}

/// The annual cost per vehicle of `strategy` over the whole population, from its figures.
pub fn per_year(scenario: &Scenario, strategy: &Strategy, f: &Figures) -> PerYear {
    let r = scenario.incident_rate_per_vehicle_year;
    let m_b = scenario.strategies[scenario.baseline].incident_rate_multiplier;
    let a = f.adopting_share();
    let p = strategy.prevention_cost_per_adopter();
    let incident_cost = r * f.y.0;
    let annual = incident_cost + p * a;
    let nf = f.n as f64;
    let var = r * r * f.y.1
        + p * p * a * (1.0 - a) * nf / (nf - 1.0)
        + 2.0 * r * p * a * (f.m * f.adopter_total.0 - f.y.0) * nf / (nf - 1.0);
    let half = z_value(CI_LEVEL) * (var.max(0.0) / nf).sqrt();
    PerYear {
        incident_rate: r * ((1.0 - a) * m_b + a * f.m),
        prevention: p * a,
        incident_cost,
        annual: [annual, annual - half, annual + half],
    }
}

/// The paired difference of strategy `s`'s annual cost per vehicle from the baseline's
/// (strategy − baseline; negative saves): mean, 95 % CI low, CI high. It is the mean of the
/// per-lockout differences `A_i·(r·d_i + P) − P_b` over the baseline's lockouts (see the module
/// docs), paired lockout by lockout under common random numbers. A region run's tally has no
/// pairs: there this gives the variance of independent samples, and `summary.csv` uses the
/// period-paired interval of [`super::tables::PeriodTotals`] instead.
pub fn annual_cost_diff(scenario: &Scenario, tally: &RunTally, s: usize) -> [f64; 3] {
    let r = scenario.incident_rate_per_vehicle_year;
    let p_b = scenario.strategies[tally.baseline].prevention_cost_per_adopter();
    let p = scenario.strategies[s].prevention_cost_per_adopter();
    let f = Figures::of(scenario, tally, s);
    let a = f.adopting_share();
    let nf = f.n as f64;
    let na = f.adopters as f64;
    let (d, d_var) = f.d;
    // Saving per vehicle: the mean of P_b − A·(r·d + P) over every lockout.
    let saving = p_b - a * (r * d + p);
    // The adopters' population variance of d (none with fewer than two).
    let d_pop = if na > 1.0 {
        d_var * (na - 1.0) / na
    } else {
        0.0
    };
    let second = a * (r * r * (d_pop + d * d) + 2.0 * r * p * d + p * p);
    let var = (second - (a * (r * d + p)).powi(2)) * nf / (nf - 1.0);
    let half = z_value(CI_LEVEL) * (var.max(0.0) / nf).sqrt();
    // `0.0 − x` negates exactly, without a negative zero.
    let diff = 0.0 - saving;
    [diff, diff - half, diff + half]
}

/// Computes every strategy's row of `prevention.csv`; the population's per-year columns are
/// those of `summary` (the rows of `summary.csv`), so the two tables agree to the bit.
pub fn rows(scenario: &Scenario, tally: &RunTally, summary: &[SummaryRow]) -> Vec<PreventionRow> {
    let r = scenario.incident_rate_per_vehicle_year;
    let z = z_value(CI_LEVEL);
    let base = &scenario.strategies[tally.baseline];
    let m_b = base.incident_rate_multiplier;
    let p_b = base.prevention_cost_per_adopter();
    let ratio = |k: u64, n: u64| finite(k as f64 / n as f64);
    scenario
        .strategies
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let f = Figures::of(scenario, tally, s);
            let row = &summary[s];
            let a = f.adopting_share();
            let p = st.prevention_cost_per_adopter();
            let na = f.adopters as f64;
            let (d, d_var) = f.d;
            // The saving is the summary's paired annual cost difference, negated.
            let neg = |x: Option<f64>| x.map(|v| 0.0 - v);
            let some = |x: f64| if f.adopters == 0 { None } else { finite(x) };
            let adopter_annual = r * f.m * f.adopter_total.0 + p;
            let adopter_half = z * r * f.m * (f.adopter_total.1 / na).sqrt();
            // In a region run every vehicle adopts (a strategy there applies to all), so an
            // adopter's saving is the saving per vehicle, paired period by period; the
            // difference of independent samples would not be paired, nor exactly zero for
            // the baseline.
            let adopter_saving = if tally.paired {
                let saving = p_b - p - r * d;
                let half = z * r * (d_var / na).sqrt();
                [some(saving), some(saving - half), some(saving + half)]
            } else {
                [
                    row.annual_cost_diff_vs_baseline_mean,
                    row.annual_cost_diff_vs_baseline_ci95_high,
                    row.annual_cost_diff_vs_baseline_ci95_low,
                ]
                .map(|x| neg(x).filter(|_| f.adopters > 0))
            };
            let shares = (1.0 - a) * m_b + a * f.m;
            PreventionRow {
                strategy: st.name.clone(),
                baseline: s == tally.baseline,
                uptake: st.uptake,
                incident_rate_multiplier: st.incident_rate_multiplier,
                incidents: f.n,
                targeted_incidents: f.targeted,
                adopter_incidents: f.adopters,
                targeted_share: ratio(f.targeted, f.n),
                adopting_share: finite(a),
                adopter_incident_share: finite(a * f.m / shares),
                annual_cost: st.annual_cost,
                lockout_share: st.lockout_share,
                prevention_cost_per_adopter: p,
                prevention_cost_per_vehicle: finite(row.prevention_cost_per_year),
                incident_rate_per_vehicle_year: finite(row.incident_rate_per_vehicle_year),
                incident_cost_per_vehicle_year: finite(row.incident_cost_per_vehicle_year),
                annual_cost_per_vehicle: finite(row.annual_cost_per_vehicle),
                annual_cost_per_vehicle_ci95_low: finite(row.annual_cost_per_vehicle_ci95_low),
                annual_cost_per_vehicle_ci95_high: finite(row.annual_cost_per_vehicle_ci95_high),
                saving_per_vehicle_vs_baseline: neg(row.annual_cost_diff_vs_baseline_mean),
                saving_per_vehicle_vs_baseline_ci95_low: neg(
                    row.annual_cost_diff_vs_baseline_ci95_high
                ),
                saving_per_vehicle_vs_baseline_ci95_high: neg(
                    row.annual_cost_diff_vs_baseline_ci95_low
                ),
                adopter_incident_rate_per_year: r * st.incident_rate_multiplier,
                adopter_total_cost_mean: some(f.adopter_total.0),
                annual_cost_per_adopter: some(adopter_annual),
                annual_cost_per_adopter_ci95_low: some(adopter_annual - adopter_half),
                annual_cost_per_adopter_ci95_high: some(adopter_annual + adopter_half),
                adopter_baseline_annual_cost: some(r * (f.m * f.adopter_total.0 - d) + p_b),
                saving_per_adopter_vs_baseline: adopter_saving[0],
                saving_per_adopter_vs_baseline_ci95_low: adopter_saving[1],
                saving_per_adopter_vs_baseline_ci95_high: adopter_saving[2],
                currency: scenario.currency.clone(),
                price_year: scenario.price_year,
            }
        })
        .collect()
}
