//! Every limit of the engine, in one place: what `lockout check` accepts, `lockout run`
//! completes in bounded memory and time, and every statistic it reports is exact.
//!
//! Each bound is derived from the work or the state it implies. The scenario-file limits are
//! checked when a scenario is loaded (so `check` refuses them with the file, line, field and
//! rule; see [`crate::scenario::compile::check_limits`] and the region's compile step); the
//! command-line limits are checked before anything is simulated
//! (`run::check_run_options`), with
//! an error that names the option. Results that would still leave the exact range at run time
//! (a tail draw beyond the checked quantile, a damaged shard state) are errors, never numbers:
//! the accumulators flag an overflow ([`crate::stats::Moments::overflowed`]) and the runner,
//! the region run and `merge` refuse to report a flagged statistic.

/// Most incidents in one run (`incidents`, `--incidents`, `--max-incidents`): 2^36 ≈ 6.9e10,
/// so that the sums of squares of per-incident values of at most [`MAX_VALUE`] fit the
/// statistics' `i128` (2^36 · (2^25 · 2^20)^2 = 2^126 < 2^127).
pub const MAX_INCIDENTS: u64 = 1 << 36;

/// Largest per-incident value (minutes, or money in the scenario currency) that the exact
/// fixed-point statistics hold for [`MAX_INCIDENTS`] incidents: 2^25 = 33,554,432 (about 64
/// years in minutes). `check` refuses a scenario whose time to access, cost or total cost of one
/// incident can exceed it with more than [`TAIL_PROBABILITY`] per distribution.
pub const MAX_VALUE: f64 = 33_554_432.0;

/// Largest aggregate loss of one period of a region run (expected arrivals × the worst loss of
/// one incident): 2^33 ≈ 8.6e9 currency units, so that the sums of squares of period losses
/// over [`MAX_PERIODS`] periods fit an `i128` (2^20 · (2^33 · 2^20)^2 = 2^126).
pub const MAX_PERIOD_LOSS: f64 = 8_589_934_592.0;

/// The tail probability of the quantile `check` compares with the range: a distribution whose
/// quantile of order 1 − 10^-12 (its maximum when bounded) is beyond the range is refused.
pub const TAIL_PROBABILITY: f64 = 1e-12;

/// Most strategies in one scenario: the outcomes of one incident under every strategy live on
/// the stack of the hot loop ([`crate::run::incidents::Evaluator`]).
pub const MAX_STRATEGIES: usize = 32;

/// Most steps in one policy: a remedy's tries are counted in a `u8`, so at most 255 tries, each
/// with its own random stream.
pub const MAX_POLICY_STEPS: usize = 255;

/// Most (segment, driver profile, place) cells times strategies: the per-strategy accumulators
/// of every worker thread hold one cell each (about 100 bytes): 10^6 cells, about 100 MB a
/// thread.
pub const MAX_CELLS: u64 = 1_000_000;

/// Most worker threads (`--threads`).
pub const MAX_THREADS: usize = 1024;

/// Most parameter draws of `lockout uncertainty`: its tables keep a row per draw and strategy,
/// and the analysis holds every draw's figures in memory (about 100 B per draw and strategy).
pub const MAX_DRAWS: u64 = 1_000_000;

/// Most shards (`--shard K/N`): `merge` keeps one slot per part. A shard count must also be at
/// most the number of chunks of 16,384 incidents (or of periods), so no part is empty.
pub const MAX_SHARDS: u64 = 1_000_000;

/// Most periods of a region run (`periods`, `--periods`): every period keeps a row per
/// strategy and perspective in memory and in a shard's state.
pub const MAX_PERIODS: u64 = 1_000_000;

/// Most year-loss rows (periods × strategies × perspectives) of a region run: about 100 bytes
/// each in memory, more in a shard's JSON state.
pub const MAX_LOSS_ROWS: u64 = 10_000_000;

/// Most expected events per period of a region run: lockout candidates (vehicles × incident
/// rate × the highest strategy multiplier) plus every pool's other calls (per hour × 8,760).
/// A period's draws are held in memory (about 100 bytes an event) and simulated on one thread:
/// 10^7 events is about 1 GB and some seconds per period and strategy.
pub const MAX_EVENTS_PER_PERIOD: f64 = 1e7;

/// Most vehicles in a region: a period keeps a call counter per vehicle (4 bytes) on each
/// worker thread, 400 MB at this bound.
pub const MAX_VEHICLES: u64 = 100_000_000;

/// Most responder pools in a region (pool indices are 16-bit; every strategy keeps a tally per
/// pool).
pub const MAX_POOLS: usize = 1000;

/// `--threads`: at most [`MAX_THREADS`] (0 means one per core).
pub fn check_threads(threads: usize) -> Result<(), String> {
    if threads > MAX_THREADS {
        return Err(format!(
            "--threads {threads}: at most {MAX_THREADS} worker threads (0: one per core)"
        ));
    }
    Ok(())
}

/// An incident count given by `option`: 1 to [`MAX_INCIDENTS`].
pub fn check_incidents(option: &str, n: u64) -> Result<(), String> {
    if n == 0 || n > MAX_INCIDENTS {
        return Err(format!(
            "{option} {n}: must be from 1 to {MAX_INCIDENTS} (2^36; the exact statistics' range)"
        ));
    }
    Ok(())
}

/// `--periods`: 1 to [`MAX_PERIODS`], and at most [`MAX_LOSS_ROWS`] year-loss rows.
pub fn check_periods(periods: u64, strategies: usize, insured: bool) -> Result<(), String> {
    if periods == 0 || periods > MAX_PERIODS {
        return Err(format!(
            "--periods {periods}: must be from 1 to {MAX_PERIODS}"
        ));
    }
    let rows = periods * strategies as u64 * if insured { 2 } else { 1 };
    if rows > MAX_LOSS_ROWS {
        return Err(format!(
            "--periods {periods}: {rows} year-loss rows (periods × {strategies} strategies{}) is \
             more than {MAX_LOSS_ROWS}; use fewer periods",
            if insured { " × 2 perspectives" } else { "" }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_range_fits_the_sums_of_squares() {
        // Σq² over MAX_INCIDENTS values of at most MAX_VALUE fits an i128.
        let q = (MAX_VALUE as i128) << 20;
        assert!((MAX_INCIDENTS as i128).checked_mul(q * q).is_some());
        const { assert!(MAX_INCIDENTS <= 1 << 36) };
        let q = (MAX_PERIOD_LOSS as i128) << 20;
        assert!((MAX_PERIODS as i128).checked_mul(q * q).is_some());
        // A value at the range quantises without saturating.
        const { assert!(MAX_PERIOD_LOSS * 1_048_576.0 < i64::MAX as f64) };
    }

    #[test]
    fn options_at_and_past_their_limits() {
        assert!(check_threads(MAX_THREADS).is_ok());
        assert!(
            check_threads(MAX_THREADS + 1)
                .unwrap_err()
                .contains("--threads")
        );
        assert!(check_incidents("--incidents", MAX_INCIDENTS).is_ok());
        let e = check_incidents("--incidents", MAX_INCIDENTS + 1).unwrap_err();
        assert!(e.contains("--incidents"), "{e}");
        assert!(check_periods(MAX_PERIODS, 1, true).is_ok());
        assert!(check_periods(MAX_PERIODS + 1, 1, false).is_err());
        assert!(check_periods(MAX_LOSS_ROWS / 10, 10, false).is_ok());
        assert!(check_periods(MAX_LOSS_ROWS / 10, 10, true).is_err());
    }
}
