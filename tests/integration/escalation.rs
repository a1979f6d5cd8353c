//! Policies that escalate and conditional steps: closed forms within 99% confidence intervals
//! at 10^6 incidents, and what `check` refuses.

use lockout::model::Scenario;

use crate::testutil::{assert_within_ci99, compile, lockout, minimal, run, share_se};

const N: u64 = 1_000_000;

fn remedy(sc: &Scenario, name: &str) -> usize {
    sc.names.remedies.iter().position(|r| r == name).unwrap()
}

/// `E[T; T < a]` for `T` exponential with rate `l`.
fn partial_exp_mean(l: f64, a: f64) -> f64 {
    (1.0 - (-l * a).exp() * (1.0 + l * a)) / l
}

#[test]
fn a_failed_racer_starts_the_next_step_while_the_other_continues() {
    // Step 1 races A (10 min, fails with q = 0.3) against B (exponential, mean 40 min) and
    // escalates on failure; step 2 is C (exponential, mean 20 min). If B is not done by 10 min
    // and A fails, C starts at 10 min while B continues: by memorylessness B's rest and C race
    // as exponentials with rates 1/40 and 1/20.
    let sc = compile(&minimal(
        r#"
[remedy.a]
duration = "10 min"
success = 0.7

[remedy.b]
duration = { exponential = { mean = "40 min" } }

[remedy.c]
duration = { exponential = { mean = "20 min" } }

[policy.only]
steps = [{ race = ["a", "b"], escalate = "on_failure" }, "c"]
"#,
    ));
    let (tally, _) = run(&sc, N, 11);
    let t = &tally.strategies[0];
    let (a, q, lb, lc): (f64, f64, f64, f64) = (10.0, 0.3, 1.0 / 40.0, 1.0 / 20.0);
    let b_late = (-lb * a).exp();
    let p_a = b_late * (1.0 - q);
    let p_c = b_late * q * lc / (lb + lc);
    let p_b = 1.0 - p_a - p_c;
    for (name, p) in [("a", p_a), ("b", p_b), ("c", p_c)] {
        let share = t.remedies[remedy(&sc, name)].resolved as f64 / N as f64;
        assert_within_ci99(&format!("{name} resolves"), share, share_se(p, N), p);
    }
    let mean = partial_exp_mean(lb, a) + b_late * ((1.0 - q) * a + q * (a + 1.0 / (lb + lc)));
    assert_within_ci99("mean time", t.time.mean(), t.time.std_error(), mean);
    // Without escalation C would never start (B always works, 40 min on average after A's
    // failure): the mean would be longer by b_late · q · (40 − 1/(lb + lc)) ≈ 6.2 min.
    let plain = partial_exp_mean(lb, a) + b_late * ((1.0 - q) * a + q * (a + 40.0));
    assert!((t.time.mean() - plain).abs() > 20.0 * t.time.std_error());
}

#[test]
fn the_next_step_starts_after_a_stated_time_without_access() {
    // "Start the locksmith after 30 min without access": the spare key (exponential, mean 45
    // min) escalates after 30 min to the locksmith (exponential, mean 25 min), which then races
    // the spare key's (memoryless) rest.
    let sc = compile(&minimal(
        r#"
[remedy.spare_key]
duration = { exponential = { mean = "45 min" } }

[remedy.locksmith]
wait = { exponential = { mean = "25 min" } }
duration = "0 min"
cost = 150.0
cancel_fee = 40.0

[policy.only]
steps = [{ remedy = "spare_key", escalate_after = "30 min" }, "locksmith"]
"#,
    ));
    let (tally, _) = run(&sc, N, 1);
    let t = &tally.strategies[0];
    let (after, la, lc): (f64, f64, f64) = (30.0, 1.0 / 45.0, 1.0 / 25.0);
    let late = (-la * after).exp();
    let p_lock = late * lc / (la + lc);
    let share = t.remedies[remedy(&sc, "locksmith")].resolved as f64 / N as f64;
    assert_within_ci99("locksmith resolves", share, share_se(p_lock, N), p_lock);
    let mean = partial_exp_mean(la, after) + late * (after + 1.0 / (la + lc));
    assert_within_ci99("mean time", t.time.mean(), t.time.std_error(), mean);
    // The locksmith is called in `late` of incidents: paid 150 when it wins, 40 when the spare
    // key comes first and it is called off.
    let cost = 150.0 * p_lock + 40.0 * (late - p_lock);
    assert_within_ci99("mean cost", t.cost.mean(), t.cost.std_error(), cost);
    let called = t.remedies[remedy(&sc, "locksmith")].attempts as f64 / N as f64;
    assert_within_ci99("locksmith called", called, share_se(late, N), late);
}

