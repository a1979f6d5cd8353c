//! Strategies that apply to whom they apply: a target (segments, profiles, contexts, facts), an
//! uptake, and a prevention cost split by the share attributable to lockouts. The annual cost
//! per vehicle of a partly adopted strategy must equal the closed-form mixture of adopters and
//! non-adopters, each measured in a separate run of its own sub-population.

use lockout::engine::SituationDraws;
use lockout::engine::situation::Situation;
use lockout::model::Fact;
use lockout::report::prevention;
use lockout::run::incidents::{Evaluator, RunOptions, replay};

use crate::testutil::{Z99, compile, run};

const N: u64 = 200_000;

/// Two segments (keyless 40%, metal 60%); an app that opens keyless cars whose driver has the
/// phone app; `strategy` is the `[[strategy]]` compared with the baseline.
fn scenario(keyless_share: f64, strategy: &str) -> String {
    let mut vehicles = String::new();
    for (name, share, app) in [
        ("keyless", keyless_share, 0.5),
        ("metal", 1.0 - keyless_share, 0.0),
    ] {
        if share > 0.0 {
            vehicles +=
                &format!("[[vehicle]]\nname = \"{name}\"\nshare = {share}\napp_unlock = {app}\n\n");
        }
    }
    format!(
        r#"name = "uptake"
currency = "USD"
price_year = 2025
incident_rate_per_vehicle_year = 0.5
value_of_time_per_hour = 30.0
horizon = "100 d"

[fallback]
name = "tow"
duration = "1 h"
cost = 500.0

{vehicles}
[[driver]]
name = "driver"
share = 1.0
policy = "only"
smartphone_app = 0.5

[[context]]
place = "home"
share = 1.0

[remedy.app]
requires = ["app_unlock", "smartphone_app"]
duration = "2 min"
success = 0.9

[remedy.locksmith]
wait = {{ exponential = {{ mean = "40 min" }} }}
duration = "10 min"
cost = {{ uniform = {{ min = 80.0, max = 200.0 }} }}

[policy.only]
steps = ["app", "locksmith"]

[[strategy]]
name = "base"
baseline = true

[[strategy]]
{strategy}
"#
    )
}

/// The app subscription: every adopter's car and driver can use the app; lockouts halve.
const APP: &str = r#"name = "app"
annual_cost = 60.0
incident_rate_multiplier = 0.5
set = { "vehicle.*.app_unlock" = 1.0, "driver.*.smartphone_app" = 1.0 }"#;

/// (mean, standard error) of the mean total cost per incident of summary row `i`.
fn total(rows: &[lockout::report::schema::SummaryRow], i: usize) -> (f64, f64) {
    let r = &rows[i];
    let se = (r.total_cost_ci95_high - r.total_cost_ci95_low) / 2.0 / 1.959963984540054;
    (r.total_cost_mean, se)
}

