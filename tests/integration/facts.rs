//! Facts a scenario declares (`[fact.NAME]`): drawn at their stated probabilities (closed forms
//! within 99% confidence intervals), refined by `given` rules, refused with a line when they
//! form a cycle or are too many, and changing nothing when unused.

use lockout::model::Scenario;
use lockout::scenario::Override;

use crate::testutil::{assert_within_ci99, compile, lockout, minimal, read, root, run, share_se};

const N: u64 = 200_000;

fn resolved_share(sc: &Scenario, tally: &lockout::tally::RunTally, s: usize, name: &str) -> f64 {
    let r = sc.names.remedies.iter().position(|n| n == name).unwrap();
    tally.strategies[s].remedies[r].resolved as f64 / N as f64
}

/// Two driver profiles (shares 0.4 and 0.6); `child_inside` is drawn per profile; the remedy
/// `carer` needs it, `other` needs it not to hold.
fn by_driver(strategies_and_facts: &str) -> String {
    minimal(&format!(
        r#"
[remedy.carer]
requires = ["child_inside"]
duration = "5 min"

[remedy.other]
requires = ["!child_inside"]
duration = "5 min"

[policy.only]
steps = ["carer", "other"]

{strategies_and_facts}
"#
    ))
    .replace(
        "[[driver]]\nname = \"driver\"\nshare = 1.0\npolicy = \"only\"\n",
        "[[driver]]\nname = \"parent\"\nshare = 0.4\npolicy = \"only\"\n\n\
         [[driver]]\nname = \"commuter\"\nshare = 0.6\npolicy = \"only\"\n",
    )
}

const CHILD: &str = r#"
[fact.child_inside]
description = "A child is in the locked car"
source = "made up for the test"
level = "driver"
probability = { parent = 0.5, commuter = 0.1 }
"#;

#[test]
fn a_declared_fact_gates_a_remedy_at_its_probability() {
    let text = by_driver(&format!(
        r#"
[[strategy]]
name = "childcare"
set = {{ "fact.child_inside.probability.parent" = 0.2 }}
{CHILD}"#
    ));
    assert!(
        text.contains("name = \"commuter\""),
        "the drivers were replaced"
    );
    let sc = compile(&text);
    let (tally, _) = run(&sc, N, 5);
    // P(child) = 0.4 · 0.5 + 0.6 · 0.1 = 0.26; under the strategy 0.4 · 0.2 + 0.06 = 0.14.
    for (s, p) in [(0, 0.26), (1, 0.14)] {
        let carer = resolved_share(&sc, &tally, s, "carer");
        assert_within_ci99("carer resolves", carer, share_se(p, N), p);
        let other = resolved_share(&sc, &tally, s, "other");
        assert!(
            (carer + other - 1.0).abs() < 1e-12,
            "every incident resolves"
        );
    }
    // Common random numbers: the strategy only lowers a threshold, so it resolves by `carer`
    // no incident the baseline does not.
    let base = resolved_share(&sc, &tally, 0, "carer");
    assert!(resolved_share(&sc, &tally, 1, "carer") < base);

    // `--set` reaches a declared fact's probability like any other field.
    let ov = Override::parse("fact.child_inside.probability.commuter=1").unwrap();
    let sc = lockout::scenario::from_toml_str(&text, "test.toml", &[ov]).unwrap();
    let (tally, _) = run(&sc, 20_000, 5);
    let r = sc.names.remedies.iter().position(|n| n == "carer").unwrap();
    let resolved = tally.strategies[0].remedies[r].resolved as f64 / 20_000.0;
    let p = 0.4 * 0.5 + 0.6;
    assert_within_ci99("carer after --set", resolved, share_se(p, 20_000), p);
}

#[test]
fn the_first_given_rule_that_holds_sets_the_conditional_share() {
    // P(pet | hot, keyless) = 0.9 (the first rule), P(pet | hot, !keyless) = 0.6 (the second),
    // P(pet | !hot) = 0.1; hot is 0.5, keyless_trunk_button 0.6 in the minimal scenario.
    let sc = compile(&minimal(
        r#"
[fact.hot]
probability = 0.5

[fact.pet_inside]
probability = 0.1
given = [
  { when = ["hot", "keyless_trunk_button"], probability = 0.9 },
  { when = ["hot"], probability = 0.6 },
]

[remedy.a]
requires = ["pet_inside", "hot"]
duration = "5 min"

[remedy.b]
requires = ["pet_inside", "!hot"]
duration = "5 min"

[remedy.c]
duration = "5 min"

[policy.only]
steps = ["a", "b", "c"]
"#,
    ));
    let (tally, _) = run(&sc, N, 9);
    let hot_pet = 0.5 * (0.6 * 0.9 + 0.4 * 0.6);
    for (name, p) in [("a", hot_pet), ("b", 0.5 * 0.1)] {
        let share = resolved_share(&sc, &tally, 0, name);
        assert_within_ci99(&format!("{name} resolves"), share, share_se(p, N), p);
    }
}

