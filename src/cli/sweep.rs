//! `lockout sweep`: one run per value of a numeric field, with common random numbers (the same
//! seed for every value), summarised in `sweep.csv`.

use std::path::Path;

use anyhow::{Context, bail};

use super::scenario_info;
use crate::report::output::{self, StagedDir};
use crate::report::schema::{RowWriter, SweepInfo, SweepManifest, SweepRow, SweptValue, finite};
use crate::report::tables;
use crate::run::incidents::{self as runner, RunOptions};
use crate::scenario::{self, Override};

/// The swept field and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// Dotted path.
    pub path: String,
    /// Values, in order.
    pub values: Vec<SweepValue>,
    /// The duration unit every value is written in (`min`, `h`, ...), or none for plain numbers.
    pub unit: Option<String>,
}

/// One value of a sweep: exact in decimal, as the user would write it.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepValue {
    /// The decimal text, shortest form: `0.05`, `0.1`, `3`.
    pub text: String,
    /// The nearest double (what the scenario receives for a plain number).
    pub number: f64,
    /// Whether the value is a whole number.
    pub whole: bool,
}

impl SweepValue {
    /// The override's TOML value: a whole number as an integer, a fraction as a float, a
    /// duration as a string with its unit.
    pub fn toml(&self, unit: Option<&str>) -> toml::Value {
        match unit {
            Some(u) => toml::Value::String(format!("{} {u}", self.text)),
            None if self.whole && self.number.abs() < 9e15 => {
                toml::Value::Integer(self.number as i64)
            }
            None => toml::Value::Float(self.number),
        }
    }
}

/// A decimal number as a scaled integer: `mantissa / 10^places`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Decimal {
    mantissa: i128,
    places: u32,
}

/// Duration units, with their length in seconds (so converting to a smaller unit multiplies by
/// a whole number and stays exact in decimal).
const UNITS: [(&str, i128); 5] = [("s", 1), ("sec", 1), ("min", 60), ("h", 3600), ("d", 86400)];

/// At most this many decimal places (keeps every scaled value far inside i128).
const MAX_PLACES: u32 = 12;

impl Decimal {
    /// Parses `12`, `-0.05`, `1_000.5` exactly.
    fn parse(text: &str) -> Option<Decimal> {
        let t = text.replace('_', "");
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
            || frac.len() as u32 > MAX_PLACES
            || int.len() > 15
        {
            return None;
        }
        let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Decimal {
            mantissa: if neg { -mantissa } else { mantissa },
            places: frac.len() as u32,
        })
    }

    /// The same number with `places` decimal places (`places` >= self.places).
    fn scaled_to(self, places: u32) -> i128 {
        self.mantissa * 10i128.pow(places - self.places)
    }

    /// Shortest decimal text of `mantissa / 10^places`.
    fn text(mantissa: i128, places: u32) -> String {
        let sign = if mantissa < 0 { "-" } else { "" };
        let abs = mantissa.unsigned_abs();
        let pow = 10u128.pow(places);
        let (int, frac) = (abs / pow, abs % pow);
        if frac == 0 {
            return format!("{sign}{int}");
        }
        let frac = format!("{frac:0width$}", width = places as usize);
        format!("{sign}{int}.{}", frac.trim_end_matches('0'))
    }
}

/// Splits `25 min` into the number and its unit (empty for a plain number).
fn split_unit(t: &str) -> (&str, &str) {
    let t = t.trim();
    let at = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '+')))
        .unwrap_or(t.len());
    (t[..at].trim(), t[at..].trim())
}

