//! The fit of `lockout calibrate`: the scenario's uncertain parameters (their distributions
//! are the priors) fitted to a targets file by adaptive importance sampling under common random
//! numbers.
//!
//! Every parameter set simulates the same incidents (the scenario's seed, incidents `0..n`, see
//! [`crate::run::calibration`]). The sets are drawn in the priors' probability space, where the
//! prior is uniform on the unit cube ([`crate::stats::importance`]): round 1 from the prior,
//! each later round from a box around the weighted sets so far mixed with the prior. Every set
//! is weighted by its likelihood over the mean density of all rounds' proposals (the
//! deterministic-mixture estimator), so the weights target the posterior whatever the rounds
//! drew. The result is the weighted sets, their effective sample size, each parameter's prior
//! and posterior summaries, each target's simulated value before and after, and a joint sample
//! of the posterior (systematic resampling, shuffled) that `[uncertainty]` reads.

use anyhow::{Context, bail};

use crate::dist::DistSpec;
use crate::engine::streams;
use crate::model::Scenario;
use crate::model::calibration::Targets;
use crate::model::uncertainty::Uncertainty;
use crate::run::calibration::observe_sets;
use crate::run::uncertainty::map_in_order;
use crate::scenario::uncertainty::overrides_for;
use crate::scenario::{Override, Prepared};
use crate::stats::importance::{self, Proposal};
use crate::tally::observations::Observations;

/// Weighted standard deviations on each side of the weighted mean that a later round's box
/// spans.
pub const PROPOSAL_SPREAD: f64 = 3.0;
/// Probability that a later round draws from the prior instead of the box.
pub const DEFENSIVE_SHARE: f64 = 0.1;
/// Parameter sets compiled and simulated together (bounds the memory of compiled scenarios).
const SETS_PER_BATCH: usize = 64;
/// Path id of the streams that draw the sets (see [`streams::parameter_stream`]).
const SET_STREAM: u64 = 0xca1b_0001;
/// Path id of the stream that resamples the posterior.
const RESAMPLE_STREAM: u64 = 0xca1b_0002;

/// One row of the comparison: a scalar target, or one category of a composition.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The target's name, or `composition: category`.
    pub target: String,
    /// The statistic (`resolved_share`, ...; `share_of_named_answers` for a category).
    pub statistic: String,
    /// Unit of the observed and simulated values.
    pub unit: &'static str,
    /// The observed value.
    pub observed: f64,
    /// Its standard error from the source alone.
    pub observed_se: f64,
    /// The standard deviation the fit allows between simulated and observed (the source's
    /// error and the stated discrepancy).
    pub fit_sd: f64,
    /// Where it comes from.
    pub source: String,
}

/// The rows of `targets`, in order: scalar targets, then each composition's categories.
pub fn rows(targets: &Targets) -> Vec<Row> {
    let mut rows: Vec<Row> = targets
        .targets
        .iter()
        .map(|t| Row {
            target: t.name.clone(),
            statistic: t.statistic.name().into(),
            unit: t.statistic.unit(),
            observed: t.observed,
            observed_se: t.observed_se,
            fit_sd: t.fit_sd(),
            source: t.source.clone(),
        })
        .collect();
    for c in &targets.compositions {
        let named = c.sample_size * c.named_share();
        for (k, cat) in c.categories.iter().enumerate() {
            let o = c.observed_of_named(k);
            let var = o * (1.0 - o);
            rows.push(Row {
                target: format!("{}: {}", c.name, cat.name),
                statistic: "share_of_named_answers".into(),
                unit: "share",
                observed: o,
                observed_se: (var / named).sqrt(),
                fit_sd: (var / c.effective_n()).sqrt(),
                source: c.source.clone(),
            });
        }
    }
    rows
}

/// The rate at which `scenario`'s incidents happen under strategy `s`, per vehicle-year.
fn rate(scenario: &Scenario, s: usize) -> f64 {
    scenario.incident_rate_per_vehicle_year * scenario.strategies[s].incident_rate_multiplier
}

/// Each row's simulated value (NaN where it has no denominator) and the log-likelihood of the
/// targets (−∞ when a target cannot be compared).
pub fn evaluate(targets: &Targets, obs: &Observations, rate: f64) -> (Vec<f64>, f64) {
    let mut values = Vec::new();
    let mut ll = 0.0;
    for t in &targets.targets {
        match obs.value(&t.statistic, rate) {
            Some(x) => {
                let z = (x - t.observed) / t.fit_sd();
                ll -= 0.5 * z * z;
                values.push(x);
            }
            None => {
                ll = f64::NEG_INFINITY;
                values.push(f64::NAN);
            }
        }
    }
    for (c, counts) in targets.compositions.iter().zip(&obs.categories) {
        let total: u64 = counts.iter().sum();
        let k = counts.len() as f64;
        let n_eff = c.effective_n();
        for (i, &n) in counts.iter().enumerate() {
            values.push(if total > 0 {
                n as f64 / total as f64
            } else {
                f64::NAN
            });
            // A half count in every category keeps a category the model never ends finite.
            let p = (n as f64 + 0.5) / (total as f64 + 0.5 * k);
            ll += n_eff * c.observed_of_named(i) * p.ln();
        }
    }
    (values, ll)
}

