//! Parts of a sharded `lockout uncertainty` run: each part simulates a contiguous range of the
//! parameter draws (part 1 also the one-way runs) and writes `uncertainty-state.json`, in the
//! layout of `state.json` ([`super::shard::envelope_as`]: format, SHA-256 of the state, state);
//! `lockout merge` checks every part and concludes from all the draws, giving tables
//! byte-identical to a single run (each draw's figures are exact functions of its own
//! incidents, written with round-trip floats).

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::shard::{envelope_as, open_envelope_as};
use super::uncertainty::DrawFigures;
use crate::units::Shard;

/// File name of a part's state.
pub const UNCERTAINTY_STATE_FILE: &str = "uncertainty-state.json";

/// Format tag of [`UncertaintyState`].
pub const UNCERTAINTY_STATE_FORMAT: &str = "lockout-uncertainty-state/1";

/// Everything that must agree between parts of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncertaintyIdentity {
    /// Scenario path as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// `--set` overrides.
    pub overrides: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// Parameter draws of the whole run.
    pub draws: u64,
    /// Incidents per draw.
    pub incidents_per_draw: u64,
    /// lockout version.
    pub lockout_version: String,
    /// Math backend.
    pub math_backend: String,
    /// Generator.
    pub generator: String,
    /// SHA-256 of the joint sample file, if the parameters come from one.
    #[serde(default)]
    pub samples_sha256: Option<String>,
}

/// What a part writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UncertaintyState {
    /// [`UNCERTAINTY_STATE_FORMAT`].
    pub format: String,
    /// What run this is part of.
    pub identity: UncertaintyIdentity,
    /// Which part.
    pub shard: Shard,
    /// Draws simulated, `[start, end)`.
    pub simulated: [u64; 2],
    /// Each simulated draw's parameter values.
    pub values: Vec<Vec<f64>>,
    /// Each simulated draw's figures.
    pub figures: Vec<DrawFigures>,
    /// Part 1: the one-way runs (empty in the other parts).
    pub one_way: Vec<DrawFigures>,
    /// Threads the part used.
    pub threads: usize,
    /// Wall-clock seconds the part took.
    pub wall_time_s: f64,
}

impl UncertaintyState {
    /// What a part must satisfy on its own: a valid shard, exactly its share of the draws,
    /// one set of values and figures per draw, every number finite, the one-way runs in
    /// part 1 only.
    pub fn validate(&self) -> Result<(), String> {
        let Shard { index, count } = self.shard;
        if index == 0 || index > count || count > self.identity.draws {
            return Err(format!(
                "part {index} of {count} of {} draws",
                self.identity.draws
            ));
        }
        let range = self.shard.chunks(self.identity.draws);
        if self.simulated != [range.start, range.end] {
            return Err(format!(
                "draws {:?} simulated, but part {index}/{count} is draws {range:?}",
                self.simulated
            ));
        }
        let n = (range.end - range.start) as usize;
        if self.values.len() != n || self.figures.len() != n {
            return Err(format!(
                "{} draws of values and {} of figures for {n} draws",
                self.values.len(),
                self.figures.len()
            ));
        }
        if (index == 1) == self.one_way.is_empty() {
            return Err("the one-way runs belong to part 1, and only to it".into());
        }
        let finite = |f: &DrawFigures| {
            f.rate.is_finite()
                && f.value_of_time_per_hour.is_finite()
                && f.strategies.iter().all(|s| {
                    [
                        s.annual,
                        s.annual_se,
                        s.diff,
                        s.diff_se,
                        s.total_cost_mean,
                        s.time_mean_min,
                        s.prevention,
                        s.incident_cost,
                        s.time_min_per_year,
                    ]
                    .iter()
                    .all(|x| x.is_finite())
                })
        };
        if !self.figures.iter().chain(&self.one_way).all(finite)
            || !self.values.iter().flatten().all(|x| x.is_finite())
        {
            return Err("a value is not a finite number".into());
        }
        Ok(())
    }
}