#[test]
fn annual_cost_is_the_mixture_of_adopters_and_non_adopters() {
    let (u, m, p, r) = (0.3, 0.5, 60.0, 0.5);
    let mixed = compile(&scenario(
        0.4,
        &format!("{APP}\nuptake = {u}\ntarget = {{ segments = [\"keyless\"] }}"),
    ));
    let (tally, rows) = run(&mixed, N, 11);
    // Separate runs of the sub-populations: keyless cars with and without the app (paired, one
    // run), and metal-key cars, which the strategy does not target.
    let (_, keyless) = run(&compile(&scenario(1.0, APP)), N, 12);
    let (_, metal) = run(&compile(&scenario(0.0, APP)), N, 13);
    let (k_base, k_app, metal_base) = (total(&keyless, 0), total(&keyless, 1), total(&metal, 0));

    // Adopters are 0.4 × 0.3 of the vehicles: within the binomial interval.
    let f = prevention::Figures::of(&mixed, &tally, 1);
    let share = 0.4 * u;
    let got = f.adopting_share();
    let se = (share * (1.0 - share) / N as f64).sqrt();
    assert!((got - share).abs() <= Z99 * se, "adopting share {got}");
    assert_eq!(f.targeted, tally.prevention[1].as_ref().unwrap().targeted);

    // The closed-form mixture, at the exact shares.
    let a = share;
    let closed = p * a + r * ((0.4 - a) * k_base.0 + 0.6 * metal_base.0 + a * m * k_app.0);
    let closed_se = r * ((0.4 - a) * k_base.1 + a * m * k_app.1).hypot(0.6 * metal_base.1);
    let row = &rows[1];
    let mixed_se = (row.annual_cost_per_vehicle_ci95_high - row.annual_cost_per_vehicle_ci95_low)
        / 2.0
        / 1.959963984540054;
    let tol = Z99 * closed_se.hypot(mixed_se);
    assert!(
        (row.annual_cost_per_vehicle - closed).abs() <= tol,
        "annual cost per vehicle {} vs the mixture {closed} (tolerance {tol})",
        row.annual_cost_per_vehicle
    );
    // The check can fail: forgetting the adopters' rate multiplier would move the result by
    // r·a·(1 − m)·E[total | adopter], more than the tolerance.
    assert!(tol < r * a * (1.0 - m) * k_app.0, "tolerance {tol}");

    // The rate over the population, and the adopters' share of the strategy's lockouts.
    let got_a = f.adopting_share();
    assert!((row.incident_rate_per_vehicle_year - r * (1.0 - got_a + got_a * m)).abs() < 1e-12);
    assert!((row.prevention_cost_per_year - p * got_a).abs() < 1e-12);
    let prow = &prevention::rows(&mixed, &tally, &rows)[1];
    let share_of_incidents = prow.adopter_incident_share.unwrap();
    assert!((share_of_incidents - got_a * m / (got_a * m + 1.0 - got_a)).abs() < 1e-12);
    // Per adopter: the keyless cars' annual cost with the app, from their separate run.
    let per_adopter = prow.annual_cost_per_adopter.unwrap();
    let expected = p + r * m * k_app.0;
    let tol = Z99 * r * m * k_app.1 * (1.0 + (1.0 / a).sqrt());
    assert!(
        (per_adopter - expected).abs() <= tol,
        "annual cost per adopter {per_adopter} vs {expected} (tolerance {tol})"
    );
    let saving = prow.saving_per_adopter_vs_baseline.unwrap();
    let expected = r * (k_base.0 - m * k_app.0) - p;
    let tol = Z99 * r * (k_base.1 + m * k_app.1) * (1.0 + (1.0 / a).sqrt());
    assert!(
        (saving - expected).abs() <= tol,
        "saving per adopter {saving} vs {expected}"
    );
}

#[test]
fn the_lockout_share_of_the_cost_is_charged_per_adopting_vehicle() {
    // The same model as the baseline (a membership that changes nothing in a lockout): only
    // the charge differs, 100 × 0.25 per adopting vehicle.
    let sc = compile(&scenario(
        0.4,
        "name = \"club\"\nannual_cost = 100.0\nlockout_share = 0.25\nuptake = 0.5",
    ));
    let (tally, rows) = run(&sc, 20_000, 3);
    let a = prevention::Figures::of(&sc, &tally, 1).adopting_share();
    assert!((a - 0.5).abs() < 0.02, "adopting share {a}");
    assert_eq!(rows[1].prevention_cost_per_year, 25.0 * a);
    let extra = rows[1].annual_cost_per_vehicle - rows[0].annual_cost_per_vehicle;
    assert!((extra - 25.0 * a).abs() < 1e-9, "extra annual cost {extra}");
    let prow = &prevention::rows(&sc, &tally, &rows)[1];
    assert_eq!(
        (
            prow.annual_cost,
            prow.lockout_share,
            prow.prevention_cost_per_adopter
        ),
        (100.0, 0.25, 25.0)
    );
    assert!((prow.saving_per_adopter_vs_baseline.unwrap() + 25.0).abs() < 1e-9);
    // A strategy that applies to all is charged its lockout share too.
    let all = compile(&scenario(
        0.4,
        "name = \"club\"\nannual_cost = 100.0\nlockout_share = 0.25",
    ));
    let (_, rows) = run(&all, 2_000, 3);
    assert_eq!(rows[1].prevention_cost_per_year, 25.0);
}