/// What the fit is asked to do.
#[derive(Debug, Clone)]
pub struct FitPlan {
    /// Seed: the incidents' and the sets' streams derive from it.
    pub seed: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Show progress bars.
    pub progress: bool,
}

/// One parameter's prior and posterior, in its base unit (minutes for a duration).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterFit {
    /// Mean, sd, 2.5% and 97.5% quantiles of the prior.
    pub prior: [f64; 4],
    /// The same of the posterior (weighted sets).
    pub posterior: [f64; 4],
}

/// One simulated parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct SetRecord {
    /// Round, from 1.
    pub round: u64,
    /// The parameters' values, in parameter order.
    pub values: Vec<f64>,
    /// Each row's simulated value.
    pub simulated: Vec<f64>,
    /// Log-likelihood of the targets.
    pub log_likelihood: f64,
    /// Normalised importance weight.
    pub weight: f64,
}

/// What the fit found.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The comparison's rows.
    pub rows: Vec<Row>,
    /// Each row's simulated value for the scenario as written (no parameter drawn).
    pub before: Vec<f64>,
    /// Each row's posterior mean, 2.5% and 97.5% quantile over the weighted sets.
    pub after: Vec<[f64; 3]>,
    /// Per parameter.
    pub parameters: Vec<ParameterFit>,
    /// Every set simulated.
    pub sets: Vec<SetRecord>,
    /// Kish's effective sample size of the weights.
    pub effective_sample_size: f64,
    /// The posterior joint sample: rows of parameter values.
    pub posterior: Vec<Vec<f64>>,
    /// Threads used.
    pub threads: usize,
    /// Incidents simulated in all (sets and the scenario as written).
    pub incidents_simulated: u64,
}

/// Checks that every uncertain parameter has a prior whose quantile function is exact, and
/// returns the priors.
pub fn priors(u: &Uncertainty) -> anyhow::Result<Vec<DistSpec>> {
    u.parameters
        .iter()
        .map(|p| {
            let Some(prior) = &p.prior else {
                bail!(
                    "uncertainty parameter `{}` has no distribution: lockout calibrate fits the \
                     [uncertainty] parameters and needs each one's prior",
                    p.path
                );
            };
            match prior {
                DistSpec::Uniform { .. }
                | DistSpec::Triangular { .. }
                | DistSpec::Normal { .. }
                | DistSpec::LogNormal { .. }
                | DistSpec::Exponential { .. }
                | DistSpec::Weibull { .. } => Ok(prior.clone()),
                _ => bail!(
                    "uncertainty parameter `{}`: lockout calibrate needs a prior with an exact \
                     quantile function (uniform, triangular, normal, lognormal, exponential or \
                     weibull)",
                    p.path
                ),
            }
        })
        .collect()
}

/// Mean, sd, 2.5% and 97.5% quantiles of a prior: the moments by the midpoint rule over 20,000
/// quantiles (exact to well within the table's digits for these families).
fn prior_summary(prior: &DistSpec) -> [f64; 4] {
    let n = 20_000;
    let xs: Vec<f64> = (0..n)
        .map(|i| prior.quantile((i as f64 + 0.5) / n as f64))
        .collect();
    let w = vec![1.0 / n as f64; n];
    let (mean, sd) = importance::weighted_mean_sd(&xs, &w);
    [mean, sd, prior.quantile(0.025), prior.quantile(0.975)]
}

/// Simulates the scenario of every point (`u` in the priors' probability space) of round
/// `round` and returns each one's record (weight 0 until every round is in).
#[allow(clippy::too_many_arguments)]
fn simulate_points(
    prepared: &Prepared,
    overrides: &[Override],
    u: &Uncertainty,
    priors: &[DistSpec],
    targets: &Targets,
    points: &[Vec<f64>],
    round: u64,
    plan: &FitPlan,
    threads: &mut usize,
) -> anyhow::Result<Vec<SetRecord>> {
    let mut out = Vec::with_capacity(points.len());
    for batch in points.chunks(SETS_PER_BATCH) {
        let values: Vec<Vec<f64>> = batch
            .iter()
            .map(|p| p.iter().zip(priors).map(|(&q, d)| d.quantile(q)).collect())
            .collect();
        let scenarios = map_in_order(plan.threads, &values, |v| {
            prepared.compile(overrides, &overrides_for(u, v))
        })??;
        let (observed, used) = observe_sets(
            &scenarios,
            targets,
            plan.seed,
            targets.incidents,
            plan.threads,
        )?;
        *threads = used;
        for ((v, obs), sc) in values.into_iter().zip(&observed).zip(&scenarios) {
            let (simulated, log_likelihood) = evaluate(targets, obs, rate(sc, targets.strategy));
            out.push(SetRecord {
                round,
                values: v,
                simulated,
                log_likelihood,
                weight: 0.0,
            });
        }
    }
    Ok(out)
}

