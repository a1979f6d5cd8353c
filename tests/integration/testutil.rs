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

/// The `lockout` binary, as a command ready for arguments. Its runs are dated 2026-12-06
/// (`SOURCE_DATE_EPOCH`), so that two runs compared byte for byte never straddle midnight.
pub fn lockout() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("lockout").expect("binary built");
    cmd.current_dir(root())
        .env_remove("CI")
        .env("SOURCE_DATE_EPOCH", (20_793 * 86_400).to_string());
    cmd
}

/// Seconds since 1970 at midnight UTC of an ISO date `YYYY-MM-DD` (H. Hinnant's
/// days-from-civil), for `SOURCE_DATE_EPOCH`.
pub fn epoch_of_date(date: &str) -> u64 {
    let parts: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (y, m, d) = (parts[0] - i64::from(parts[1] <= 2), parts[1], parts[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400).unwrap()
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

/// A scenario file's text, its joint sample (`[uncertainty] samples`, relative to the file)
/// made an absolute path, so that the text compiles and runs from anywhere.
pub fn scenario_text(path: &Path) -> String {
    let text = read(path);
    let dir = path.parent().expect("a file in a directory");
    text.lines()
        .map(|line| match line.trim().strip_prefix("samples = \"") {
            Some(rest) => {
                let file = rest.split('"').next().unwrap_or_default();
                format!("samples = {:?}", dir.join(file).display().to_string())
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
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

#[test]
fn dates_become_epochs() {
    assert_eq!(epoch_of_date("1970-01-01"), 0);
    assert_eq!(epoch_of_date("2000-02-29"), 11_016 * 86_400);
    assert_eq!(epoch_of_date("2026-12-06"), 20_793 * 86_400);
}
