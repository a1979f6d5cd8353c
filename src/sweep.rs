//! `lockout sweep`: one run per value of a numeric field, with common random numbers (the same
//! seed for every value), summarised in `sweep.csv`.

use std::path::Path;

use anyhow::{Context, bail};

use crate::report::output::{self, StagedDir};
use crate::report::tables::{self, num};
use crate::runner::{self, RunOptions};
use crate::scenario::{self, Override};

/// The swept field and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// Dotted path.
    pub path: String,
    /// Values, in order.
    pub values: Vec<f64>,
}

impl SweepSpec {
    /// Parses `path=a..b[:step]` (inclusive). Without a step, `a` and `b` must be whole numbers
    /// and the step is 1.
    pub fn parse(arg: &str) -> Result<SweepSpec, String> {
        let (path, range) = arg
            .split_once('=')
            .ok_or_else(|| format!("--set {arg}: expected path=a..b[:step]"))?;
        let (range, step) = match range.split_once(':') {
            Some((r, s)) => (r, Some(s)),
            None => (range, None),
        };
        let (a, b) = range
            .split_once("..")
            .ok_or_else(|| format!("--set {arg}: expected a range a..b"))?;
        let parse = |t: &str| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| format!("--set {arg}: `{t}` is not a number"))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        let step = match step {
            Some(s) => parse(s)?,
            None if a.fract() == 0.0 && b.fract() == 0.0 => 1.0,
            None => return Err(format!("--set {arg}: give a step, e.g. {range}:0.1")),
        };
        if !(step > 0.0) || b < a {
            return Err(format!("--set {arg}: need a <= b and a step > 0"));
        }
        let n = ((b - a) / step + 1e-9).floor() as u64 + 1;
        if n > 10_000 {
            return Err(format!(
                "--set {arg}: {n} values is too many (at most 10,000)"
            ));
        }
        Ok(SweepSpec {
            path: path.trim().to_string(),
            values: (0..n).map(|k| a + k as f64 * step).collect(),
        })
    }
}

/// How each run of a sweep is made.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Incidents per run (incident-level scenarios; default: the scenario's).
    pub incidents: Option<u64>,
    /// Periods per run (region scenarios; default: the region's).
    pub periods: Option<u64>,
    /// Seed of every run (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Draw the staffing figure.
    pub plots: bool,
}