/// Runs `lockout check` on `text` and asserts exit status 2 with `file:LINE:` where LINE is the
/// first line containing `marker`, and every needle in stderr.
fn refused(text: &str, marker: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("facts.toml");
    std::fs::write(&file, text).unwrap();
    let output = lockout().arg("check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let line = text.lines().position(|l| l.contains(marker)).unwrap() + 1;
    let located = format!("{}:{line}:", file.display());
    assert!(stderr.contains(&located), "expected {located} in: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
}

const ONE_REMEDY: &str = r#"
[remedy.locksmith]
duration = "30 min"

[policy.only]
steps = ["locksmith"]
"#;

#[test]
fn a_cycle_of_facts_is_refused_with_its_line() {
    let text = minimal(&format!(
        r#"{ONE_REMEDY}
[fact.hot]
probability = 0.5

[fact.pet_inside]
probability = 0.1
given = [{{ when = ["hot", "!window_open"], probability = 0.6 }}]

[fact.window_open]
probability = 0.2
given = [{{ when = ["pet_inside"], probability = 0.9 }}]
"#
    ));
    // The error points at the rule that closes the cycle.
    refused(
        &text,
        "when = [\"pet_inside\"]",
        &["cycle (pet_inside → window_open → pet_inside)"],
    );
    // A fact whose rule tests itself is a cycle too.
    let text = minimal(&format!(
        "{ONE_REMEDY}\n[fact.hot]\nprobability = 0.5\ngiven = [{{ when = [\"hot\"], probability = 1.0 }}]\n"
    ));
    refused(&text, "when = [\"hot\"]", &["cycle (hot → hot)"]);
}

#[test]
fn one_fact_too_many_is_refused_with_its_line() {
    let declare = |n: usize| -> String {
        (0..n)
            .map(|i| format!("[fact.f{i:02}]\nprobability = 0.5\n\n"))
            .collect()
    };
    // 32 fit (and the last one is usable)...
    let sc = compile(&minimal(&format!(
        "[remedy.locksmith]\nrequires = [\"f31\"]\nduration = \"30 min\"\n\n\
         [policy.only]\nsteps = [\"locksmith\"]\n\n{}",
        declare(32)
    )));
    assert_eq!(sc.names.facts.len(), 32);
    // ... the 33rd (in name order) is refused where it is declared.
    let text = minimal(&format!("{ONE_REMEDY}\n{}", declare(33)));
    refused(&text, "[fact.f32]", &["at most 32 facts"]);
}

#[test]
fn mistakes_in_a_fact_are_refused_with_their_line() {
    let with = |fact: &str| minimal(&format!("{ONE_REMEDY}\n{fact}"));
    // The time of day exists only in region runs.
    let text = with("[fact.daytime]\nprobability = 0.5\nby_hour = [0.5]\n");
    refused(&text, "by_hour", &["region scenarios"]);
    // A table of probabilities must name every value of its level, and only those.
    let text = with("[fact.x]\nlevel = \"driver\"\nprobability = { drivr = 0.5 }\n");
    refused(
        &text,
        "drivr",
        &["unknown driver profile `drivr`", "`driver`"],
    );
    let text = with("[fact.x]\nprobability = { driver = 0.5 }\n");
    refused(&text, "probability = {", &["add level"]);
    // A built-in name, and a fact that is used but not declared.
    let text = with("[fact.night]\nprobability = 0.5\n");
    refused(&text, "[fact.night]", &["built-in fact"]);
    let text = minimal(
        "[fact.child_inside]\nprobability = 0.1\n\n[remedy.locksmith]\n\
         requires = [\"child_insid\"]\nduration = \"30 min\"\n\n[policy.only]\nsteps = [\"locksmith\"]\n",
    );
    refused(
        &text,
        "child_insid\"",
        &[
            "declared in [fact]: child_inside",
            "did you mean `child_inside`?",
        ],
    );
}

#[test]
fn explain_names_declared_facts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("facts.toml");
    std::fs::write(
        &file,
        minimal(
            "[fact.child_inside]\nprobability = 1.0\n\n[remedy.locksmith]\n\
             requires = [\"!child_inside\"]\nduration = \"30 min\"\n\n\
             [policy.only]\nsteps = [\"locksmith\"]\n",
        ),
    )
    .unwrap();
    let out = lockout()
        .arg("explain")
        .arg(&file)
        .args(["--incident", "0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(", child_inside\n"), "{text}");
    assert!(
        text.contains("needs !child_inside but child_inside holds"),
        "{text}"
    );
}

/// Runs a golden scenario with `extra` appended and asserts every table equals the frozen one.
fn unchanged_with(stem: &str, extra: &str) {
    let golden = root().join("tests/golden").join(stem);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(
        &file,
        crate::testutil::scenario_text(&golden.join("scenario.toml")) + extra,
    )
    .unwrap();
    let args: Vec<String> = read(&golden.join("args"))
        .lines()
        .map(str::to_owned)
        .collect();
    let tables = dir.path().join("tables");
    lockout()
        .arg("run")
        .arg(&file)
        .args(&args)
        .args(["--threads", "2", "--no-plots", "--quiet", "--out"])
        .arg(&tables)
        .assert()
        .success();
    let mut compared = 0;
    for entry in std::fs::read_dir(golden.join("tables")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "run.json" {
            continue; // it records the file's digest
        }
        assert!(
            std::fs::read(tables.join(&name)).unwrap()
                == std::fs::read(golden.join("tables").join(&name)).unwrap(),
            "{stem}: {name} changed when an unused fact was declared"
        );
        compared += 1;
    }
    assert!(compared >= 4, "{stem}: only {compared} tables compared");
}

#[test]
fn unused_facts_change_no_table() {
    let facts = r#"
[fact.unused_child]
description = "A child is in the car"
level = "driver"
probability = { calm = 0.02, flustered = 0.05 }
given = [{ when = ["night", "!unused_heat"], probability = 0.01 }]

[fact.unused_heat]
probability = 0.3
"#;
    unchanged_with("mixed-population", facts);
    let by_hour = format!(
        "{facts}\n[fact.partner_at_work]\nprobability = 0.5\nby_hour = [{}]\n",
        ["0.0"; 24].join(", ")
    );
    unchanged_with("metro-roadside-club", &by_hour);
}

#[test]
fn region_runs_draw_facts_by_the_arrival_hour() {
    // `daytime` holds from 08:00 to 19:59 by the clock; `dark` follows the arrival's own
    // `night` (22:00-06:00) through a given rule: region runs decide night by the clock too.
    let hours: Vec<&str> = (0..24)
        .map(|h| if (8..20).contains(&h) { "1.0" } else { "0.0" })
        .collect();
    let extra = format!(
        "\n[fact.daytime]\nprobability = 0.5\nby_hour = [{}]\n\n\
         [fact.dark]\nprobability = 0.0\ngiven = [{{ when = [\"night\"], probability = 1.0 }}]\n",
        hours.join(", ")
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("region.toml");
    let golden = root().join("tests/golden/metro-roadside-club/scenario.toml");
    std::fs::write(&file, read(&golden) + &extra).unwrap();
    let out = lockout()
        .arg("explain")
        .arg(&file)
        .args(["--period", "1", "--periods", "1"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    let mut arrivals = 0;
    for line in log.lines().filter(|l| l.contains("arrival: incident")) {
        // "  day   1 05:05       305.8  arrival: ..., facts: a b c"
        let clock = line.split_whitespace().nth(2).unwrap();
        let hour: u32 = clock[..2].parse().unwrap();
        let facts: Vec<&str> = line.rsplit("facts: ").next().unwrap().split(' ').collect();
        let night = !(6..22).contains(&hour);
        assert_eq!(
            facts.contains(&"daytime"),
            (8..20).contains(&hour),
            "{line}"
        );
        assert_eq!(facts.contains(&"night"), night, "{line}");
        assert_eq!(facts.contains(&"dark"), night, "{line}");
        arrivals += 1;
    }
    assert!(arrivals > 1000, "{arrivals} arrivals");
}
