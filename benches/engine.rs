//! Incident engine benchmarks (issue 5).
//!
//! * `engine/<scenario stem>`: a fixed block of [`BLOCK`] incidents through
//!   `run::incidents::simulate_range` (situation draws, every strategy's simulation and the tally) for
//!   every scenario in `scenarios/*.toml`, globbed when the bench starts. Throughput is
//!   `incidents × strategies`, so criterion reports incident-strategy evaluations per second.
//! * `engine_only/<flagship>/simulate`: `engine::simulate` alone for the flagship
//!   (mixed-population) baseline strategy, situations realised up front and no tally, so that
//!   the engine's cost can be told apart from the statistics' (see `benches/stats.rs`).
//! * `engine_only/<flagship>/draws_and_realise`: `SituationDraws::draw` + `Situation::realise`
//!   for the baseline, the per-incident cost shared by all strategies.
//!
//! `cargo bench --bench engine` measures; `cargo test --benches` runs each once (CI).
//! Filter with e.g. `cargo bench --bench engine -- mixed-population`.

// criterion_group! generates an undocumented `pub fn benches`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockout::engine::{Scratch, Situation, SituationDraws, simulate};
use lockout::model::Scenario;
use lockout::run::incidents::simulate_range;

/// Incidents per measured block.
const BLOCK: u64 = 4096;
/// The flagship scenario (file stem).
const FLAGSHIP: &str = "mixed-population";
/// Seed of every bench (the scenarios' usual seed).
const SEED: u64 = 42;

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn load(path: &Path) -> Option<Scenario> {
    match lockout::scenario::load(path, &[]) {
        Ok(loaded) => Some(loaded.scenario),
        Err(e) => {
            // A scenario being edited by someone else must not break the whole bench run.
            eprintln!("skipping {}: {e}", path.display());
            None
        }
    }
}

fn configure(c: Criterion) -> Criterion {
    c.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

fn bench_scenarios(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for path in scenario_files() {
        let Some(scenario) = load(&path) else {
            continue;
        };
        let evaluations = BLOCK * scenario.strategies.len() as u64;
        group.throughput(Throughput::Elements(evaluations));
        let name = format!("{}/{}x{}", stem(&path), BLOCK, scenario.strategies.len());
        // Vary the block between iterations so that a single lucky block cannot dominate, but
        // deterministically (the k-th iteration always simulates the same incidents).
        let mut block = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                let start = (block % 64) * BLOCK;
                block += 1;
                black_box(simulate_range(
                    black_box(&scenario),
                    black_box(SEED),
                    start..start + BLOCK,
                ))
            })
        });
    }
    group.finish();
}

fn bench_engine_only(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{FLAGSHIP}.toml"));
    let Some(scenario) = load(&path) else { return };
    let model = &scenario.strategies[scenario.baseline].model;
    let situations: Vec<Situation> = (0..BLOCK)
        .map(|i| Situation::realise(model, &SituationDraws::draw(SEED, i)))
        .collect();

    let mut group = c.benchmark_group(format!("engine_only/{FLAGSHIP}"));
    group.throughput(Throughput::Elements(BLOCK));
    let mut scratch = Scratch::default();
    group.bench_function(format!("simulate/baseline/{BLOCK}"), |b| {
        b.iter(|| {
            let mut acc = 0.0f64;
            for (i, sit) in situations.iter().enumerate() {
                let o = simulate(model, black_box(sit), SEED, i as u64, &mut scratch, &mut ());
                acc += o.time_to_access_min + o.cost();
            }
            black_box(acc)
        })
    });
    group.bench_function(format!("draws_and_realise/baseline/{BLOCK}"), |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for i in 0..BLOCK {
                let sit = Situation::realise(model, &SituationDraws::draw(black_box(SEED), i));
                acc = acc.wrapping_add(sit.facts.0);
            }
            black_box(acc)
        })
    });
    group.finish();
}

/// The region engine per event: one period of each region scenario (all its strategies),
/// throughput in events processed (arrivals, other calls and the period queues' events).
fn bench_region(c: &mut Criterion) {
    let mut group = c.benchmark_group("region");
    for path in scenario_files() {
        let Some(scenario) = load(&path) else {
            continue;
        };
        let Some(region) = scenario.region.as_ref() else {
            continue;
        };
        let events = lockout::engine::period::simulate_period(&scenario, region, SEED, 1).events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(format!("{}/period/{events}_events", stem(&path)), |b| {
            b.iter(|| {
                black_box(lockout::engine::period::simulate_period(
                    black_box(&scenario),
                    region,
                    SEED,
                    1,
                ))
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = configure(Criterion::default());
    targets = bench_scenarios, bench_engine_only, bench_region
}
criterion_main!(benches);