/// Runs the sweep and writes `sweep.csv`, `run.json` and the staffing figure into `out`
/// (replaced atomically).
pub fn run_sweep(
    path: &Path,
    sets: &[String],
    opts: &SweepOptions,
    out: &Path,
) -> anyhow::Result<()> {
    let SweepOptions {
        incidents,
        periods,
        seed,
        threads,
        plots,
    } = opts.clone();
    let mut sweep = None;
    let mut fixed = Vec::new();
    for s in sets {
        if s.contains("..") {
            if sweep.is_some() {
                bail!("sweep one field at a time: two --set options have a range");
            }
            sweep = Some(SweepSpec::parse(s).map_err(anyhow::Error::msg)?);
        } else {
            fixed.push(Override::parse(s).map_err(anyhow::Error::msg)?);
        }
    }
    let Some(sweep) = sweep else {
        bail!("sweep needs one --set PATH=A..B[:STEP]");
    };
    // Refuse an unusable --out before simulating anything.
    let staged = StagedDir::create(out)?;
    let mut manifest = None;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "parameter",
        "value",
        "strategy",
        "incidents",
        "time_to_access_mean_min",
        "time_to_access_ci95_low_min",
        "time_to_access_ci95_high_min",
        "time_to_access_p90_min",
        "total_cost_mean",
        "total_cost_ci95_low",
        "total_cost_ci95_high",
        "unresolved_rate",
        "annual_cost_per_vehicle",
        "pool",
        "utilisation",
        "queue_wait_p50_min",
        "queue_wait_p90_min",
        "queue_wait_p99_min",
        "abandoned_calls",
        "currency",
        "price_year",
    ])?;
    for value in &sweep.values {
        let mut overrides = fixed.clone();
        overrides.push(Override {
            path: sweep.path.clone(),
            value: if value.fract() == 0.0 && value.abs() < 9e15 {
                toml::Value::Integer(*value as i64)
            } else {
                toml::Value::Float(*value)
            },
        });
        let loaded = scenario::load(path, &overrides)
            .with_context(|| format!("at {} = {value}", sweep.path))?;
        let sc = &loaded.scenario;
        let seed = seed.unwrap_or(sc.seed);
        manifest.get_or_insert_with(|| {
            serde_json::json!({
                "scenario": {
                    "name": sc.name,
                    "description": sc.description,
                    "path": loaded.path,
                    "sha256": loaded.sha256,
                },
                "seed": seed,
                "sweep": { "parameter": sweep.path, "values": sweep.values },
                "fixed_overrides": fixed.iter().map(|o| format!("{}={}", o.path, o.value)).collect::<Vec<_>>(),
                "lockout_version": env!("CARGO_PKG_VERSION"),
                "currency": sc.currency,
                "price_year": sc.price_year,
                "confidence_level": crate::stats::CI_LEVEL,
            })
        });
        let (tally, pools) = match &sc.region {
            Some(region) => {
                let run = crate::region::run(
                    sc,
                    region,
                    seed,
                    periods.unwrap_or(region.periods),
                    threads,
                    false,
                    None,
                )?;
                let pools: Vec<Vec<[String; 6]>> = run
                    .pools
                    .iter()
                    .map(|per_strategy| {
                        region
                            .pools
                            .iter()
                            .zip(per_strategy)
                            .map(|(p, t)| {
                                let q = t.queue_wait_sketch.quantiles(&[0.5, 0.9, 0.99]);
                                [
                                    p.name.clone(),
                                    num(t.utilisation()),
                                    num(q[0]),
                                    num(q[1]),
                                    num(q[2]),
                                    t.abandoned.to_string(),
                                ]
                            })
                            .collect()
                    })
                    .collect();
                (run.tally, pools)
            }
            None => {
                let mut opts = RunOptions::incidents(seed, incidents.unwrap_or(sc.incidents));
                opts.threads = threads;
                (
                    runner::run(sc, &opts)?.tally,
                    vec![Vec::new(); sc.strategies.len()],
                )
            }
        };
        let rows = tables::summarise(sc, &tally);
        for (r, pools) in rows.iter().zip(&pools) {
            let no_pool: [String; 6] = Default::default();
            let pool_rows: Vec<&[String; 6]> = if pools.is_empty() {
                vec![&no_pool]
            } else {
                pools.iter().collect()
            };
            for p in pool_rows {
                let mut rec = vec![
                    sweep.path.clone(),
                    num(*value),
                    r.strategy.clone(),
                    r.incidents.to_string(),
                    num(r.time[0]),
                    num(r.time[2]),
                    num(r.time[3]),
                    num(r.time[5]),
                    num(r.total_cost[0]),
                    num(r.total_cost[1]),
                    num(r.total_cost[2]),
                    num(r.unresolved_rate),
                    num(r.annual_cost_per_vehicle[0]),
                ];
                rec.extend(p.iter().cloned());
                rec.push(sc.currency.clone());
                rec.push(sc.price_year.to_string());
                w.write_record(&rec)?;
            }
        }
        eprintln!("{} = {value}: done", sweep.path);
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    output::write(&staged.path().join("sweep.csv"), &bytes)?;
    if let Some(m) = manifest {
        output::write(
            &staged.path().join("run.json"),
            (serde_json::to_string_pretty(&m)? + "\n").as_bytes(),
        )?;
    }
    if plots {
        crate::report::plots::draw_sweep_figures(staged.path())
            .context("cannot draw the staffing figure")?;
    }
    let dir = staged.commit()?;
    println!(
        "swept {} over {} values; wrote {}/sweep.csv",
        sweep.path,
        sweep.values.len(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive() {
        let s = SweepSpec::parse("region.pool.0.count=2..5").unwrap();
        assert_eq!(s.values, [2.0, 3.0, 4.0, 5.0]);
        let s = SweepSpec::parse("remedy.locksmith.success=0.5..0.7:0.1").unwrap();
        assert_eq!(s.values.len(), 3);
        assert!(
            SweepSpec::parse("x=0.5..0.7")
                .unwrap_err()
                .contains("give a step")
        );
        assert!(SweepSpec::parse("x=5..2").is_err());
    }
}
