//! Partial state of a sharded run (`state.json`), and the checks before parts are merged.
//!
//! `state.json` is `{"format":"lockout-shard-state/2","sha256":"<hex>","state":<state>}`, in
//! exactly that layout, where `<hex>` is the SHA-256 of the bytes of `<state>` as written (a
//! [`ShardState`] as JSON). `merge` reads a part in four steps, each refusing with an error that
//! names the file: the layout and format; the digest (a truncated, damaged or edited file);
//! the state's JSON; then every structural invariant, first on its own ([`ShardState::validate`])
//! and then against the scenario ([`validate_parts`]). Parts are then added with checked
//! arithmetic. Nothing read allocates by a number inside the file.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::model::Scenario;
use crate::tally::RunTally;
use crate::units::{CHUNK_INCIDENTS, Shard};

/// File name of a shard's partial state.
pub const STATE_FILE: &str = "state.json";

/// Format tag of [`ShardState`] and of the `state.json` envelope, bumped when either changes
/// (2: the envelope with the state's SHA-256).
pub const STATE_FORMAT: &str = "lockout-shard-state/2";

/// Threads a part can plausibly have used (a bound on a number read from the file).
const MAX_THREADS: usize = 1 << 16;

/// Wall-clock seconds a part can plausibly have taken (about 32 years).
const MAX_WALL_TIME_S: f64 = 1e9;

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
    pub region: Option<crate::losses::Partial>,
}

/// The bytes of `state.json` for `state`: the envelope with the state's SHA-256.
pub fn state_file_bytes(state: &ShardState) -> anyhow::Result<Vec<u8>> {
    Ok(envelope(&serde_json::to_vec(state)?))
}

/// The bytes of `state.json` around the state's JSON `body`, with its SHA-256.
pub fn envelope(body: &[u8]) -> Vec<u8> {
    envelope_as(STATE_FORMAT, body)
}

