//! Reproducibility: the same seed gives byte-identical tables whatever the thread count or the
//! grouping of chunks; `explain` replays exactly what `run` saw; pairing narrows intervals.

use lockout::model::Scenario;
use lockout::model::outcome::Outcome;
use lockout::report::tables;
use lockout::run::incidents::{Evaluator, replay, simulate_range};
use lockout::tally::RunTally;

use crate::testutil::{lockout, read, root};

const TABLES: [&str; 4] = [
    "summary.csv",
    "remedies.csv",
    "segments.csv",
    "distributions.csv",
];

fn flagship() -> Scenario {
    lockout::scenario::load(&root().join("scenarios/mixed-population.toml"), &[])
        .expect("flagship loads")
        .scenario
}

/// The four tables of a tally, as strings.
fn table_texts(sc: &Scenario, tally: &RunTally) -> Vec<String> {
    let rows = tables::summarise(sc, tally, None);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    tables::write_summary(&mut buf, &rows).unwrap();
    out.push(String::from_utf8(std::mem::take(&mut buf)).unwrap());
    tables::write_remedies(&mut buf, sc, tally).unwrap();
    out.push(String::from_utf8(std::mem::take(&mut buf)).unwrap());
    tables::write_segments(&mut buf, sc, tally).unwrap();
    out.push(String::from_utf8(std::mem::take(&mut buf)).unwrap());
    tables::write_distributions(&mut buf, sc, tally).unwrap();
    out.push(String::from_utf8(buf).unwrap());
    out
}

#[test]
fn tables_are_identical_for_1_2_and_7_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in [1, 2, 7] {
        let out = dir.path().join(format!("t{threads}"));
        lockout()
            .args([
                "run",
                "scenarios/mixed-population.toml",
                "--incidents",
                "120000",
            ])
            .args([
                "--seed",
                "11",
                "--no-plots",
                "--threads",
                &threads.to_string(),
            ])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&out.join("run.json"))).unwrap();
        assert_eq!(manifest["threads"], threads);
        outputs.push(TABLES.map(|t| read(&out.join(t))));
    }
    for t in 0..TABLES.len() {
        assert_eq!(
            outputs[0][t], outputs[1][t],
            "{} differs: 1 vs 2 threads",
            TABLES[t]
        );
        assert_eq!(
            outputs[0][t], outputs[2][t],
            "{} differs: 1 vs 7 threads",
            TABLES[t]
        );
    }
}

#[test]
fn tables_are_identical_for_any_chunk_grouping() {
    let sc = flagship();
    let n = 50_000;
    let whole = simulate_range(&sc, 5, 0..n);
    // Grouping A: two uneven parts merged left to right.
    let mut a = simulate_range(&sc, 5, 0..17_000);
    a.merge(&simulate_range(&sc, 5, 17_000..n));
    // Grouping B: three parts merged in another order.
    let mut b = simulate_range(&sc, 5, 40_000..n);
    b.merge(&simulate_range(&sc, 5, 0..9_999));
    b.merge(&simulate_range(&sc, 5, 9_999..40_000));
    assert_eq!(a, whole);
    assert_eq!(b, whole);
    assert_eq!(table_texts(&sc, &a), table_texts(&sc, &whole));
    assert_eq!(table_texts(&sc, &b), table_texts(&sc, &whole));
}

