//! The habits users know from other command-line tools: `--version` with the commit, `--quiet`,
//! shell completions and a man page, "did you mean" for misspelt names, readable headlines.

use crate::testutil::{lockout, minimal};

/// `--version` names the package version and the git commit the binary was built from.
#[test]
fn version_names_the_commit() {
    let out = lockout().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!("lockout {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    // A checkout has a commit: 7 or more hex digits (or "unknown" outside git).
    let commit = text[expected.len()..]
        .split([',', ')'])
        .next()
        .unwrap()
        .to_string();
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{text}"
    );
    if std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.git")).exists() {
        assert_ne!(commit, "unknown", "built in a git checkout: {text}");
    }
}

/// `--quiet` (`-q`, before or after the subcommand) prints nothing on stdout for a run, and the
/// run still writes its results.
#[test]
fn quiet_run_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (i, args) in [
        vec!["--quiet", "run"],
        vec!["run", "-q"],
        vec!["-q", "run", "--set", "remedy.locksmith.success=0.9"],
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.path().join(format!("res{i}"));
        let output = lockout()
            .args(&args)
            .args(["scenarios/mixed-population.toml", "--no-plots"])
            .args(["--incidents", "2000", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
        assert!(output.stderr.is_empty(), "{args:?}: {output:?}");
        assert!(out.join("summary.csv").is_file());
    }
    // Without it, the same run prints its headline.
    let out = dir.path().join("loud");
    let output = lockout()
        .args(["run", "scenarios/mixed-population.toml", "--no-plots"])
        .args(["--incidents", "2000", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.stdout.is_empty());
}

/// `completions SHELL` prints a script derived from the parser: it knows the subcommands.
#[test]
fn completions_for_bash_and_zsh() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = lockout().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.trim().is_empty(), "{shell}");
        assert!(text.contains("run"), "{shell}: {text}");
        assert!(text.contains("incidents"), "{shell}");
    }
    lockout()
        .args(["completions", "tcsh"])
        .assert()
        .failure()
        .code(2);
}

/// `man` prints a roff man page that documents the subcommands and the global flags.
#[test]
fn man_page_is_roff() {
    let out = lockout().arg("man").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with('.'), "{text}");
    let title = text
        .lines()
        .take(5)
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH title line: {text}"));
    assert!(title.contains("lockout"), "{title}");
    assert!(text.contains(".SH SYNOPSIS"), "{text}");
    assert!(text.contains("\\-\\-quiet"), "{text}");
    assert!(text.contains("completions"), "{text}");
}

/// Runs `lockout ARGS...` and returns stderr, checking the exit status is 2 (bad input).
fn refused(args: &[&str], scenario: Option<&std::path::Path>) -> String {
    let mut cmd = lockout();
    cmd.args(args);
    if let Some(path) = scenario {
        cmd.arg(path);
    }
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    stderr
}

/// A misspelt strategy on the command line gets the closest name; a far-off one gets none.
#[test]
fn misspelt_strategy_gets_did_you_mean() {
    let stderr = refused(
        &[
            "explain",
            "scenarios/mixed-population.toml",
            "--incident",
            "0",
            "--strategy",
            "spare key in walet",
        ],
        None,
    );
    assert!(
        stderr.contains(r#"unknown strategy "spare key in walet""#),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"did you mean "spare key in wallet"?"#),
        "{stderr}"
    );
    let stderr = refused(
        &[
            "explain",
            "scenarios/mixed-population.toml",
            "--incident",
            "0",
            "--strategy",
            "teleport",
        ],
        None,
    );
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

/// Names in a scenario that refer to other entries: a policy step naming a misspelt remedy, a
/// driver naming a misspelt policy, a strategy disabling a misspelt remedy.
#[test]
fn misspelt_names_in_a_scenario_get_did_you_mean() {
    let remedies = r#"
[remedy.locksmith]
duration = "5 min"
cost = 100.0

[remedy.spare_key]
duration = "40 min"
cost = 0.0

[policy.only]
steps = ["locksmith", "spare_key"]
"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    for (from, to, expected) in [
        (
            r#"steps = ["locksmith", "spare_key"]"#,
            r#"steps = ["locksmth", "spare_key"]"#,
            "unknown remedy `locksmth` (remedies: locksmith, spare_key); did you mean `locksmith`?",
        ),
        (
            r#"steps = ["locksmith", "spare_key"]"#,
            r#"steps = ["locksmith", { race = ["spare_kye"] }]"#,
            "did you mean `spare_key`?",
        ),
        (
            r#"policy = "only""#,
            r#"policy = "onyl""#,
            "unknown policy `onyl` (policies: only); did you mean `only`?",
        ),
        (
            "baseline = true",
            "baseline = true\ndisable = [\"lockmsith\"]",
            "did you mean `locksmith`?",
        ),
    ] {
        let text = minimal(remedies);
        assert!(text.contains(from), "{from}");
        std::fs::write(&file, text.replace(from, to)).unwrap();
        let stderr = refused(&["check"], Some(&file));
        assert!(stderr.contains(expected), "{to}: {stderr}");
    }
    // --set paths: a misspelt remedy, segment and field.
    std::fs::write(&file, minimal(remedies)).unwrap();
    for (set, expected) in [
        ("remedy.locksmth.cost=90", "did you mean `locksmith`?"),
        ("vehicle.cra.share=1", "did you mean `car`?"),
        ("remedy.locksmith.cots=90", "did you mean `cost`?"),
    ] {
        let stderr = refused(&["check", "--set", set], Some(&file));
        assert!(stderr.contains(expected), "{set}: {stderr}");
    }
}

/// The lines of `stdout` from the one starting with `strategy` (the header) up to the footer
/// (starting with `n = `).
fn table_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("strategy"))
        .take_while(|l| !l.starts_with("n = "))
        .collect()
}

