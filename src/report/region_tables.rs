//! Region tables written by lockout itself: `responders.csv` and `waits.csv`. (The loss tables —
//! YLT, EP curves, insurer costs, ORD — are in [`super::loss_tables`].)

use std::io::Write;

use super::tables::num;
use crate::losses::RegionRun;
use crate::model::Scenario;

/// Writes `responders.csv`: one row per (strategy, pool).
pub fn write_responders<W: Write>(out: W, sc: &Scenario, run: &RegionRun) -> csv::Result<()> {
    let region = sc.region.as_ref().expect("a region run");
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "pool",
        "responders",
        "periods",
        "utilisation",
        "dispatched_calls",
        "abandoned_calls",
        "queue_wait_mean_min",
        "queue_wait_p50_min",
        "queue_wait_p90_min",
        "queue_wait_p99_min",
        "response_p50_min",
        "response_p90_min",
        "response_p99_min",
        "longest_queue",
    ])?;
    for (st, pools) in sc.strategies.iter().zip(&run.pools) {
        for (pool, t) in region.pools.iter().zip(pools) {
            let q = t.queue_wait_sketch.quantiles(&[0.5, 0.9, 0.99]);
            let r = t.response_sketch.quantiles(&[0.5, 0.9, 0.99]);
            w.write_record([
                st.name.clone(),
                pool.name.clone(),
                pool.count.to_string(),
                run.periods.to_string(),
                num(t.utilisation()),
                t.dispatched.to_string(),
                t.abandoned.to_string(),
                num(t.queue_wait.mean()),
                num(q[0]),
                num(q[1]),
                num(q[2]),
                num(r[0]),
                num(r[1]),
                num(r[2]),
                t.longest_queue.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `waits.csv`: per (strategy, pool), queue wait (call to dispatch) and response time
/// (call to on scene) of dispatched lockout calls at quantiles 0.01 to 0.99 in steps of 0.01.
pub fn write_waits<W: Write>(out: W, sc: &Scenario, run: &RegionRun) -> csv::Result<()> {
    let region = sc.region.as_ref().expect("a region run");
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "pool",
        "quantile",
        "queue_wait_min",
        "response_min",
        "dispatched_calls",
    ])?;
    let grid: Vec<f64> = (1..100).map(|k| k as f64 / 100.0).collect();
    for (st, pools) in sc.strategies.iter().zip(&run.pools) {
        for (pool, t) in region.pools.iter().zip(pools) {
            let q = t.queue_wait_sketch.quantiles(&grid);
            let r = t.response_sketch.quantiles(&grid);
            for ((g, q), r) in grid.iter().zip(q).zip(r) {
                w.write_record([
                    st.name.clone(),
                    pool.name.clone(),
                    num(*g),
                    num(q),
                    num(r),
                    t.dispatched.to_string(),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}