#[test]
fn a_fact_target_selects_adopters_incident_by_incident() {
    // Two uptakes of one target: the adopters of 0.3 are among those of 0.6, a non-adopter's
    // outcome is the baseline's, and replay agrees with the run.
    let text = scenario(
        0.4,
        &format!(
            "{APP}\nuptake = 0.3\ntarget = {{ facts = [\"smartphone_app\"] }}\n\n\
             [[strategy]]\n{}\nuptake = 0.6\ntarget = {{ facts = [\"smartphone_app\"] }}",
            APP.replace("\"app\"", "\"app more\"")
        ),
    );
    let sc = compile(&text);
    let mut ev = Evaluator::new(&sc, 5);
    let (mut targeted, mut adopters) = (0u64, [0u64; 2]);
    for index in 0..4000 {
        let outcomes = ev.evaluate(index).to_vec();
        let (t, a) = ev.adoption();
        let base = Situation::realise(&sc.strategies[0].model, &SituationDraws::draw(5, index));
        let phone = base.facts.has(Fact::SmartphoneApp);
        assert_eq!(t, if phone { 0b110 } else { 0 }, "incident {index}");
        assert!(a & !t == 0 && a & 0b010 & !(a >> 1) == 0, "nested: {a:b}");
        targeted += phone as u64;
        for s in 1..3 {
            let adopted = a >> s & 1 != 0;
            adopters[s - 1] += adopted as u64;
            if !adopted {
                assert_eq!(outcomes[s], outcomes[0], "incident {index}");
            }
            assert_eq!(replay(&sc, 5, index, s).outcome, outcomes[s]);
        }
    }
    // Half the drivers have the app; 0.3 and 0.6 of them adopt.
    let near = |k: u64, p: f64, n: u64| {
        (k as f64 / n as f64 - p).abs() <= Z99 * (p * (1.0 - p) / n as f64).sqrt()
    };
    assert!(near(targeted, 0.5, 4000), "targeted {targeted}");
    assert!(near(adopters[0], 0.3, targeted), "adopters {adopters:?}");
    assert!(near(adopters[1], 0.6, targeted), "adopters {adopters:?}");

    // A run's tally counts the same, for any thread count.
    let result = lockout::run::incidents::run(
        &sc,
        &RunOptions {
            threads: 2,
            ..RunOptions::incidents(5, 4000)
        },
    )
    .unwrap();
    let p = result.tally.prevention[1].as_ref().unwrap();
    assert_eq!((p.targeted, p.adopters), (targeted, adopters[0]));
}

#[test]
fn refusals_name_the_field() {
    let err = |strategy: &str| {
        lockout::scenario::from_toml_str(&scenario(0.4, strategy), "t.toml", &[])
            .unwrap_err()
            .to_string()
    };
    let e = err("name = \"app\"\ntarget = { segments = [\"keyles\"] }");
    assert!(
        e.contains("strategy[1].target.segments[0]") && e.contains("did you mean \"keyless\""),
        "{e}"
    );
    let e = err("name = \"app\"\nuptake = 1.5");
    assert!(
        e.contains("strategy[1].uptake") && e.contains("[0, 1]"),
        "{e}"
    );
    let e = err("name = \"app\"\nlockout_share = -0.1");
    assert!(e.contains("strategy[1].lockout_share"), "{e}");
    let e = err("name = \"app\"\ntarget = { profiles = [\"driver\"], colour = [\"red\"] }");
    assert!(e.contains("colour"), "{e}");
    // The baseline applies to everyone.
    let text =
        scenario(0.4, "name = \"app\"").replace("baseline = true", "baseline = true\nuptake = 0.5");
    let e = lockout::scenario::from_toml_str(&text, "t.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("strategy[0].uptake") && e.contains("baseline"),
        "{e}"
    );
    // A region run simulates each strategy's own arrivals: uptake is refused there, located.
    let fleet =
        crate::testutil::read(&crate::testutil::root().join("scenarios/delivery-fleet.toml"))
            .replace(
                "incident_rate_multiplier = 0.3    # assumption, as mixed-population.toml",
                "incident_rate_multiplier = 0.3\nuptake = 0.5",
            );
    let e = lockout::scenario::from_toml_str(&fleet, "fleet.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("strategy[2].uptake") && e.contains("region"),
        "{e}"
    );
}