impl SweepSpec {
    /// Parses `path=a..b[:step]` (inclusive). Without a step, `a` and `b` must be whole numbers
    /// and the step is 1. Values are `a + k·step` computed exactly in decimal, so
    /// `0.05..0.1:0.01` gives 0.05, 0.06, ..., 0.1. Durations carry a unit on each bound and on
    /// the step (`10 min..1 h:10 min`); the values are written in the smallest unit used.
    pub fn parse(arg: &str) -> Result<SweepSpec, String> {
        let (path, range) = arg
            .split_once('=')
            .ok_or_else(|| format!("--set {arg}: expected path=a..b[:step]"))?;
        let (range, step) = match range.rsplit_once(':') {
            Some((r, s)) => (r, Some(s)),
            None => (range, None),
        };
        let (a, b) = range
            .split_once("..")
            .ok_or_else(|| format!("--set {arg}: expected a range a..b"))?;
        let mut parts = vec![split_unit(a), split_unit(b)];
        if let Some(s) = step {
            parts.push(split_unit(s));
        }
        let with_unit = parts.iter().filter(|(_, u)| !u.is_empty()).count();
        if with_unit != 0 && with_unit != parts.len() {
            return Err(format!(
                "--set {arg}: give a unit on every bound and on the step (e.g. 10 min..30 min:5 min), or on none"
            ));
        }
        let mut factors = Vec::new();
        for (_, u) in &parts {
            if u.is_empty() {
                factors.push(1);
                continue;
            }
            let f = UNITS
                .iter()
                .find(|(name, _)| name == u)
                .map(|(_, f)| *f)
                .ok_or_else(|| format!("--set {arg}: unknown unit `{u}` (units: s, min, h, d)"))?;
            factors.push(f);
        }
        // Every part in the smallest unit used: a whole multiple, so still exact.
        let smallest = *factors.iter().min().expect("two parts");
        let unit = (with_unit != 0).then(|| {
            let name = UNITS
                .iter()
                .find(|(n, f)| *f == smallest && *n != "sec")
                .expect("a known unit")
                .0;
            name.to_string()
        });
        let mut decimals = Vec::new();
        for ((number, _), factor) in parts.iter().zip(&factors) {
            let d = Decimal::parse(number).ok_or_else(|| {
                format!(
                    "--set {arg}: `{number}` is not a decimal number (write e.g. 0.05 or 25; at most {MAX_PLACES} decimal places)"
                )
            })?;
            decimals.push(Decimal {
                mantissa: d.mantissa * (factor / smallest),
                places: d.places,
            });
        }
        let places = decimals.iter().map(|d| d.places).max().expect("two parts");
        let (a, b) = (decimals[0].scaled_to(places), decimals[1].scaled_to(places));
        let step = match decimals.get(2) {
            Some(s) => s.scaled_to(places),
            None if places == 0 => 1,
            None => return Err(format!("--set {arg}: give a step, e.g. {range}:0.1")),
        };
        if step <= 0 || b < a {
            return Err(format!("--set {arg}: need a <= b and a step > 0"));
        }
        let n = (b - a) / step + 1;
        if n > 10_000 {
            return Err(format!(
                "--set {arg}: {n} values is too many (at most 10,000)"
            ));
        }
        let values = (0..n)
            .map(|k| {
                let m = a + k * step;
                let text = Decimal::text(m, places);
                SweepValue {
                    number: text.parse().expect("a decimal parses as f64"),
                    whole: m % 10i128.pow(places) == 0,
                    text,
                }
            })
            .collect();
        Ok(SweepSpec {
            path: path.trim().to_string(),
            values,
            unit,
        })
    }
}