/// The bytes of a state file of format `format` around the state's JSON `body`, with its
/// SHA-256 (the layout of `state.json`, shared by `lockout uncertainty`'s parts).
pub fn envelope_as(format: &str, body: &[u8]) -> Vec<u8> {
    let digest = crate::digest::sha256_hex(body);
    let mut out = format!(r#"{{"format":"{format}","sha256":"{digest}","state":"#).into_bytes();
    out.extend_from_slice(body);
    out.extend_from_slice(b"}\n");
    out
}

/// Splits `state.json` into the recorded digest and the state's bytes, checking the layout.
fn open_envelope(bytes: &[u8]) -> Result<(&str, &[u8]), String> {
    open_envelope_as(
        bytes,
        "lockout-shard-state/",
        STATE_FORMAT,
        "lockout shard state",
        "state.json starts with {\"format\":\"lockout-shard-state/...\"}; shards are written by \
         `lockout run --shard K/N`",
    )
}

/// Splits a state file written by [`envelope_as`] into the recorded digest and the state's
/// bytes, checking the layout and that the format is `format` (of the family `family`; `what`
/// names such a file, `hint` says what it looks like and who writes it).
pub fn open_envelope_as<'a>(
    bytes: &'a [u8],
    family: &str,
    format: &str,
    what: &str,
    hint: &str,
) -> Result<(&'a str, &'a [u8]), String> {
    const FORMAT: &[u8] = br#"{"format":""#;
    let expected = format;
    let not_ours = || format!("not a {what} ({hint})");
    let rest = bytes.strip_prefix(FORMAT).ok_or_else(not_ours)?;
    let end = rest
        .iter()
        .take(64)
        .position(|&b| b == b'"')
        .ok_or_else(not_ours)?;
    let format = std::str::from_utf8(&rest[..end]).map_err(|_| not_ours())?;
    if !format.starts_with(family) {
        return Err(not_ours());
    }
    if format != expected {
        return Err(format!(
            "shard state format {format} (this lockout reads {expected}; run the shard again \
             with this lockout)"
        ));
    }
    let damaged = |what: &str| {
        format!("damaged: {what} (the file is truncated or was edited; run the shard again)")
    };
    let rest = rest[end..]
        .strip_prefix(br#"","sha256":""#)
        .ok_or_else(|| damaged("no content digest after the format"))?;
    let digest = rest
        .get(..64)
        .and_then(|d| std::str::from_utf8(d).ok())
        .filter(|d| {
            d.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        .ok_or_else(|| damaged("the content digest is not 64 hexadecimal digits"))?;
    let body = rest[64..]
        .strip_prefix(br#"","state":"#)
        .ok_or_else(|| damaged("no state after the digest"))?;
    let body = body.trim_ascii_end();
    let body = body
        .strip_suffix(b"}")
        .ok_or_else(|| damaged("it does not end where the state ends"))?;
    Ok((digest, body))
}

/// Reads a part's state from its directory: checks the layout, the digest, the JSON and the
/// part's own invariants ([`ShardState::validate`]); every error names the file.
pub fn read_state(dir: &Path) -> anyhow::Result<ShardState> {
    let path = dir.join(STATE_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "{} is not a shard directory (no readable {STATE_FILE}; shards are written by `lockout run --shard K/N`)",
            dir.display()
        )
    })?;
    let (digest, body) =
        open_envelope(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let actual = crate::digest::sha256_hex(body);
    if actual != digest {
        bail!(
            "{}: damaged or edited: the state's SHA-256 is {actual}, not the {digest} recorded when \
             it was written (run the shard again)",
            path.display()
        );
    }
    let state: ShardState = serde_json::from_slice(body)
        .with_context(|| format!("{}: not a valid lockout shard state", path.display()))?;
    if state.format != STATE_FORMAT {
        bail!(
            "{}: shard state format {} (this lockout reads {STATE_FORMAT})",
            path.display(),
            state.format
        );
    }
    state
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: invalid shard state: {e}", path.display()))?;
    Ok(state)
}

impl ShardState {
    /// Checks what a part must satisfy on its own: shard index in 1..=count, a plausible
    /// thread count and wall time, a run of at least one incident (or period) whose size times
    /// the strategies fits in 64 bits, the simulated range exactly this shard's share, the
    /// tally counting exactly the simulated incidents, and region state exactly when the run
    /// is a region run. `Err` says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let Shard { index, count } = self.shard;
        if index == 0 || index > count {
            return Err(format!("shard {index}/{count}: need 1 <= K <= N"));
        }
        if !(1..=MAX_THREADS).contains(&self.threads) {
            return Err(format!(
                "threads {} is not in 1..={MAX_THREADS}",
                self.threads
            ));
        }
        if !(self.wall_time_s >= 0.0 && self.wall_time_s <= MAX_WALL_TIME_S) {
            return Err(format!(
                "wall_time_s {} is not in [0, {MAX_WALL_TIME_S}]",
                self.wall_time_s
            ));
        }
        let id = &self.identity;
        let n_strategies = self
            .tally
            .strategies
            .len()
            .min(crate::limits::MAX_STRATEGIES) as u64;
        let [start, end] = self.simulated;
        let expected = match (id.periods, &self.region) {
            (None, None) => {
                let incidents = id.incidents;
                if incidents == 0 || incidents.checked_mul(n_strategies.max(1)).is_none() {
                    return Err(format!("incidents {incidents} is not a run's size"));
                }
                let chunks = self.shard.chunks(incidents.div_ceil(CHUNK_INCIDENTS));
                let at = |c: u64| {
                    (u128::from(c) * u128::from(CHUNK_INCIDENTS)).min(u128::from(incidents)) as u64
                };
                let expected = [at(chunks.start), at(chunks.end)];
                if self.tally.incidents != end.wrapping_sub(start) || !self.tally.paired {
                    return Err(format!(
                        "its tally counts {} incidents, but it simulated incidents {start}..{end}",
                        self.tally.incidents
                    ));
                }
                expected
            }
            (Some(periods), Some(_)) => {
                if periods == 0 || id.incidents != 0 {
                    return Err(format!(
                        "a region run of {periods} periods and {} incidents",
                        id.incidents
                    ));
                }
                let share = self.shard.chunks(periods);
                [share.start + 1, share.end + 1]
            }
            _ => {
                return Err(
                    "periods and region state must be both present (a region run) or both absent"
                        .into(),
                );
            }
        };
        if self.simulated != expected {
            return Err(format!(
                "simulated {start}..{end}, but shard {index}/{count} of this run simulates {}..{}",
                expected[0], expected[1]
            ));
        }
        Ok(())
    }
}

/// Checks that `parts` (directory, state) are exactly the parts 1..=N of one run: the same
/// identity and shard count, every index once. Returns the run's identity.
pub fn check_parts(parts: &[(String, ShardState)]) -> anyhow::Result<RunIdentity> {
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
    if n > crate::limits::MAX_SHARDS || id.incidents > crate::limits::MAX_INCIDENTS {
        bail!(
            "{first_dir}: not a valid shard state (shard count {n}, incidents {}; at most {} \
             parts of at most {} incidents)",
            id.incidents,
            crate::limits::MAX_SHARDS,
            crate::limits::MAX_INCIDENTS
        );
    }
    // Indices are in 1..=n (validated); n itself is a number from the file: never allocate
    // by it.
    let mut given: Vec<(u64, &str)> = parts
        .iter()
        .map(|(dir, p)| (p.shard.index, dir.as_str()))
        .collect();
    given.sort_by_key(|&(k, _)| k);
    for pair in given.windows(2) {
        if pair[0].0 == pair[1].0 {
            bail!(
                "shard {}/{n} is given twice ({} and {})",
                pair[0].0,
                pair[0].1,
                pair[1].1
            );
        }
    }
    if given.len() as u64 != n {
        let mut missing = Vec::new();
        // (In 128 bits: n may be u64::MAX.)
        let mut next = 1u128;
        for k in given
            .iter()
            .map(|&(k, _)| u128::from(k))
            .chain([u128::from(n) + 1])
        {
            while next < k && missing.len() < 10 {
                missing.push(format!("{next}/{n}"));
                next += 1;
            }
            next = k + 1;
        }
        let more = n - given.len() as u64 - missing.len() as u64;
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        bail!("incomplete shard set: missing {}{more}", missing.join(", "));
    }
    Ok(id.clone())
}

/// The path of a part's state file, for messages.
fn state_path(dir: &str) -> String {
    Path::new(dir).join(STATE_FILE).display().to_string()
}

/// Checks every part against the scenario it was run from: the kind of run (incident level
/// or region), the tally's and region state's shapes (strategies, remedies, cells, pools),
/// and their counts. Every error names the part's file.
pub fn validate_parts(parts: &[(String, ShardState)], scenario: &Scenario) -> anyhow::Result<()> {
    for (dir, p) in parts {
        let check = || -> Result<(), String> {
            if p.tally.strategies.len() > crate::limits::MAX_STRATEGIES
                || p.identity
                    .incidents
                    .checked_mul(scenario.strategies.len() as u64)
                    .is_none()
            {
                return Err("more strategies or incidents than a run can have".into());
            }
            match (&scenario.region, &p.region) {
                (Some(region), Some(partial)) => {
                    p.tally
                        .validate(&RunTally::new_unpaired(scenario))
                        .map_err(|e| format!("tally: {e}"))?;
                    if p.tally.iter().any(|t| t.time.count() != 0) {
                        return Err("a region part's incident tally must be empty".into());
                    }
                    let [start, end] = p.simulated;
                    partial.validate(scenario, region, start..end)
                }
                (None, None) => p
                    .tally
                    .validate(&RunTally::new(scenario))
                    .map_err(|e| format!("tally: {e}")),
                (Some(_), None) => Err("the scenario is a region, the part is not".into()),
                (None, Some(_)) => Err("the part is a region run, the scenario is not".into()),
            }
        };
        check().map_err(|e| {
            anyhow::anyhow!(
                "{}: invalid shard state for {}: {e}",
                state_path(dir),
                scenario.name
            )
        })?;
    }
    Ok(())
}

/// Adds up the incident tallies of validated parts, with checked arithmetic.
pub fn merge_tallies(parts: &[(String, ShardState)]) -> anyhow::Result<RunTally> {
    let Some(((_, first), rest)) = parts.split_first() else {
        bail!("merge needs at least one shard directory");
    };
    let mut tally = first.tally.clone();
    for (dir, p) in rest {
        tally.checked_merge(&p.tally).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot be added to the other parts: {e}",
                state_path(dir)
            )
        })?;
    }
    tally
        .check_exact()
        .context("the merged parts cannot be reported exactly")?;
    Ok(tally)
}

/// Adds up the region state of validated parts, with checked arithmetic.
pub fn merge_region(
    parts: Vec<(String, ShardState)>,
    scenario: &Scenario,
    region: &crate::model::region::Region,
) -> anyhow::Result<crate::losses::Partial> {
    let mut acc = crate::losses::Partial::empty(scenario, region);
    for (dir, p) in parts {
        let partial = p
            .region
            .with_context(|| format!("{dir} is not a part of a region run"))?;
        acc = acc.checked_merge(partial).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot be added to the other parts: {e}",
                state_path(&dir)
            )
        })?;
    }
    Ok(acc)
}