#[test]
fn paired_differences_are_narrower_than_independent_ones() {
    // Common random numbers: every strategy sees the same incidents, so the interval of the
    // paired difference is narrower than that of the difference of two independent runs.
    let sc = flagship();
    let n = 40_000;
    let same = simulate_range(&sc, 21, 0..n);
    let other = simulate_range(&sc, 22, 0..n);
    let base = sc.baseline;
    for (s, strategy) in sc.strategies.iter().enumerate() {
        if s == base || same.strategy(s).total_cost_diff.sd() == 0.0 {
            continue;
        }
        let paired = same.strategy(s).total_cost_diff.std_error();
        // Independent: the strategy from one stream, the baseline from another.
        let independent = (other.strategy(s).total_cost.variance() / n as f64
            + same.strategy(base).total_cost.variance() / n as f64)
            .sqrt();
        assert!(
            paired < independent,
            "{}: paired se {paired} is not below independent se {independent}",
            strategy.name
        );
    }
    // The same holds for the annual cost per vehicle in summary.csv: the paired difference's
    // interval is narrower than the two annual cost intervals combined as independent.
    let rows = tables::summarise(&sc, &same, None);
    let half = |r: &lockout::report::schema::SummaryRow| {
        (r.annual_cost_per_vehicle_ci95_high - r.annual_cost_per_vehicle_ci95_low) / 2.0
    };
    for (s, row) in rows.iter().enumerate() {
        let d = [
            row.annual_cost_diff_vs_baseline_mean.unwrap(),
            row.annual_cost_diff_vs_baseline_ci95_low.unwrap(),
            row.annual_cost_diff_vs_baseline_ci95_high.unwrap(),
        ];
        let columns = row.annual_cost_per_vehicle - rows[base].annual_cost_per_vehicle;
        assert!(
            (d[0] - columns).abs() <= 1e-9 * columns.abs().max(1.0),
            "{}",
            row.strategy
        );
        if s == base {
            assert_eq!(d, [0.0; 3]);
            continue;
        }
        let independent = (half(row).powi(2) + half(&rows[base]).powi(2)).sqrt();
        assert!(
            (d[2] - d[1]) / 2.0 < independent,
            "{}: paired {d:?} vs independent half-width {independent}",
            row.strategy
        );
    }
}

/// Runs `explain --format json` over incidents 0..=999 for every strategy and folds the
/// outcomes: the tables must equal those of `run --incidents 1000`, byte for byte.
#[test]
fn explain_outcomes_fold_to_the_run_statistics() {
    let sc = flagship();
    let n = 1000u64;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    lockout()
        .args([
            "run",
            "scenarios/mixed-population.toml",
            "--incidents",
            "1000",
        ])
        .args(["--seed", "99", "--no-plots", "--out"])
        .arg(&out)
        .assert()
        .success();
    let mut per_strategy: Vec<Vec<Outcome>> = Vec::new();
    // Who is targeted by and adopts each strategy applied to part of the vehicles, as the
    // bits per strategy the run records (`explain` says it of the strategy it traces).
    let mut adoption: Vec<Option<(u64, u64)>> = vec![None; n as usize];
    for (s, st) in sc.strategies.iter().enumerate() {
        let output = lockout()
            .args([
                "explain",
                "scenarios/mixed-population.toml",
                "--incident",
                "0..999",
            ])
            .args(["--seed", "99", "--format", "json", "--strategy", &st.name])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let items: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(items.len(), n as usize);
        for (i, v) in items.iter().enumerate() {
            if let (Some(t), Some(a)) = (v["targeted"].as_bool(), v["adopted"].as_bool()) {
                let (targeted, adopted) = adoption[i].get_or_insert((0, 0));
                *targeted |= u64::from(t) << s;
                *adopted |= u64::from(a) << s;
            }
        }
        per_strategy.push(
            items
                .iter()
                .map(|v| serde_json::from_value(v["outcome"].clone()).unwrap())
                .collect(),
        );
    }
    let mut tally = RunTally::new(&sc);
    for i in 0..n as usize {
        let outcomes: Vec<Outcome> = per_strategy.iter().map(|o| o[i]).collect();
        tally.record(&outcomes);
        if let Some((targeted, adopted)) = adoption[i] {
            tally.record_adoption(&outcomes, targeted, adopted);
        }
    }
    let folded = table_texts(&sc, &tally);
    for (t, text) in TABLES.iter().zip(folded) {
        assert_eq!(
            read(&out.join(t)),
            text,
            "{t} differs from the folded explain outcomes"
        );
    }
}