/// The responder-pool columns of a `sweep.csv` row (`none`, empty and 0 for an incident-level
/// scenario).
#[derive(Clone, Default)]
struct PoolColumns {
    pool: String,
    utilisation: Option<f64>,
    /// p50, p90, p99, minutes.
    queue_wait: [Option<f64>; 3],
    abandoned_calls: Option<u64>,
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
    let mut w = RowWriter::<_, SweepRow>::new(Vec::new())?;
    for sv in &sweep.values {
        let value = match &sweep.unit {
            Some(u) => format!("{} {u}", sv.text),
            None => sv.text.clone(),
        };
        let mut overrides = fixed.clone();
        overrides.push(Override {
            path: sweep.path.clone(),
            value: sv.toml(sweep.unit.as_deref()),
        });
        let loaded = scenario::load(path, &overrides)
            .with_context(|| format!("at {} = {value}", sweep.path))?;
        let sc = &loaded.scenario;
        let seed = seed.unwrap_or(sc.seed);
        manifest.get_or_insert_with(|| SweepManifest {
            scenario: scenario_info(&loaded),
            seed,
            sweep: SweepInfo {
                parameter: sweep.path.clone(),
                values: sweep.values.iter().map(|v| v.number).collect(),
                unit: sweep.unit.clone(),
            },
            fixed_overrides: fixed
                .iter()
                .map(|o| format!("{}={}", o.path, o.value))
                .collect(),
            lockout_version: env!("CARGO_PKG_VERSION").to_string(),
            currency: sc.currency.clone(),
            price_year: sc.price_year,
            confidence_level: crate::stats::CI_LEVEL,
        });
        let (tally, pools) = match &sc.region {
            Some(region) => {
                let run = crate::run::periods::run(
                    sc,
                    region,
                    seed,
                    periods.unwrap_or(region.periods),
                    threads,
                    false,
                    None,
                )?;
                let pools: Vec<Vec<PoolColumns>> = run
                    .pools
                    .iter()
                    .map(|per_strategy| {
                        region
                            .pools
                            .iter()
                            .zip(per_strategy)
                            .map(|(p, t)| {
                                let q = t.queue_wait_sketch.quantiles(&[0.5, 0.9, 0.99]);
                                PoolColumns {
                                    pool: p.name.clone(),
                                    utilisation: finite(t.utilisation()),
                                    queue_wait: [finite(q[0]), finite(q[1]), finite(q[2])],
                                    abandoned_calls: Some(t.abandoned),
                                }
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
        let rows = tables::summarise(sc, &tally, None);
        for (r, pools) in rows.iter().zip(&pools) {
            // An incident-level scenario: no pool, so no call was abandoned.
            let no_pool = PoolColumns {
                abandoned_calls: Some(0),
                ..PoolColumns::default()
            };
            let pool_rows: Vec<&PoolColumns> = if pools.is_empty() {
                vec![&no_pool]
            } else {
                pools.iter().collect()
            };
            for p in pool_rows {
                w.write(&SweepRow {
                    parameter: sweep.path.clone(),
                    value: SweptValue {
                        text: sv.text.clone(),
                        number: sv.number,
                    },
                    unit: sweep.unit.clone().unwrap_or_default(),
                    strategy: r.strategy.clone(),
                    incidents: r.incidents,
                    time_to_access_mean_min: finite(r.time_to_access_mean_min),
                    time_to_access_ci95_low_min: finite(r.time_to_access_ci95_low_min),
                    time_to_access_ci95_high_min: finite(r.time_to_access_ci95_high_min),
                    time_to_access_p90_min: finite(r.time_to_access_p90_min),
                    total_cost_mean: finite(r.total_cost_mean),
                    total_cost_ci95_low: finite(r.total_cost_ci95_low),
                    total_cost_ci95_high: finite(r.total_cost_ci95_high),
                    unresolved_rate: finite(r.unresolved_rate),
                    annual_cost_per_vehicle: finite(r.annual_cost_per_vehicle),
                    pool: p.pool.clone(),
                    utilisation: p.utilisation,
                    queue_wait_p50_min: p.queue_wait[0],
                    queue_wait_p90_min: p.queue_wait[1],
                    queue_wait_p99_min: p.queue_wait[2],
                    abandoned_calls: p.abandoned_calls,
                    currency: sc.currency.clone(),
                    price_year: sc.price_year,
                })?;
            }
        }
        eprintln!("{} = {value}: done", sweep.path);
    }
    let bytes = w.finish()?;
    output::write(&staged.path().join("sweep.csv"), &bytes)?;
    if let Some(m) = manifest {
        // Through a `Value`, whose maps are sorted: the keys in alphabetical order.
        let json = serde_json::to_value(&m)?;
        output::write(
            &staged.path().join("run.json"),
            (serde_json::to_string_pretty(&json)? + "\n").as_bytes(),
        )?;
    }
    if plots {
        crate::report::figures::draw_sweep_figures(staged.path())
            .context("cannot draw the sweep figures")?;
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
        let numbers: Vec<f64> = s.values.iter().map(|v| v.number).collect();
        assert_eq!(numbers, [2.0, 3.0, 4.0, 5.0]);
        let texts = |s: &SweepSpec| s.values.iter().map(|v| v.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&s), ["2", "3", "4", "5"]);
        let s = SweepSpec::parse("remedy.locksmith.success=0.5..0.7:0.1").unwrap();
        assert_eq!(texts(&s), ["0.5", "0.6", "0.7"]);
        assert!(
            SweepSpec::parse("x=0.5..0.7")
                .unwrap_err()
                .contains("give a step")
        );
        assert!(SweepSpec::parse("x=5..2").is_err());
    }

    #[test]
    fn values_are_exact_in_decimal() {
        let s = SweepSpec::parse("x=0.05..0.10:0.01").unwrap();
        let texts: Vec<&str> = s.values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(texts, ["0.05", "0.06", "0.07", "0.08", "0.09", "0.1"]);
        let numbers: Vec<f64> = s.values.iter().map(|v| v.number).collect();
        assert_eq!(numbers, [0.05, 0.06, 0.07, 0.08, 0.09, 0.1]);
        // b is included only when it lands on a step.
        let s = SweepSpec::parse("x=0.1..0.35:0.1").unwrap();
        assert_eq!(s.values.last().unwrap().text, "0.3");
        let s = SweepSpec::parse("x=-1..1:0.5").unwrap();
        assert_eq!(s.values[0].text, "-1");
        assert_eq!(s.values[1].toml(None), toml::Value::Float(-0.5));
        assert_eq!(s.values[2].toml(None), toml::Value::Integer(0));
        assert!(SweepSpec::parse("x=1e-2..2e-2:1e-3").is_err());
    }

    #[test]
    fn durations_sweep_in_the_smallest_unit() {
        let s = SweepSpec::parse("remedy.locksmith.duration=10 min..30 min:10 min").unwrap();
        assert_eq!(s.unit.as_deref(), Some("min"));
        let v: Vec<toml::Value> = s.values.iter().map(|v| v.toml(Some("min"))).collect();
        assert_eq!(v[1], toml::Value::String("20 min".into()));
        let s = SweepSpec::parse("horizon=1 h..2 h:30 min").unwrap();
        let texts: Vec<&str> = s.values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(texts, ["60", "90", "120"]);
        let s = SweepSpec::parse("horizon=0.5 h..1.5 h:0.25 h").unwrap();
        assert_eq!(s.unit.as_deref(), Some("h"));
        assert_eq!(s.values[1].text, "0.75");
        assert!(
            SweepSpec::parse("horizon=1 h..2:1")
                .unwrap_err()
                .contains("unit")
        );
        assert!(
            SweepSpec::parse("horizon=1 yr..2 yr:1 yr")
                .unwrap_err()
                .contains("unknown unit")
        );
    }
}
