//! How a run is cut into units of work: incidents into chunks of a fixed size, a run's units
//! (chunks or periods) into shards of contiguous ranges. Plain data shared by the runner, which
//! simulates the units, and the report layer, which records and checks shard parts.

use std::ops::Range;

/// Incidents per chunk: the unit of parallel work and of progress.
pub const CHUNK_INCIDENTS: u64 = 1 << 14;

/// One part of a run split across machines: part `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This part, from 1.
    pub index: u64,
    /// Number of parts.
    pub count: u64,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: expected K/N, e.g. 2/8"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text}: K is not a number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text}: N is not a number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("--shard {text}: need 1 <= K <= N"));
        }
        if n > crate::limits::MAX_SHARDS {
            return Err(format!(
                "--shard {text}: at most {} parts",
                crate::limits::MAX_SHARDS
            ));
        }
        Ok(Shard { index: k, count: n })
    }

    /// The contiguous chunks of this part among `n_chunks`: `[⌊(K−1)·C/N⌋, ⌊K·C/N⌋)`.
    pub fn chunks(self, n_chunks: u64) -> Range<u64> {
        let at = |k: u64| ((k as u128 * n_chunks as u128) / self.count as u128) as u64;
        at(self.index - 1)..at(self.index)
    }
}