/// Display width of a line (a CJK character is two columns, a combining accent none).
fn width(line: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(line)
}

/// The headline of an incident run has interval columns and a difference column, aligned by
/// display width even for strategy names with non-ASCII characters; the footer gives the
/// sample size and the confidence level.
#[test]
fn headline_table_has_intervals_and_aligns_non_ascii_names() {
    let text = minimal(
        r#"
[remedy.locksmith]
duration = { triangular = { min = "5 min", mode = "20 min", max = "60 min" } }
cost = { triangular = { min = 60.0, mode = 95.0, max = 180.0 } }

[policy.only]
steps = ["locksmith"]

[[strategy]]
name = "Schlüssel · 予備キー"
annual_cost = 5.0
set = { "remedy.locksmith.cost" = 80.0 }

[[strategy]]
name = "cafe\u0301 key"
annual_cost = 1.0
"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("names.toml");
    std::fs::write(&file, text).unwrap();
    let output = lockout()
        .arg("run")
        .arg(&file)
        .args(["--incidents", "3000", "--no-plots", "--out"])
        .arg(dir.path().join("res"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines = table_lines(&stdout);
    assert_eq!(lines.len(), 4, "header and three strategies: {stdout}");
    let header = lines[0];
    assert!(header.contains("95% CI"), "{header}");
    assert!(header.contains("vs baseline"), "{header}");
    assert!(lines[2].starts_with("Schlüssel · 予備キー "), "{stdout}");
    // Every line ends in the right-aligned last column: the same display width.
    let widths: Vec<usize> = lines.iter().map(|l| width(l)).collect();
    assert!(
        widths.iter().all(|w| *w == widths[0]),
        "{widths:?}\n{stdout}"
    );
    // Each column starts at the same display column in every row: the second column's cells
    // (time) end where the header's "time (min)" ends.
    let end_of =
        |line: &str, needle: &str| width(&line[..line.find(needle).unwrap() + needle.len()]);
    let time_end = end_of(header, "time (min)");
    for line in &lines[1..] {
        let name_end = line
            .char_indices()
            .find(|&(i, _)| {
                line[i..].starts_with("  ")
                    && line[i..]
                        .trim_start()
                        .starts_with(|c: char| c.is_ascii_digit())
            })
            .map(|(i, _)| i)
            .unwrap();
        let rest = line[name_end..].trim_start();
        let time = rest.split_whitespace().next().unwrap();
        assert_eq!(end_of(line, time), time_end, "{line}\n{stdout}");
        // An interval per mean: "[low, high]".
        assert!(line.contains('[') && line.contains(", "), "{line}");
    }
    let footer = stdout.lines().find(|l| l.starts_with("n = ")).unwrap();
    assert!(footer.contains("n = 3,000 incidents"), "{footer}");
    assert!(footer.contains("95% confidence"), "{footer}");
}

/// A region run prints a headline table too: per strategy the average annual loss per
/// vehicle-year with its interval (the very numbers of insurer_cost.csv) and the mean time.
#[test]
fn region_run_prints_a_headline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let output = lockout()
        .args(["run", "scenarios/metro-roadside-club.toml", "--no-plots"])
        .args(["--periods", "3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines = table_lines(&stdout);
    let header = lines
        .first()
        .unwrap_or_else(|| panic!("no table: {stdout}"));
    assert!(header.contains("AAL/vehicle-year"), "{header}");
    assert!(header.contains("95% CI"), "{header}");
    assert!(header.contains("time (min)"), "{header}");
    let widths: Vec<usize> = lines.iter().map(|l| width(l)).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{stdout}");
    // The ground-up pure premium of each strategy, as insurer_cost.csv writes it.
    let mut csv = csv::Reader::from_path(out.join("insurer_cost.csv")).unwrap();
    let head = csv.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let mut strategies = 0;
    for rec in csv.records() {
        let rec = rec.unwrap();
        if &rec[col("perspective")] != "ground_up" {
            continue;
        }
        strategies += 1;
        let aal: f64 = rec[col("pure_premium_per_vehicle_year")].parse().unwrap();
        let row = lines
            .iter()
            .find(|l| l.starts_with(&rec[col("strategy")]))
            .unwrap_or_else(|| panic!("no row for {}: {stdout}", &rec[col("strategy")]));
        let after_name = row[rec[col("strategy")].len()..]
            .split_whitespace()
            .next()
            .unwrap();
        assert_eq!(after_name, format!("{aal:.2}"), "{row}");
    }
    assert_eq!(lines.len(), strategies + 1, "{stdout}");
    let footer = stdout.lines().find(|l| l.starts_with("n = ")).unwrap();
    assert!(
        footer.contains("n = 3 periods of 50,000 vehicles"),
        "{footer}"
    );
    assert!(footer.contains("95% confidence"), "{footer}");
}