/// The bytes of `uncertainty-state.json` for `state`.
pub fn state_bytes(state: &UncertaintyState) -> anyhow::Result<Vec<u8>> {
    Ok(envelope_as(
        UNCERTAINTY_STATE_FORMAT,
        &serde_json::to_vec(state)?,
    ))
}

/// Reads a part from its directory: layout, digest, JSON and the part's own invariants; every
/// error names the file.
pub fn read_uncertainty_state(dir: &Path) -> anyhow::Result<UncertaintyState> {
    let path = dir.join(UNCERTAINTY_STATE_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "{} is not an uncertainty part (no readable {UNCERTAINTY_STATE_FILE}; parts are \
             written by `lockout uncertainty --shard K/N`)",
            dir.display()
        )
    })?;
    let (digest, body) = open_envelope_as(
        &bytes,
        "lockout-uncertainty-state/",
        UNCERTAINTY_STATE_FORMAT,
        "lockout uncertainty state",
        "parts are written by `lockout uncertainty --shard K/N`",
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let actual = crate::digest::sha256_hex(body);
    if actual != digest {
        bail!(
            "{}: damaged or edited: the state's SHA-256 is {actual}, not the {digest} recorded \
             when it was written (run the part again)",
            path.display()
        );
    }
    let state: UncertaintyState = serde_json::from_slice(body)
        .with_context(|| format!("{}: not a valid lockout uncertainty state", path.display()))?;
    if state.format != UNCERTAINTY_STATE_FORMAT {
        bail!("{}: format {}", path.display(), state.format);
    }
    state
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: invalid part: {e}", path.display()))?;
    Ok(state)
}

/// What the parts of a run give together: their identity, every draw's values and figures
/// in draw order, and the one-way runs.
pub type Merged = (
    UncertaintyIdentity,
    Vec<Vec<f64>>,
    Vec<DrawFigures>,
    Vec<DrawFigures>,
);

/// The draws of all parts in order, after checking that they are the parts of one run, each
/// exactly once: (values, figures, one-way runs).
pub fn merge_parts(parts: &[(String, UncertaintyState)]) -> anyhow::Result<Merged> {
    let Some((first_dir, first)) = parts.first() else {
        bail!("merge needs at least one part directory");
    };
    let id = &first.identity;
    let count = first.shard.count;
    let mut seen = vec![false; count as usize];
    for (dir, p) in parts {
        if &p.identity != id {
            bail!(
                "{dir} and {first_dir} are parts of different runs (scenario, overrides, seed, draws, incidents, version or generator differ)"
            );
        }
        if p.shard.count != count {
            bail!(
                "{dir} is part of {} parts, {first_dir} of {count}",
                p.shard.count
            );
        }
        let k = (p.shard.index - 1) as usize;
        if seen[k] {
            bail!("part {} of {count} is given twice ({dir})", p.shard.index);
        }
        seen[k] = true;
    }
    if let Some(k) = seen.iter().position(|s| !s) {
        bail!("part {} of {count} is missing", k + 1);
    }
    let mut ordered: Vec<&UncertaintyState> = parts.iter().map(|(_, p)| p).collect();
    ordered.sort_by_key(|p| p.shard.index);
    let strategies = ordered[0].one_way[0].strategies.len();
    let parameters = ordered[0].values.first().map_or(0, Vec::len);
    let mut values = Vec::new();
    let mut figures = Vec::new();
    for p in &ordered {
        if p.figures.iter().any(|f| f.strategies.len() != strategies)
            || p.values.iter().any(|v| v.len() != parameters)
        {
            bail!(
                "part {} has another number of strategies or parameters",
                p.shard.index
            );
        }
        values.extend(p.values.iter().cloned());
        figures.extend(p.figures.iter().cloned());
    }
    Ok((id.clone(), values, figures, ordered[0].one_way.clone()))
}
