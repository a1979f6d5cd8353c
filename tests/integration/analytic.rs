//! Cases whose answer is known in closed form, at 10^6 incidents, checked within the 99%
//! confidence interval of the estimate.

use crate::testutil::{Z99, assert_within_ci99, compile, minimal, run, share_se};

const N: u64 = 1_000_000;

#[test]
fn one_remedy_with_an_exponential_wait() {
    let sc = compile(&minimal(
        r#"
[remedy.locksmith]
wait = { exponential = { mean = "30 min" } }
duration = "0 min"
cost = 100.0

[policy.only]
steps = ["locksmith"]
"#,
    ));
    let (tally, rows) = run(&sc, N, 1);
    let t = &tally.strategies[0];
    assert_within_ci99("mean time", t.time.mean(), t.time.std_error(), 30.0);
    // The sd of an exponential equals its mean; the sample sd is far more precise than 1%.
    assert!(
        (t.time.sd() / 30.0 - 1.0).abs() < 0.01,
        "sd {}",
        t.time.sd()
    );
    // Quantiles: exact value -30 ln(1-q); sampling error of the q-quantile of an exponential is
    // sqrt(q/((1-q)n)) relative to the mean, plus at most 0.4% from the sketch.
    for (q, got) in [
        (0.5f64, rows[0].time_to_access_p50_min),
        (0.9, rows[0].time_to_access_p90_min),
        (0.99, rows[0].time_to_access_p99_min),
    ] {
        let exact = -30.0 * (1.0 - q).ln();
        let tol = Z99 * 30.0 * (q / ((1.0 - q) * N as f64)).sqrt() + 0.004 * exact;
        assert!(
            (got - exact).abs() <= tol,
            "p{q}: {got} vs {exact} (tol {tol})"
        );
    }
    assert_eq!(rows[0].cost_mean, 100.0);
    assert_eq!(rows[0].unresolved_rate, 0.0);
}

#[test]
fn trunk_button_or_locksmith_mixture() {
    // 60% of cars have the button (0.5 min, always works); the rest wait exp(30 min) for a
    // locksmith who charges 100.
    let sc = compile(&minimal(
        r#"
[remedy.trunk_button]
requires = ["keyless_trunk_button"]
duration = "30 s"

[remedy.locksmith]
wait = { exponential = { mean = "30 min" } }
duration = "0 min"
cost = 100.0

[policy.only]
steps = ["trunk_button", "locksmith"]
"#,
    ));
    let (tally, rows) = run(&sc, N, 2);
    let t = &tally.strategies[0];
    let p = 0.6;
    // Mean time 0.6·0.5 + 0.4·30; variance of the mixture for the interval.
    let mean = p * 0.5 + (1.0 - p) * 30.0;
    let second_moment = p * 0.25 + (1.0 - p) * 2.0 * 900.0;
    let se = ((second_moment - mean * mean) / N as f64).sqrt();
    assert_within_ci99("mixture mean time", t.time.mean(), se, mean);
    assert_within_ci99(
        "mixture mean cost",
        t.cost.mean(),
        100.0 * share_se(1.0 - p, N),
        40.0,
    );
    let button = sc
        .names
        .remedies
        .iter()
        .position(|r| r == "trunk_button")
        .unwrap();
    let share = t.remedies[button].resolved as f64 / N as f64;
    assert_within_ci99("button share", share, share_se(p, N), p);
    assert_eq!(rows[0].damage_rate, 0.0);
}

#[test]
fn two_concurrent_remedies_race() {
    // Spare key exp(mean 20) races a locksmith exp(mean 30): access at the minimum, an
    // exponential with rate 1/20 + 1/30 = 1/12; the spare key wins with probability 0.6. The
    // loser is cancelled: the locksmith charges 25 when cancelled, the spare key trip 0.
    let sc = compile(&minimal(
        r#"
[remedy.spare_key]
duration = { exponential = { mean = "20 min" } }
cost = 10.0

[remedy.locksmith]
wait = { exponential = { mean = "30 min" } }
duration = "0 min"
cost = 100.0
cancel_fee = 25.0

[policy.only]
steps = [{ race = ["spare_key", "locksmith"] }]
"#,
    ));
    let (tally, _) = run(&sc, N, 3);
    let t = &tally.strategies[0];
    assert_within_ci99(
        "race mean time",
        t.time.mean(),
        12.0 / (N as f64).sqrt(),
        12.0,
    );
    let spare = sc
        .names
        .remedies
        .iter()
        .position(|r| r == "spare_key")
        .unwrap();
    let share = t.remedies[spare].resolved as f64 / N as f64;
    assert_within_ci99("spare key wins", share, share_se(0.6, N), 0.6);
    // Cost: spare key wins → 10 + 25 (cancelled locksmith); locksmith wins → 100 (the spare
    // key trip is cancelled for free). Mean 0.6·35 + 0.4·100 = 61, a two-point distribution.
    let se = 65.0 * share_se(0.6, N);
    assert_within_ci99("race mean cost", t.cost.mean(), se, 61.0);
    assert_eq!(t.remedies[spare].attempts, N);
}

#[test]
fn horizon_hands_over_to_the_fallback() {
    // The only remedy takes exactly 2 h and fails: the steps run out at 2 h, and the fallback
    // adds 1 h and 500.
    let text = minimal(
        r#"
[remedy.locksmith]
success = 0.0
duration = "2 h"
cost = 80.0

[policy.only]
steps = ["locksmith"]
"#,
    );
    let sc = compile(&text);
    let (_, rows) = run(&sc, 10_000, 4);
    assert_eq!(rows[0].unresolved_rate, 1.0);
    assert_eq!(rows[0].time_to_access_mean_min, 180.0);
    assert_eq!(rows[0].cost_mean, 580.0);
    // Time cost: 3 h at 30 per hour.
    assert_eq!(rows[0].time_cost_mean, 90.0);
    assert_eq!(rows[0].total_cost_mean, 670.0);

    // With a 1 h horizon the attempt is cut short: the fallback starts at 60 min, and the
    // running locksmith is cancelled (no fee, no price).
    let sc = compile(&text.replace("horizon = \"100 d\"", "horizon = \"1 h\""));
    let (_, rows) = run(&sc, 10_000, 4);
    assert_eq!(rows[0].unresolved_rate, 1.0);
    assert_eq!(rows[0].time_to_access_mean_min, 120.0);
    assert_eq!(rows[0].cost_mean, 500.0);
}
