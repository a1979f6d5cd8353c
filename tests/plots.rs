//! Figures and report page drawn from a results directory (issue 3).
//!
//! The fixture `tests/fixtures/run-dir/` is a small results directory as `lockout run` writes
//! it: four strategies (one with a 40-character name containing `&`), costs that are often
//! zero, and one difference whose confidence interval includes zero. Each test copies it into
//! a temporary directory and renders there.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use lockout::report::page::{REPORT_FILE, render_all, write_report};
use lockout::report::plots::{
    FIGURE_NAMES, FIGURE_SIZE_PX, PlotError, Tables, draw_figures, format_fixed,
};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/run-dir");
const LONG_NAME: &str = "hidden key box & roadside club (monthly)";

/// A fresh copy of the fixture results directory.
fn fixture_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temporary directory");
    for entry in fs::read_dir(FIXTURE).expect("fixture directory") {
        let entry = entry.expect("fixture entry");
        fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("copy fixture file");
    }
    tmp
}

fn strategies(dir: &Path) -> Vec<String> {
    Tables::load(dir)
        .expect("fixture loads")
        .summary
        .iter()
        .map(|r| r.strategy.clone())
        .collect()
}

fn html_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
}

#[test]
fn fixture_has_a_forty_character_strategy_name() {
    assert_eq!(LONG_NAME.chars().count(), 40);
    assert!(strategies(Path::new(FIXTURE)).contains(&LONG_NAME.to_string()));
}

#[test]
fn every_figure_is_written_as_png_and_svg() {
    let tmp = fixture_copy();
    let written = draw_figures(tmp.path()).expect("figures draw");
    let expected: Vec<PathBuf> = FIGURE_NAMES
        .iter()
        .flat_map(|n| ["png", "svg"].map(|ext| tmp.path().join(format!("{n}.{ext}"))))
        .collect();
    assert_eq!(written, expected);
    for path in &written {
        assert!(
            fs::metadata(path).expect("figure exists").len() > 1000,
            "{path:?} is tiny"
        );
    }
}

#[test]
fn pngs_decode_at_the_figure_size_and_are_not_blank() {
    let tmp = fixture_copy();
    draw_figures(tmp.path()).expect("figures draw");
    for name in FIGURE_NAMES {
        let path = tmp.path().join(format!("{name}.png"));
        let img = image::open(&path)
            .unwrap_or_else(|e| panic!("{path:?} does not decode: {e}"))
            .to_rgb8();
        assert_eq!(img.dimensions(), FIGURE_SIZE_PX, "{name}");
        assert!(img.width() >= 1200, "{name} narrower than 1200 px");
        let colours: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        assert!(
            colours.len() >= 50,
            "{name}: only {} colours",
            colours.len()
        );
        let inked = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        let share = inked as f64 / f64::from(img.width() * img.height());
        assert!(
            share > 0.02,
            "{name}: only {:.1}% of pixels drawn",
            100.0 * share
        );
        // Okabe–Ito blue (the first strategy's or remedy's colour) appears in every figure
        // but the forest plot, whose colours encode the verdict instead.
        if name != "difference_vs_baseline" {
            assert!(
                colours.contains(&[0x00, 0x72, 0xB2]),
                "{name}: palette colour missing"
            );
        }
    }
}

#[test]
fn svgs_name_the_scenario_and_every_strategy() {
    let tmp = fixture_copy();
    draw_figures(tmp.path()).expect("figures draw");
    let names = strategies(tmp.path());
    for figure in FIGURE_NAMES {
        let svg = fs::read_to_string(tmp.path().join(format!("{figure}.svg"))).expect("svg");
        assert!(svg.starts_with("<svg"), "{figure}");
        assert!(
            svg.contains("mixed-population"),
            "{figure}: title lacks the scenario"
        );
        for name in &names {
            // The forest plot leaves out the baseline; every other figure shows it.
            if figure == "difference_vs_baseline" && name == "no spare key" {
                continue;
            }
            assert!(
                svg.contains(&html_escaped(name)),
                "{figure}: {name} missing"
            );
        }
    }
    let cost = fs::read_to_string(tmp.path().join("cost_distribution.svg")).expect("svg");
    assert!(
        cost.contains("USD, 2025 prices"),
        "currency missing from the cost axis"
    );
    let annual = fs::read_to_string(tmp.path().join("annual_cost.svg")).expect("svg");
    assert!(
        annual.contains("USD, 2025 prices"),
        "currency missing from the annual axis"
    );
}