/// Fits the uncertain parameters of `sc` (compiled from `prepared` with `overrides`) to
/// `targets`.
pub fn calibrate(
    prepared: &Prepared,
    overrides: &[Override],
    sc: &Scenario,
    targets: &Targets,
    plan: &FitPlan,
) -> anyhow::Result<Fit> {
    let Some(u) = &sc.uncertainty else {
        bail!(
            "the scenario has no [uncertainty] section: lockout calibrate fits its uncertain \
             parameters (add [[uncertainty.parameter]] tables with path, distribution and source)"
        );
    };
    let priors = priors(u)?;
    let dims = priors.len();
    // The scenario as written, on the same incidents.
    let (before_obs, mut threads) = observe_sets(
        std::slice::from_ref(sc),
        targets,
        plan.seed,
        targets.incidents,
        plan.threads,
    )?;
    let (before, _) = evaluate(targets, &before_obs[0], rate(sc, targets.strategy));

    let n = targets.sets as usize;
    let bar = crate::run::progress::progress_bar(
        targets.sets * targets.rounds,
        plan.progress,
        "parameter sets",
    );
    let mut points: Vec<Vec<f64>> = Vec::new();
    let mut sets: Vec<SetRecord> = Vec::new();
    let mut proposals: Vec<Proposal> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    for round in 0..targets.rounds {
        let proposal = if round == 0 {
            Proposal::uniform()
        } else {
            Proposal::fitted(&points, &weights, PROPOSAL_SPREAD, DEFENSIVE_SHARE)
        };
        let new: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let g = round * n as u64 + i as u64;
                let mut rng = streams::parameter_stream(plan.seed, g, SET_STREAM);
                proposal.sample(dims, &mut || crate::dist::unit_uniform(&mut rng))
            })
            .collect();
        let results = simulate_points(
            prepared,
            overrides,
            u,
            &priors,
            targets,
            &new,
            round + 1,
            plan,
            &mut threads,
        )
        .context("a parameter set makes the scenario invalid")?;
        bar.inc(n as u64);
        points.extend(new);
        sets.extend(results);
        proposals.push(proposal);
        let ll: Vec<f64> = sets.iter().map(|s| s.log_likelihood).collect();
        weights = importance::mixture_weights(&points, &ll, &proposals).ok_or_else(|| {
            anyhow::anyhow!(
                "no parameter set could be compared with every target (a statistic without a \
                 denominator in every set: no call to the remedy, no counted incident); raise \
                 `incidents` in the targets file"
            )
        })?;
    }
    bar.finish_and_clear();

    let parameters = (0..dims)
        .map(|j| {
            let xs: Vec<f64> = sets.iter().map(|s| s.values[j]).collect();
            let (mean, sd) = importance::weighted_mean_sd(&xs, &weights);
            ParameterFit {
                prior: prior_summary(&priors[j]),
                posterior: [
                    mean,
                    sd,
                    importance::weighted_quantile(&xs, &weights, 0.025),
                    importance::weighted_quantile(&xs, &weights, 0.975),
                ],
            }
        })
        .collect();
    let rows = rows(targets);
    let after = (0..rows.len())
        .map(|r| {
            let xs: Vec<f64> = sets.iter().map(|s| s.simulated[r]).collect();
            let (kept, w): (Vec<f64>, Vec<f64>) = xs
                .iter()
                .zip(&weights)
                .filter(|(x, _)| !x.is_nan())
                .map(|(x, w)| (*x, *w))
                .unzip();
            let total: f64 = w.iter().sum();
            let w: Vec<f64> = w.iter().map(|x| x / total).collect();
            [
                importance::weighted_mean_sd(&kept, &w).0,
                importance::weighted_quantile(&kept, &w, 0.025),
                importance::weighted_quantile(&kept, &w, 0.975),
            ]
        })
        .collect();
    for (set, &w) in sets.iter_mut().zip(&weights) {
        set.weight = w;
    }
    let posterior = resample(&sets, targets.posterior_draws as usize, plan.seed);
    let effective_sample_size = importance::effective_sample_size(&weights);
    Ok(Fit {
        rows,
        before,
        after,
        parameters,
        incidents_simulated: targets.incidents * (sets.len() as u64 + 1),
        sets,
        effective_sample_size,
        posterior,
        threads,
    })
}

/// `m` rows of the posterior: systematic resampling of the weighted sets, then a shuffle, so
/// that the first rows (the draws `lockout uncertainty` takes first) are not the first sets.
fn resample(sets: &[SetRecord], m: usize, seed: u64) -> Vec<Vec<f64>> {
    let weights: Vec<f64> = sets.iter().map(|s| s.weight).collect();
    let mut rng = streams::parameter_stream(seed, u64::MAX, RESAMPLE_STREAM);
    let u0 = crate::dist::unit_uniform(&mut rng);
    let mut rows: Vec<Vec<f64>> = importance::systematic_resample(&weights, m, u0)
        .into_iter()
        .map(|i| sets[i].values.clone())
        .collect();
    // Fisher-Yates with the same stream.
    for i in (1..rows.len()).rev() {
        let j = (crate::dist::unit_uniform(&mut rng) * (i + 1) as f64) as usize;
        rows.swap(i, j.min(i));
    }
    rows
}