#[test]
fn explain_text_names_what_happened() {
    let out = lockout()
        .args([
            "explain",
            "scenarios/mixed-population.toml",
            "--incident",
            "7",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("incident 7 (seed 42), strategy \"today's habits\""),
        "{text}"
    );
    assert!(text.contains("keys in hand"), "{text}");
    assert!(text.contains("outcome:"), "{text}");
}

/// A results directory lockout wrote is replaced whole, and nothing is left beside it.
#[test]
fn lockouts_own_results_directory_is_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let run = |incidents: &str, plots: bool| {
        let mut cmd = lockout();
        cmd.args([
            "run",
            "scenarios/mixed-population.toml",
            "--incidents",
            incidents,
        ]);
        if !plots {
            cmd.arg("--no-plots");
        }
        cmd.arg("--out").arg(&out).assert().success();
    };
    run("2000", true);
    assert!(out.join("report.html").exists());
    run("3000", false);
    assert!(!out.join("report.html").exists(), "an old figure survived");
    assert!(out.join("summary.csv").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1);
}

/// What the hot loop shares between the strategies of an incident (outcomes, situations, parts
/// of situations, raw remedy draws) never changes an outcome: every strategy's outcome equals
/// that of simulating the incident under that strategy alone, from scratch. Checked on every
/// shipped scenario, and on the flagship with strategies that change remedies (their own draw
/// group) and spare key locations (work times that depend on the location).
#[test]
fn sharing_between_strategies_never_changes_an_outcome() {
    let mut texts: Vec<(String, String)> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| (p.display().to_string(), crate::testutil::scenario_text(&p)))
        .collect();
    let flagship = crate::testutil::scenario_text(&root().join("scenarios/mixed-population.toml"));
    texts.push((
        "flagship with remedy-changing strategies".into(),
        format!(
            "{flagship}\n\
             [[strategy]]\nname = \"surer locksmiths\"\nset = {{ \"remedy.locksmith.success\" = 0.99 }}\n\n\
             [[strategy]]\nname = \"surer locksmiths, spare at home\"\n\
             set = {{ \"remedy.locksmith.success\" = 0.99, \"driver.*.spare_key\" = {{ home = 1.0 }} }}\n\n\
             [[strategy]]\nname = \"no coat hanger, spare in wallet\"\ndisable = [\"coat_hanger\"]\n\
             set = {{ \"driver.*.spare_key\" = {{ wallet = 1.0 }} }}\n"
        ),
    ));
    // Declared facts, one of them gating a remedy, changed by strategies alone or with a part
    // of the population.
    texts.push((
        "flagship with declared facts".into(),
        format!(
            "{flagship}\n\
             [fact.test_heat]\nprobability = 0.3\n\n\
             [fact.child_inside]\nlevel = \"driver\"\nprobability = {{ calm = 0.1, flustered = 0.4 }}\n\
             given = [{{ when = [\"test_heat\", \"!night\"], probability = 0.7 }}]\n\n\
             [[strategy]]\nname = \"fewer children\"\n\
             set = {{ \"fact.child_inside.probability.flustered\" = 0.1 }}\n\n\
             [[strategy]]\nname = \"fewer children, spare at home\"\n\
             set = {{ \"fact.child_inside.given\" = [], \"driver.*.spare_key\" = {{ home = 1.0 }} }}\n\n\
             [[strategy]]\nname = \"no window unless a child\"\n\
             set = {{ \"remedy.break_window.requires\" = [\"child_inside\"] }}\n"
        ),
    ));
    for (name, text) in &texts {
        let sc = lockout::scenario::from_toml_str(text, "test.toml", &[])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let seed = 7;
        let mut evaluator = Evaluator::new(&sc, seed);
        for index in 0..3000 {
            let shared: Vec<Outcome> = evaluator.evaluate(index).to_vec();
            for (s, out) in shared.iter().enumerate() {
                let alone = replay(&sc, seed, index, s).outcome;
                assert_eq!(
                    *out, alone,
                    "{name}: incident {index}, strategy {s} differs when shared"
                );
            }
        }
    }
}