#[test]
fn report_shows_every_figure_and_numbers_from_the_tables() {
    let tmp = fixture_copy();
    let written = render_all(tmp.path()).expect("render");
    let report = tmp.path().join(REPORT_FILE);
    assert_eq!(written.last(), Some(&report));
    let html = fs::read_to_string(&report).expect("report");
    for name in FIGURE_NAMES {
        assert!(
            html.contains(&format!("src=\"{name}.png\"")),
            "{name}.png not shown"
        );
        assert!(
            html.contains(&format!("href=\"{name}.svg\"")),
            "{name}.svg not linked"
        );
    }
    // Self-contained: nothing is fetched from the network.
    assert!(!html.contains("http://") && !html.contains("https://"));
    // Scenario, settings, sample size and confidence level.
    assert!(html.contains("Car lockouts: mixed-population"));
    assert!(html.contains("A mixed urban and rural population"));
    for setting in ["20250301", "20,000", "Xoshiro256PlusPlus", "0.1.0", "95%"] {
        assert!(html.contains(setting), "setting {setting} missing");
    }
    assert!(html.contains("USD at 2025 prices"));
    // The baseline's mean time to access and its interval, as in summary.csv
    // (73.011162, 72.532947 to 73.489376).
    assert!(html.contains("73.0<span class=\"ci\">72.5 to 73.5</span>"));
    // Every strategy's annual cost, formatted from the table.
    let tables = Tables::load(tmp.path()).expect("tables");
    for r in &tables.summary {
        let annual = format_fixed(
            r.annual_cost_per_vehicle,
            decimals(r.annual_cost_per_vehicle),
        );
        assert!(
            html.contains(&annual),
            "annual cost {annual} of {} missing",
            r.strategy
        );
    }
    // Names are escaped, never raw.
    assert!(html.contains(&html_escaped(LONG_NAME)));
    assert!(!html.contains(LONG_NAME));
    // The reading: savings by sign, the unclear difference named as such.
    assert!(html.contains(
        "Compared with no spare key, <strong>spare key at home</strong> saves 7.52 min \
         (95% CI 6.74 to 8.30) to get in"
    ));
    assert!(html.contains(
        "<strong>roadside assistance membership</strong> is not distinguishable from the \
         baseline in time to access (difference -0.34 min, 95% CI -1.14 to 0.46)"
    ));
    assert!(html.contains("saves USD 126 (95% CI 124 to 128) in money paid"));
}

fn decimals(x: f64) -> usize {
    lockout::report::plots::decimals_for(x)
}

#[test]
fn rendering_twice_gives_identical_files() {
    let first = fixture_copy();
    let second = fixture_copy();
    let a = render_all(first.path()).expect("first render");
    let b = render_all(second.path()).expect("second render");
    // And again in place, as `lockout plot DIR` does on an existing results directory.
    let c = render_all(first.path()).expect("re-render");
    assert_eq!(a.len(), FIGURE_NAMES.len() * 2 + 1);
    for ((pa, pb), pc) in a.iter().zip(&b).zip(&c) {
        let bytes = fs::read(pb).expect("second file");
        assert_eq!(
            fs::read(pa).expect("first file"),
            bytes,
            "{pa:?} differs between runs"
        );
        assert_eq!(
            fs::read(pc).expect("re-rendered file"),
            bytes,
            "{pc:?} differs in place"
        );
    }
}

#[test]
fn many_strategies_with_long_names_still_draw() {
    // Ten strategies: more series than the palette has colours, all with long names.
    let tmp = fixture_copy();
    let dir = tmp.path();
    let mut tables: Vec<(String, String)> = Vec::new();
    for file in ["summary.csv", "remedies.csv", "distributions.csv"] {
        let text = fs::read_to_string(dir.join(file)).expect("table");
        let (header, body) = text.split_once('\n').expect("header");
        let mut out = format!("{header}\n");
        for k in 0..10 {
            for line in body.lines().filter(|l| l.starts_with(LONG_NAME)) {
                let renamed = format!("{LONG_NAME} v{k}");
                let row = line.replacen(LONG_NAME, &renamed, 1);
                // Only the first copy stays the baseline candidate; summary's flag is false.
                out.push_str(&row);
                out.push('\n');
            }
        }
        tables.push((file.to_string(), out));
    }
    for (file, text) in tables {
        fs::write(dir.join(file), text).expect("write table");
    }
    let written = render_all(dir).expect("ten strategies render");
    assert_eq!(written.len(), FIGURE_NAMES.len() * 2 + 1);
}

#[test]
fn a_missing_table_is_named() {
    let tmp = fixture_copy();
    fs::remove_file(tmp.path().join("summary.csv")).expect("remove");
    let err = draw_figures(tmp.path()).expect_err("no summary");
    assert!(matches!(err, PlotError::MissingTable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("summary.csv") && msg.contains("missing table"),
        "{msg}"
    );
}

#[test]
fn a_bad_value_names_line_and_column() {
    let tmp = fixture_copy();
    let path = tmp.path().join("summary.csv");
    let text = fs::read_to_string(&path).expect("summary");
    fs::write(&path, text.replacen(",65.49005,", ",sixty-five,", 1)).expect("write");
    let err = write_report(tmp.path()).expect_err("bad value");
    let msg = err.to_string();
    assert!(matches!(err, PlotError::BadColumn { .. }), "{err:?}");
    assert!(
        msg.contains("summary.csv")
            && msg.contains("line 3")
            && msg.contains("column `time_to_access_mean_min`"),
        "{msg}"
    );
}

#[test]
fn a_missing_column_is_named() {
    let tmp = fixture_copy();
    let path = tmp.path().join("remedies.csv");
    let text = fs::read_to_string(&path).expect("remedies");
    fs::write(&path, text.replacen("resolved_share", "share", 1)).expect("write");
    let msg = draw_figures(tmp.path())
        .expect_err("missing column")
        .to_string();
    assert!(
        msg.contains("remedies.csv") && msg.contains("missing column `resolved_share`"),
        "{msg}"
    );
}
