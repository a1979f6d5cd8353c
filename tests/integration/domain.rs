//! The lockout domain's mechanisms, each with a closed form of its effect (within its 99%
//! confidence interval):
//!
//! * [`the_flagship_trunk_button_resolves_its_closed_form_share`]: in the shipped flagship, the
//!   share of lockouts the trunk button ends follows from the scenario's own numbers: the
//!   button's presence, the faults that stop it, where the keys are, and why the car fails to
//!   see the fob (each detection cause with the success it leaves).
//! * [`a_guard_and_an_overcharging_locksmith_give_the_mixture_mean`]: a phone-search
//!   locksmith's price is the quote or, 14% of the time, an overcharge; a guard nearby sends
//!   the driver to a registered locksmith instead.
//! * [`a_child_inside_breaks_a_window_on_a_hot_day_and_jumps_the_queue`]: with a child or pet
//!   inside, a hot day breaks a window at once; otherwise the emergency race runs with the
//!   roadside wait halved.

use crate::testutil::{assert_within_ci99, compile, minimal, read, root, run, share_se};

/// A probability from a scenario table: `table[key]`, or `default` when absent.
fn prob(table: &toml::Value, key: &str, default: f64) -> f64 {
    table.get(key).map_or(default, |v| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .unwrap_or_else(|| panic!("{key} is not a number"))
    })
}

#[test]
fn the_flagship_trunk_button_resolves_its_closed_form_share() {
    let path = root().join("scenarios/mixed-population.toml");
    let text = read(&path);
    let doc: toml::Value = toml::from_str(&text).unwrap();

    // The button is the first step of every policy, so its resolved share is
    // P(button tried) · E[success | tried]. It is tried when the car has one, no fault stops it,
    // the keys are in the trunk and the 12 V battery is alive; it then succeeds with the
    // success its detection causes leave (the last matching `adjust` wins, zeros last).
    for (name, policy) in doc["policy"].as_table().unwrap() {
        let first = &policy["steps"].as_array().unwrap()[0];
        assert_eq!(first.as_str(), Some("trunk_button"), "policy {name}");
    }
    let fact = |name: &str| &doc["fact"][name]["probability"];
    let flat = |name: &str| fact(name).as_float().unwrap();
    let button = &doc["remedy"]["trunk_button"];
    let base_success = prob(button, "success", 1.0);
    let adjusts = button["adjust"].as_array().unwrap();
    let adjusted = |cause: &str| {
        adjusts
            .iter()
            .find(|a| a["when"].as_array().unwrap()[0].as_str() == Some(cause))
            .map(|a| prob(a, "success", f64::NAN))
            .unwrap()
    };
    // The zero-success causes (blind spot, shielding, locked by another key) override the weak
    // cell's partial success; without any cause the base success holds.
    let (blind, shielded, other_key) = (
        flat("fob_in_blind_spot"),
        flat("fob_shielded"),
        flat("locked_by_other_key"),
    );
    for cause in ["fob_in_blind_spot", "fob_shielded", "locked_by_other_key"] {
        assert_eq!(adjusted(cause), 0.0, "{cause} stops the button");
    }
    let none_of_the_zeros = (1.0 - blind) * (1.0 - shielded) * (1.0 - other_key);
    let weak_success = adjusted("fob_battery_weak");
    let dead_12v = flat("battery_12v_dead");

    let contexts = doc["context"].as_array().unwrap();
    let keys_in_trunk: f64 = contexts
        .iter()
        .map(|c| prob(c, "share", 0.0) * (1.0 - prob(c, "keys_in_cabin", 0.0)))
        .sum();
    let mut expected = 0.0;
    for v in doc["vehicle"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let faults = v
            .get("faults")
            .cloned()
            .unwrap_or(toml::Value::Table(Default::default()));
        let tried = prob(v, "keyless_trunk_button", 0.0)
            * (1.0 - prob(&faults, "fob_battery_dead", 0.0))
            * (1.0 - prob(&faults, "latch_wire_broken", 0.0))
            * (1.0 - dead_12v)
            * keys_in_trunk;
        let weak = prob(fact("fob_battery_weak"), name, f64::NAN);
        let success = none_of_the_zeros * (weak * weak_success + (1.0 - weak) * base_success);
        expected += prob(v, "share", 0.0) * tried * success;
    }

    let n = 200_000;
    let sc = lockout::scenario::from_toml_str(&text, path.to_str().unwrap(), &[]).unwrap();
    let (tally, _) = run(&sc, n, 11);
    let r = sc
        .names
        .remedies
        .iter()
        .position(|x| x == "trunk_button")
        .unwrap();
    let share = tally.strategies[0].remedies[r].resolved as f64 / n as f64;
    assert_within_ci99(
        "trunk button resolves",
        share,
        share_se(expected, n),
        expected,
    );
    // Without the detection causes the button would end this share instead: the causes are
    // what separates the sources' failure modes (F4.5-F4.8) from an independent 0.9.
    assert!(expected < 0.25, "expected share {expected}");
}