#[test]
fn at_once_and_conditional_steps() {
    // Step 1 (spare key, 30 min fixed, fails half the time) starts step 2 at once; step 2 is
    // conditional on the trunk button, which the vehicle has with probability 0.6: then the
    // button (5 min, always works) wins. Without the button step 2 is passed over, so step 3's
    // turn comes at once too: the locksmith (60 min fixed) runs beside the spare key from the
    // start, is called off when the spare key works at 30 min, and ends it at 60 min otherwise.
    let sc = compile(&minimal(
        r#"
[remedy.spare_key]
duration = "30 min"
success = 0.5

[remedy.trunk_button]
duration = "5 min"

[remedy.locksmith]
duration = "60 min"
cost = 100.0

[policy.only]
steps = [
  { remedy = "spare_key", escalate = "at_once" },
  { remedy = "trunk_button", when = ["keyless_trunk_button"] },
  "locksmith",
]
"#,
    ));
    let (tally, _) = run(&sc, N, 2);
    let t = &tally.strategies[0];
    let p_button = 0.6;
    let p_spare = 0.4 * 0.5;
    let p_lock = 0.4 * 0.5;
    for (name, p) in [
        ("trunk_button", p_button),
        ("spare_key", p_spare),
        ("locksmith", p_lock),
    ] {
        let share = t.remedies[remedy(&sc, name)].resolved as f64 / N as f64;
        assert_within_ci99(&format!("{name} resolves"), share, share_se(p, N), p);
    }
    let mean = p_button * 5.0 + p_spare * 30.0 + p_lock * 60.0;
    assert_within_ci99("mean time", t.time.mean(), t.time.std_error(), mean);
    // The button is never tried without the fact: the step is passed over, not skipped.
    let tried = t.remedies[remedy(&sc, "trunk_button")].attempts as f64 / N as f64;
    assert_within_ci99("button tried", tried, share_se(0.6, N), 0.6);
    let called = t.remedies[remedy(&sc, "locksmith")].attempts as f64 / N as f64;
    assert_within_ci99("locksmith called", called, share_se(0.4, N), 0.4);
}

#[test]
fn explain_says_why_each_step_started() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escalate.toml");
    std::fs::write(
        &path,
        minimal(
            r#"
[remedy.spare_key]
duration = "45 min"
success = 0.0

[remedy.locksmith]
duration = "20 min"

[policy.only]
steps = [{ remedy = "spare_key", escalate_after = "30 min" }, "locksmith"]
"#,
        ),
    )
    .unwrap();
    let out = lockout()
        .arg("explain")
        .arg(&path)
        .args(["--incident", "0"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("step 1 starts: the first step"), "{text}");
    assert!(
        text.contains("step 2 starts: no access 30.0 min after the step before started"),
        "{text}"
    );
}

#[test]
fn check_refuses_escalation_it_cannot_run() {
    let cases = [
        (
            r#"steps = ["a", { remedy = "b", escalate = "on_failure" }]"#,
            "the last step has no next step",
        ),
        (
            r#"steps = [{ remedy = "a", escalate_after = "0 min" }, "b"]"#,
            "more than 0",
        ),
        (
            r#"steps = [{ remedy = "a", escalate = "sometimes" }, "b"]"#,
            "escalate is \"on_failure\"",
        ),
        (
            r#"steps = [{ race = ["a", "b", "c", "d", "e"], escalate = "at_once" }, { race = ["a", "b", "c", "d"] }]"#,
            "up to 9 attempts run at once",
        ),
        (
            r#"steps = [{ remedy = "a", race = ["b"] }]"#,
            "`race` or `remedy`",
        ),
    ];
    let remedies: String = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|r| format!("[remedy.{r}]\nduration = \"1 min\"\n\n"))
        .collect();
    for (policy, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            minimal(&format!("{remedies}[policy.only]\n{policy}\n")),
        )
        .unwrap();
        let out = lockout().arg("check").arg(&path).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(message), "{policy}: {err}");
        assert!(err.contains("bad.toml:"), "{policy}: no line in {err}");
    }
}