#[test]
fn adoption_tallies_merge_exactly_and_read_back() {
    let sc = compile(&scenario(
        0.4,
        &format!("{APP}\nuptake = 0.3\ntarget = {{ segments = [\"keyless\"] }}"),
    ));
    let whole = lockout::run::incidents::simulate_range(&sc, 9, 0..3000);
    let mut parts = lockout::run::incidents::simulate_range(&sc, 9, 1700..3000);
    parts.merge(&lockout::run::incidents::simulate_range(&sc, 9, 0..1700));
    assert_eq!(parts, whole);
    // A shard's state (JSON) reads back, validates against the scenario, and merges checked.
    let json = serde_json::to_string(&whole).unwrap();
    let back: lockout::tally::RunTally = serde_json::from_str(&json).unwrap();
    back.validate(&lockout::tally::RunTally::new(&sc)).unwrap();
    let mut twice = back.clone();
    twice.checked_merge(&back).unwrap();
    assert_eq!(
        twice.prevention[1].as_ref().unwrap().adopters,
        2 * whole.prevention[1].as_ref().unwrap().adopters
    );
    // A tally of a scenario without uptake does not match one with it.
    let plain = compile(&scenario(0.4, APP));
    assert!(
        back.validate(&lockout::tally::RunTally::new(&plain))
            .is_err()
    );
}

#[test]
fn check_describes_targets_uptakes_and_lockout_shares() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uptake.toml");
    let strategies = format!(
        "{APP}\nuptake = 0.3\ntarget = {{ segments = [\"keyless\"], facts = [\"smartphone_app\", \"!night\"] }}\n\n\
         [[strategy]]\nname = \"club\"\nannual_cost = 100.0\nlockout_share = 0.25"
    );
    std::fs::write(&path, scenario(0.4, &strategies)).unwrap();
    let out = crate::testutil::lockout()
        .arg("check")
        .arg(&path)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("applies to segments [keyless], facts smartphone_app and !night; uptake 0.3"),
        "{text}"
    );
    assert!(
        text.contains("club: 100 USD/year (0.25 of it charged to lockouts)"),
        "{text}"
    );
}

#[test]
fn explain_says_whether_the_vehicle_is_targeted_and_adopts() {
    let text = scenario(
        0.4,
        &format!("{APP}\nuptake = 0.3\ntarget = {{ segments = [\"keyless\"] }}"),
    );
    let sc = compile(&text);
    let s = sc.strategy_index("app").unwrap();
    let find = |want: (bool, bool)| {
        (0..10_000u64)
            .find(|&i| replay(&sc, sc.seed, i, s).adoption == Some(want))
            .expect("such an incident")
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uptake.toml");
    std::fs::write(&path, &text).unwrap();
    for (want, line) in [
        (
            (false, false),
            "not targeted by \"app\": the incident runs as under the baseline",
        ),
        (
            (true, false),
            "targeted by \"app\" but does not adopt it (uptake 0.3)",
        ),
        (
            (true, true),
            "targeted by \"app\" and adopts it (uptake 0.3)",
        ),
    ] {
        let i = find(want);
        let out = crate::testutil::lockout()
            .arg("explain")
            .arg(&path)
            .args(["--incident", &i.to_string(), "--strategy", "app"])
            .assert()
            .success();
        let got = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(got.contains(line), "incident {i}: {got}");
    }
}
