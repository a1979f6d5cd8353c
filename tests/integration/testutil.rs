//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use lockout::model::Scenario;
use lockout::report::schema::SummaryRow;
use lockout::report::tables;
use lockout::run::incidents::RunOptions;
use lockout::tally::RunTally;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `lockout` binary, as a command ready for arguments.
pub fn lockout() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("lockout").expect("binary built");
    cmd.current_dir(root()).env_remove("CI");
    cmd
}

/// A minimal valid scenario: one segment, driver and context; `remedies` and `policy` given.
pub fn minimal(remedies_and_policy: &str) -> String {
    format!(
        r#"name = "test"
currency = "USD"
price_year = 2025
incident_rate_per_vehicle_year = 0.02
value_of_time_per_hour = 30.0
horizon = "100 d"

[fallback]
name = "tow"
duration = "1 h"
cost = 500.0

[[vehicle]]
name = "car"
share = 1.0
keyless_trunk_button = 0.6

[[driver]]
name = "driver"
share = 1.0
policy = "only"

[[context]]
place = "home"
share = 1.0

[[strategy]]
name = "base"
baseline = true

{remedies_and_policy}
"#
    )
}

/// Compiles scenario text or panics with the error.
pub fn compile(text: &str) -> Scenario {
    lockout::scenario::from_toml_str(text, "test.toml", &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `incidents` incidents and returns the tally and summary rows.
pub fn run(sc: &Scenario, incidents: u64, seed: u64) -> (RunTally, Vec<SummaryRow>) {
    let result =
        lockout::run::incidents::run(sc, &RunOptions::incidents(seed, incidents)).expect("run");
    let rows = tables::summarise(sc, &result.tally, None);
    (result.tally, rows)
}

/// The two-sided 99% normal quantile.
pub const Z99: f64 = 2.5758293035489004;

/// Asserts `estimate` is within the 99% confidence interval `z99·se` of `expected`.
pub fn assert_within_ci99(what: &str, estimate: f64, se: f64, expected: f64) {
    assert!(
        (estimate - expected).abs() <= Z99 * se,
        "{what}: estimate {estimate} is not within the 99% CI (±{}) of {expected}",
        Z99 * se
    );
}

/// Binomial standard error of a share `p` over `n` trials.
pub fn share_se(p: f64, n: u64) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt()
}

/// Reads a file to a string.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
