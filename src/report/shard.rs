//! Partial state of a sharded run (`state.json`), and the checks before parts are merged.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::runner::Shard;
use crate::tally::RunTally;

/// File name of a shard's partial state.
pub const STATE_FILE: &str = "state.json";

/// Format tag of [`ShardState`], bumped when its layout changes.
pub const STATE_FORMAT: &str = "lockout-shard-state/1";

/// Everything that must agree between parts of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// Scenario path as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// `--set` overrides.
    pub overrides: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// Total incidents of the whole run (0 for a region run).
    pub incidents: u64,
    /// Total periods of a region run.
    #[serde(default)]
    pub periods: Option<u64>,
    /// lockout version.
    pub lockout_version: String,
    /// Math backend.
    pub math_backend: String,
    /// Generator.
    pub generator: String,
}

/// The partial state a shard writes: its identity, which part it is, and its tally.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardState {
    /// [`STATE_FORMAT`].
    pub format: String,
    /// What run this is part of.
    pub identity: RunIdentity,
    /// Which part.
    pub shard: Shard,
    /// Incidents simulated, `[start, end)`.
    pub simulated: [u64; 2],
    /// Threads the part used.
    pub threads: usize,
    /// Wall-clock seconds the part took.
    pub wall_time_s: f64,
    /// The part's statistics (for a region part: empty, its tally is in `region`).
    pub tally: RunTally,
    /// For a region run: the part's periods.
    #[serde(default)]
    pub region: Option<crate::region::Partial>,
}

/// Reads a part's state from its directory.
pub fn read_state(dir: &Path) -> anyhow::Result<ShardState> {
    let path = dir.join(STATE_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} is not a shard directory (no readable {STATE_FILE}; shards are written by `lockout run --shard K/N`)",
            dir.display()
        )
    })?;
    let state: ShardState = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a lockout shard state", path.display()))?;
    if state.format != STATE_FORMAT {
        bail!(
            "{}: shard state format {} (this lockout reads {STATE_FORMAT})",
            path.display(),
            state.format
        );
    }
    Ok(state)
}

/// Checks that `parts` are exactly the parts 1..=N of one run and merges their tallies.
pub fn merge_parts(parts: &[(String, ShardState)]) -> anyhow::Result<(RunIdentity, RunTally)> {
    let Some((first_dir, first)) = parts.first() else {
        bail!("merge needs at least one shard directory");
    };
    let id = &first.identity;
    for (dir, p) in parts {
        let other = &p.identity;
        let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            anyhow::anyhow!(
                "{dir} and {first_dir} are parts of different runs: {what} differs ({b:?} vs {a:?})"
            )
        };
        if other.scenario_sha256 != id.scenario_sha256 {
            return Err(differs(
                "scenario (sha256)",
                &id.scenario_sha256,
                &other.scenario_sha256,
            ));
        }
        if other.overrides != id.overrides {
            return Err(differs("--set overrides", &id.overrides, &other.overrides));
        }
        if other.seed != id.seed {
            return Err(differs("seed", &id.seed, &other.seed));
        }
        if other.incidents != id.incidents {
            return Err(differs("incidents", &id.incidents, &other.incidents));
        }
        if other.periods != id.periods {
            return Err(differs("periods", &id.periods, &other.periods));
        }
        if other.lockout_version != id.lockout_version {
            return Err(differs(
                "lockout version",
                &id.lockout_version,
                &other.lockout_version,
            ));
        }
        if other.math_backend != id.math_backend || other.generator != id.generator {
            return Err(differs(
                "math backend or generator",
                &id.math_backend,
                &other.math_backend,
            ));
        }
        if p.shard.count != first.shard.count {
            return Err(differs("shard count N", &first.shard.count, &p.shard.count));
        }
    }
    let n = first.shard.count;
    if n == 0 || n > crate::limits::MAX_SHARDS || id.incidents > crate::limits::MAX_INCIDENTS {
        bail!(
            "{first_dir}: not a valid shard state (shard count {n}, incidents {}; at most {} \
             parts of at most {} incidents)",
            id.incidents,
            crate::limits::MAX_SHARDS,
            crate::limits::MAX_INCIDENTS
        );
    }
    for (dir, p) in parts {
        if p.shard.index == 0 || p.shard.index > n {
            bail!(
                "{dir}: not a valid shard state (part {}/{n})",
                p.shard.index
            );
        }
        let region_shape = match (&p.region, &first.region) {
            (Some(a), Some(b)) => a.same_shape(b),
            (None, None) => true,
            _ => false,
        };
        if !p.tally.same_shape(&first.tally) || !region_shape {
            bail!(
                "{dir} and {first_dir}: their statistics have different shapes (a damaged state?)"
            );
        }
    }
    let mut seen = vec![None::<&str>; n as usize];
    for (dir, p) in parts {
        let slot = &mut seen[(p.shard.index - 1) as usize];
        if let Some(earlier) = slot {
            bail!(
                "shard {}/{n} is given twice ({earlier} and {dir})",
                p.shard.index
            );
        }
        *slot = Some(dir);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{n}", i + 1))
        .collect();
    if !missing.is_empty() {
        bail!("incomplete shard set: missing {}", missing.join(", "));
    }
    let mut tally = first.tally.clone();
    for (_, p) in &parts[1..] {
        tally.merge(&p.tally);
    }
    tally
        .check_exact()
        .context("the merged parts cannot be reported exactly")?;
    Ok((id.clone(), tally))
}
