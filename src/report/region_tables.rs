//! Region tables written by lockout itself: `responders.csv` and `waits.csv`. (The loss tables —
//! YLT, EP curves, insurer costs, ORD — are in [`super::loss_tables`].) The columns are those
//! of [`ResponderRow`] and [`WaitRow`].

use std::io::Write;

use super::schema::{ResponderRow, WaitRow, finite, write_rows};
use crate::losses::RegionRun;
use crate::model::Scenario;

/// Writes `responders.csv`: one row per (strategy, pool).
pub fn write_responders<W: Write>(out: W, sc: &Scenario, run: &RegionRun) -> csv::Result<()> {
    let region = sc.region.as_ref().expect("a region run");
    let mut rows = Vec::new();
    for (st, pools) in sc.strategies.iter().zip(&run.pools) {
        for (pool, t) in region.pools.iter().zip(pools) {
            let q = t.queue_wait_sketch.quantiles(&[0.5, 0.9, 0.99]);
            let r = t.response_sketch.quantiles(&[0.5, 0.9, 0.99]);
            rows.push(ResponderRow {
                strategy: st.name.clone(),
                pool: pool.name.clone(),
                responders: u64::from(pool.count),
                periods: run.periods,
                utilisation: finite(t.utilisation()),
                dispatched_calls: t.dispatched,
                abandoned_calls: t.abandoned,
                queue_wait_mean_min: finite(t.queue_wait.mean()),
                queue_wait_p50_min: finite(q[0]),
                queue_wait_p90_min: finite(q[1]),
                queue_wait_p99_min: finite(q[2]),
                response_p50_min: finite(r[0]),
                response_p90_min: finite(r[1]),
                response_p99_min: finite(r[2]),
                longest_queue: t.longest_queue,
            });
        }
    }
    write_rows(out, rows)
}

/// Writes `waits.csv`: per (strategy, pool), queue wait (call to dispatch) and response time
/// (call to on scene) of dispatched lockout calls at quantiles 0.01 to 0.99 in steps of 0.01.
pub fn write_waits<W: Write>(out: W, sc: &Scenario, run: &RegionRun) -> csv::Result<()> {
    let region = sc.region.as_ref().expect("a region run");
    let grid: Vec<f64> = (1..100).map(|k| k as f64 / 100.0).collect();
    let mut rows = Vec::new();
    for (st, pools) in sc.strategies.iter().zip(&run.pools) {
        for (pool, t) in region.pools.iter().zip(pools) {
            let q = t.queue_wait_sketch.quantiles(&grid);
            let r = t.response_sketch.quantiles(&grid);
            for ((g, q), r) in grid.iter().zip(q).zip(r) {
                rows.push(WaitRow {
                    strategy: st.name.clone(),
                    pool: pool.name.clone(),
                    quantile: *g,
                    queue_wait_min: finite(q),
                    response_min: finite(r),
                    dispatched_calls: t.dispatched,
                });
            }
        }
    }
    write_rows(out, rows)
}
