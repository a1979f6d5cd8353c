//! Fallbacks by situation: the first fallback whose facts hold ends the incident; shares and
//! costs against their closed forms, the tables' rows, and what `check` refuses.

use crate::testutil::{assert_within_ci99, compile, lockout, minimal, run, share_se};

const N: u64 = 1_000_000;

const ONE_FALLBACK: &str = "[fallback]\nname = \"tow\"\nduration = \"1 h\"\ncost = 500.0\n";

/// `minimal`'s scenario with `fallbacks` instead of its one fallback, the keys in the cabin in
/// 30% of incidents, and a remedy that never works.
fn scenario(fallbacks: &str) -> String {
    minimal(
        r#"
[remedy.coat_hanger]
duration = "10 min"
success = 0.0

[policy.only]
steps = ["coat_hanger"]
"#,
    )
    .replace(ONE_FALLBACK, fallbacks)
    .replace(
        "place = \"home\"\n",
        "place = \"home\"\nkeys_in_cabin = 0.3\n",
    )
}

const BY_SITUATION: &str = r#"[[fallback]]
name = "tow to the dealer"
when = ["!keys_in_cabin"]
duration = "2 h"
cost = 150.0

[[fallback]]
name = "new key"
duration = "1 d"
cost = 400.0
"#;

#[test]
fn the_first_fallback_whose_facts_hold_ends_the_incident() {
    // Keys in the trunk (70%): a tow to the dealer opens it, 2 h and 150. Keys in the cabin
    // (30%): a new key, 1 day and 400. Every incident reaches a fallback after the 10-minute try.
    let sc = compile(&scenario(BY_SITUATION));
    assert_eq!(sc.names.fallbacks, ["tow to the dealer", "new key"]);
    let (tally, _) = run(&sc, N, 21);
    let t = &tally.strategies[0];
    assert_eq!(t.fallback.resolved, N);
    let tow = t.by_fallback[0].resolved as f64 / N as f64;
    assert_within_ci99("tow share", tow, share_se(0.7, N), 0.7);
    assert_eq!(t.by_fallback[1].resolved, N - t.by_fallback[0].resolved);
    let cost = 0.7 * 150.0 + 0.3 * 400.0;
    assert_within_ci99("mean cost", t.cost.mean(), t.cost.std_error(), cost);
    let time = 10.0 + 0.7 * 120.0 + 0.3 * 1440.0;
    assert_within_ci99("mean time", t.time.mean(), t.time.std_error(), time);
    assert_eq!(t.by_fallback[0].resolved_cost.mean(), 150.0);
    assert_eq!(t.by_fallback[1].resolved_time.mean(), 1450.0);
}

#[test]
fn remedies_csv_has_a_row_per_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fallbacks.toml");
    std::fs::write(&path, scenario(BY_SITUATION)).unwrap();
    let out = dir.path().join("out");
    lockout()
        .arg("run")
        .arg(&path)
        .args(["--incidents", "20000", "--no-plots", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = std::fs::read_to_string(out.join("remedies.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows[1].starts_with("base,fallback: tow to the dealer,tow to the dealer,0,0,"),
        "{csv}"
    );
    assert!(
        rows[2].starts_with("base,fallback: new key,new key,0,0,"),
        "{csv}"
    );
}

#[test]
fn check_refuses_fallbacks_that_could_not_be_taken() {
    let cases = [
        (
            // A default before the end would shadow the fallbacks after it.
            "[[fallback]]\nname = \"a\"\nduration = \"1 h\"\n\n[[fallback]]\nname = \"b\"\n\
             when = [\"night\"]\nduration = \"1 h\"\n",
            "only the last fallback may have no `when`",
        ),
        (
            "[[fallback]]\nname = \"a\"\nwhen = [\"night\"]\nduration = \"1 h\"\n",
            "the last fallback is the default",
        ),
        (
            "[[fallback]]\nname = \"a\"\nwhen = [\"nigth\"]\nduration = \"1 h\"\n\n\
             [[fallback]]\nname = \"b\"\nduration = \"1 h\"\n",
            "unknown fact `nigth`",
        ),
    ];
    for (fallbacks, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, scenario(fallbacks)).unwrap();
        let out = lockout().arg("check").arg(&path).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(message), "{fallbacks}: {err}");
        assert!(err.contains("bad.toml:"), "{fallbacks}: no line in {err}");
    }
}