#[test]
fn a_guard_and_an_overcharging_locksmith_give_the_mixture_mean() {
    // The quote is triangular(60, 95, 180), mean 111.67; 14% of phone-search calls cost a
    // lognormal with mean 590 (the quote plus about 480, sources F3.6). A guard (30% of
    // lockouts) sends the driver to a registered locksmith who charges the quote.
    let sc = compile(&minimal(
        r#"
[fact.guard_nearby]
probability = 0.3

[remedy.locksmith]
duration = "5 min"
cost = { triangular = { min = 60.0, mode = 95.0, max = 180.0 } }

[remedy.phone_search_locksmith]
duration = "5 min"
cost = { mixture = [
  { weight = 0.86, triangular = { min = 60.0, mode = 95.0, max = 180.0 } },
  { weight = 0.14, lognormal = { mean = 590.0, sd = 250.0 } },
] }

[policy.only]
steps = [{ remedy = "locksmith", when = ["guard_nearby"] }, "phone_search_locksmith"]
"#,
    ));
    let n = 200_000;
    let (tally, _) = run(&sc, n, 3);
    let quote = (60.0 + 95.0 + 180.0) / 3.0;
    let phone = 0.86 * quote + 0.14 * 590.0;
    let expected = 0.3 * quote + 0.7 * phone;
    // Var = E[X²] − mean², with E[X²] of each part: triangular (a² + b² + c² − ab − ac − bc)/18
    // plus its mean², lognormal sd² + mean².
    let tri_second = (60f64.powi(2) + 95f64.powi(2) + 180f64.powi(2)
        - 60.0 * 95.0
        - 60.0 * 180.0
        - 95.0 * 180.0)
        / 18.0
        + quote * quote;
    let logn_second = 250f64.powi(2) + 590f64.powi(2);
    let second = 0.3 * tri_second + 0.7 * (0.86 * tri_second + 0.14 * logn_second);
    let se = ((second - expected * expected) / n as f64).sqrt();
    let cost = &tally.strategies[0].cost;
    assert_within_ci99("mean locksmith price", cost.mean(), se, expected);
    let r = sc
        .names
        .remedies
        .iter()
        .position(|x| x == "locksmith")
        .unwrap();
    let registered = tally.strategies[0].remedies[r].resolved as f64 / n as f64;
    assert_within_ci99("guard's advice taken", registered, share_se(0.3, n), 0.3);
}

#[test]
fn a_child_inside_breaks_a_window_on_a_hot_day_and_jumps_the_queue() {
    // A child or pet is inside in 20% of lockouts, the day is hot in 50%, the keys are in the
    // cabin in 50%. Fixed times, so each case has one outcome:
    // * hot, a child: a window (3 min); keys in the cabin: reached (1 min), 4 min; keys in the
    //   trunk: roadside with the priority wait 20 + 8 min: 31 min;
    // * not hot, a child: the police (10 + 3 min) race roadside (20 + 8 min, halved wait); keys
    //   in the cabin: the police's opening ends it at 13 min; in the trunk: they only free the
    //   child and roadside opens the trunk at 28 min;
    // * no child: roadside at 40 + 8 = 48 min.
    let sc = compile(
        &minimal(
            r#"
[fact.child_or_pet_inside]
probability = 0.2

[fact.heat]
probability = 0.5

[remedy.break_window]
duration = "3 min"
grants_access = false
sets = ["cabin_open"]

[remedy.reach_into_cabin]
requires = ["keys_in_cabin", "cabin_open"]
duration = "1 min"

[remedy.emergency_services]
requires = ["child_or_pet_inside", "!keys_in_cabin"]
wait = "10 min"
duration = "3 min"
grants_access = false
sets = ["cabin_open"]

[remedy.emergency_services_cabin]
requires = ["child_or_pet_inside", "keys_in_cabin"]
wait = "10 min"
duration = "3 min"

[remedy.roadside]
wait = "40 min"
duration = "8 min"
[[remedy.roadside.adjust]]
when = ["child_or_pet_inside"]
wait_factor = 0.5

[policy.only]
steps = [
  { remedy = "break_window", when = ["child_or_pet_inside", "heat"] },
  { race = ["emergency_services", "emergency_services_cabin", "roadside"], when = ["child_or_pet_inside", "!cabin_open"] },
  "reach_into_cabin",
  "roadside",
]
"#,
        )
        .replace(
            "place = \"home\"\nshare = 1.0\n",
            "place = \"home\"\nshare = 1.0\nkeys_in_cabin = 0.5\n",
        ),
    );
    let n = 200_000;
    let (tally, _) = run(&sc, n, 5);
    let outcomes = [
        (0.05, 4.0),
        (0.05, 31.0),
        (0.05, 13.0),
        (0.05, 28.0),
        (0.8, 48.0),
    ];
    let mean: f64 = outcomes.iter().map(|(p, t)| p * t).sum();
    let second: f64 = outcomes.iter().map(|(p, t)| p * t * t).sum();
    let se = ((second - mean * mean) / n as f64).sqrt();
    assert_within_ci99(
        "mean time to access",
        tally.strategies[0].time.mean(),
        se,
        mean,
    );
    let share = |name: &str, resolved: bool| {
        let r = sc.names.remedies.iter().position(|x| x == name).unwrap();
        let t = &tally.strategies[0].remedies[r];
        (if resolved { t.resolved } else { t.attempts }) as f64 / n as f64
    };
    assert_within_ci99(
        "windows broken",
        share("break_window", false),
        share_se(0.1, n),
        0.1,
    );
    // The police end the incidents with a child inside, not hot, keys in the cabin.
    let police = share("emergency_services_cabin", true);
    assert_within_ci99("police open the car", police, share_se(0.05, n), 0.05);
}
