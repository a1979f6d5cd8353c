//! Statistics accumulator benchmarks (issue 5): insert and merge.
//!
//! * `stats/moments_push`, `stats/sketch_push`: one value at a time, over a block of realistic
//!   values (times and costs of the flagship scenario's baseline outcomes).
//! * `stats/tally_record/<flagship>/<n>_strategies`: `RunTally::record` of one incident's
//!   outcomes under every strategy of the flagship (mixed-population) scenario; throughput in
//!   incident-strategy evaluations, so it compares directly with `benches/engine.rs`.
//! * `stats/moments_merge`, `stats/sketch_merge`, `stats/tally_merge/<flagship>`: merging two
//!   filled accumulators, as the runner does once per chunk and worker.
//!
//! `cargo bench --bench stats` measures; `cargo test --benches` runs each once (CI).

// criterion_group! generates an undocumented `pub fn benches`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockout::engine::{Scratch, Situation, SituationDraws, simulate};
use lockout::model::Scenario;
use lockout::model::outcome::Outcome;
use lockout::run::incidents::simulate_range;
use lockout::stats::{Moments, QuantileSketch};
use lockout::tally::RunTally;

const FLAGSHIP: &str = "mixed-population";
const SEED: u64 = 42;
/// Incidents whose outcomes feed the benches.
const BLOCK: usize = 4096;

fn flagship() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{FLAGSHIP}.toml"));
    lockout::scenario::load(&path, &[])
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()))
        .scenario
}

/// The outcomes of `BLOCK` incidents under every strategy, incident-major.
fn outcomes(scenario: &Scenario) -> Vec<Vec<Outcome>> {
    let mut scratch = Scratch::default();
    (0..BLOCK as u64)
        .map(|i| {
            let draws = SituationDraws::draw(SEED, i);
            scenario
                .strategies
                .iter()
                .map(|s| {
                    let sit = Situation::realise(&s.model, &draws);
                    simulate(&s.model, &sit, SEED, i, &mut scratch, &mut ())
                })
                .collect()
        })
        .collect()
}

fn configure(c: Criterion) -> Criterion {
    c.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

fn bench_push(c: &mut Criterion) {
    let scenario = flagship();
    let outs = outcomes(&scenario);
    // Times and costs interleaved: what a tally pushes.
    let values: Vec<f64> = outs
        .iter()
        .flat_map(|o| {
            let b = &o[scenario.baseline];
            [b.time_to_access_min, b.cost()]
        })
        .collect();

    let mut group = c.benchmark_group("stats");
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function(format!("moments_push/{}", values.len()), |b| {
        let mut m = Moments::default();
        b.iter(|| {
            for &x in black_box(&values) {
                m.push(x);
            }
            black_box(&m);
        })
    });
    group.bench_function(format!("sketch_push/{}", values.len()), |b| {
        let mut s = QuantileSketch::new();
        b.iter(|| {
            for &x in black_box(&values) {
                s.push(x);
            }
            black_box(&s);
        })
    });

    let n = scenario.strategies.len();
    group.throughput(Throughput::Elements((BLOCK * n) as u64));
    group.bench_function(
        format!("tally_record/{FLAGSHIP}/{n}_strategies/{BLOCK}"),
        |b| {
            let mut tally = RunTally::new(&scenario);
            b.iter(|| {
                for o in black_box(&outs) {
                    tally.record(o);
                }
                black_box(&tally);
            })
        },
    );
    group.finish();
}

fn bench_merge(c: &mut Criterion) {
    let scenario = flagship();
    let outs = outcomes(&scenario);

    let mut m1 = Moments::default();
    let mut m2 = Moments::default();
    let mut s1 = QuantileSketch::new();
    let mut s2 = QuantileSketch::new();
    for (i, o) in outs.iter().enumerate() {
        let b = &o[scenario.baseline];
        let (m, s) = if i % 2 == 0 {
            (&mut m1, &mut s1)
        } else {
            (&mut m2, &mut s2)
        };
        m.push(b.time_to_access_min);
        s.push(b.time_to_access_min);
        s.push(b.cost());
    }
    // Two chunk tallies as the runner produces them.
    let t1 = simulate_range(&scenario, SEED, 0..BLOCK as u64);
    let t2 = simulate_range(&scenario, SEED, BLOCK as u64..2 * BLOCK as u64);

    let mut group = c.benchmark_group("stats");
    group.throughput(Throughput::Elements(1));
    group.bench_function("moments_merge", |b| {
        let mut acc = m1.clone();
        b.iter(|| {
            acc.merge(black_box(&m2));
            black_box(&acc);
        })
    });
    group.bench_function("sketch_merge", |b| {
        let mut acc = s1.clone();
        b.iter(|| {
            acc.merge(black_box(&s2));
            black_box(&acc);
        })
    });
    group.bench_function(
        format!(
            "tally_merge/{FLAGSHIP}/{}_strategies",
            scenario.strategies.len()
        ),
        |b| {
            let mut acc = t1.clone();
            b.iter(|| {
                acc.merge(black_box(&t2));
                black_box(&acc);
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = configure(Criterion::default());
    targets = bench_push, bench_merge
}
criterion_main!(benches);
