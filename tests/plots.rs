//! Figures and report page drawn from a results directory (issue 3).
//!
//! The fixture `tests/fixtures/run-dir/` is a small results directory as `lockout run` writes
//! it: four strategies (one with a 40-character name containing `&`), costs that are often
//! zero, and one difference whose confidence interval includes zero. Each test copies it into
//! a temporary directory and renders there.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use lockout::report::figures::read::{PlotError, Tables};
use lockout::report::figures::{
    FIGURE_NAMES, FIGURE_SIZE_PX, REGION_FIGURE_NAMES, SWEEP_FIGURE_NAMES, draw_figures,
    draw_sweep_figures,
};
use lockout::report::format::format_fixed;
use lockout::report::page::{REPORT_FILE, render_all, write_report};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/run-dir");
/// A 30-period run of metro-roadside-club.toml (`lockout run ... --periods 30`) cut down to
/// two strategies: every table as written, rows of the other strategies removed.
const REGION_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/region-dir");
/// `lockout sweep scenarios/metro-roadside-club.toml --periods 10 --set
/// 'region.pool.patrol trucks.count=3..6'`, cut down to the same two strategies.
const SWEEP_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sweep-dir");
const LONG_NAME: &str = "hidden key box & roadside club (monthly)";

/// A fresh copy of the fixture results directory.
fn fixture_copy() -> tempfile::TempDir {
    copy_of(FIXTURE)
}

/// A fresh copy of a fixture directory.
fn copy_of(fixture: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temporary directory");
    for entry in fs::read_dir(fixture).expect("fixture directory") {
        let entry = entry.expect("fixture entry");
        fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("copy fixture file");
    }
    tmp
}

/// Asserts the PNG at `path` decodes at the figure size, uses many colours, is not mostly
/// white and contains `colour`.
fn assert_png_drawn(path: &Path, colour: [u8; 3]) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{path:?} does not decode: {e}"))
        .to_rgb8();
    assert_eq!(img.dimensions(), FIGURE_SIZE_PX, "{path:?}");
    let colours: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() >= 50,
        "{path:?}: only {} colours",
        colours.len()
    );
    let inked = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    let share = inked as f64 / f64::from(img.width() * img.height());
    assert!(
        share > 0.02,
        "{path:?}: only {:.1}% of pixels drawn",
        100.0 * share
    );
    assert!(
        colours.contains(&colour),
        "{path:?}: colour {colour:?} missing"
    );
}

/// Replaces `from` by `to` in every table of `dir` named in `files`.
fn rename_in(dir: &Path, files: &[&str], from: &str, to: &str) {
    for file in files {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).expect("table");
        assert!(text.contains(from), "{file} lacks {from}");
        fs::write(&path, text.replace(from, to)).expect("write table");
    }
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
    assert_figures_embedded(&html, tmp.path(), &FIGURE_NAMES);
    // Self-contained: nothing is fetched from the network (the SVG namespace is a name, not a
    // fetch), no image is loaded from a file.
    assert!(
        !html
            .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
            .contains("http")
    );
    assert!(!html.contains("<img"));
    // Conclusion first, then the settings; the run's date, scenario file and hash, and links
    // to the tables.
    let glance = html.find("<h2>At a glance</h2>").expect("glance");
    assert!(glance < html.find("<h2>Run settings</h2>").expect("settings"));
    assert!(html.contains("The lowest expected cost per vehicle and year is"));
    assert!(html.contains("<dt>run date</dt><dd>"));
    assert!(html.contains("3f1c0d2e9a7b5c4d"));
    assert!(html.contains("<a href=\"summary.csv\">summary.csv</a>"));
    // A print layout: pages break between figures and rows, not inside them.
    assert!(html.contains("@media print") && html.contains("break-inside: avoid"));
    // Scenario, settings, sample size and confidence level.
    assert!(html.contains("Car lockouts: mixed-population"));
    assert!(html.contains("A mixed urban and rural population"));
    for setting in ["20250301", "20,000", "Xoshiro256PlusPlus", "0.1.0", "95%"] {
        assert!(html.contains(setting), "setting {setting} missing");
    }
    assert!(html.contains("USD at 2025 prices"));
    // The baseline's mean time to access and its interval, as in summary.csv
    // (73.011162, 72.532947 to 73.489376).
    // Decimals follow the interval's width: two digits of it show.
    assert!(html.contains("73.01<span class=\"ci\">72.53 to 73.49</span>"));
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
        "<strong>spare key at home</strong>: per lockout it saves 7.52 min (95% CI 6.74 to \
         8.30) to get in"
    ));
    assert!(html.contains(
        "<strong>roadside assistance membership</strong>: per lockout it is not \
         distinguishable from the baseline in time to access (difference -0.34 min, 95% CI \
         -1.14 to 0.46)"
    ));
    assert!(html.contains("saves USD 126.2 (95% CI 123.9 to 128.4) in money paid"));
}

/// Every figure of `names` is on the page as the SVG lockout wrote beside it, labelled for
/// screen readers, and linked as PNG and SVG.
fn assert_figures_embedded(html: &str, dir: &std::path::Path, names: &[&str]) {
    for name in names {
        let svg = fs::read_to_string(dir.join(format!("{name}.svg"))).expect("svg");
        let at = html
            .find(&format!(
                "<figure id=\"{name}\">\n<svg role=\"img\" aria-label=\"Figure "
            ))
            .unwrap_or_else(|| panic!("{name} not embedded"));
        // The embedded body is the file's, after its opening `<svg`.
        let body = &svg[svg.find("<svg").unwrap() + 4..].trim_end();
        assert!(html[at..].contains(body), "{name}: not the file's SVG");
        assert!(
            html.contains(&format!(
                "<a href=\"{name}.svg\">SVG</a> · <a href=\"{name}.png\">PNG</a>"
            )),
            "{name} not linked"
        );
    }
    assert_eq!(html.matches("<svg role=\"img\"").count(), names.len());
}

/// The reading compares a strategy's break-even rate with the baseline's incident rate, on
/// which it is defined, not with the strategy's own (lowered) rate; an interval of no width is
/// said to be exact rather than printed as "x to x".
#[test]
fn the_reading_compares_break_even_with_the_baseline_rate() {
    let tmp = fixture_copy();
    render_all(tmp.path()).expect("render");
    let mut tables = Tables::load(tmp.path()).expect("tables");
    let base_rate = tables.baseline().incident_rate_per_vehicle_year;
    // As if "spare key at home" also cut the incident rate to 0.3 of the baseline's.
    let row = tables
        .summary
        .iter_mut()
        .find(|r| r.strategy == "spare key at home")
        .unwrap();
    row.incident_rate_per_vehicle_year = 0.3 * base_rate;
    let be = row.break_even_incident_rate.unwrap();
    // And its annual cost with an interval of no width.
    let annual = row.annual_cost_per_vehicle;
    row.annual_cost_per_vehicle_ci95_low = annual;
    row.annual_cost_per_vehicle_ci95_high = annual;
    let html = lockout::report::page::report_html(&tables);
    let sentence = format!(
        "pays for itself above {} incidents per vehicle-year under the baseline (this scenario \
         assumes {})",
        lockout::report::format::format_trimmed(be),
        lockout::report::format::format_trimmed(base_rate)
    );
    assert!(html.contains(&sentence), "missing: {sentence}");
    let own = lockout::report::format::format_trimmed(0.3 * base_rate);
    assert!(!html.contains(&format!("assumes {own})")));
    let a = format_fixed(annual, decimals(annual));
    assert!(html.contains(&format!("{a} (exact: no sampling spread)")));
    assert!(!html.contains(&format!("{a} to {a}")));
}

fn decimals(x: f64) -> usize {
    lockout::report::format::decimals_for(x)
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

// ---------------------------------------------------------------------------------------------
// Region runs and sweeps
// ---------------------------------------------------------------------------------------------

const OKABE_BLUE: [u8; 3] = [0x00, 0x72, 0xB2];
const OKABE_VERMILLION: [u8; 3] = [0xD5, 0x5E, 0x00];

#[test]
fn an_incident_run_draws_no_region_figures() {
    let tmp = fixture_copy();
    let written = render_all(tmp.path()).expect("render");
    assert_eq!(written.len(), FIGURE_NAMES.len() * 2 + 1);
    for name in REGION_FIGURE_NAMES.iter().chain(&SWEEP_FIGURE_NAMES) {
        for ext in ["png", "svg"] {
            assert!(
                !tmp.path().join(format!("{name}.{ext}")).exists(),
                "{name}.{ext}"
            );
        }
    }
    let html = fs::read_to_string(tmp.path().join(REPORT_FILE)).expect("report");
    assert!(!html.contains("Region: losses and responders"));
    assert!(!html.contains("ep_curve"));
}

#[test]
fn a_region_run_draws_the_region_figures_too() {
    let tmp = copy_of(REGION_FIXTURE);
    let written = draw_figures(tmp.path()).expect("figures draw");
    let expected: Vec<PathBuf> = FIGURE_NAMES
        .iter()
        .chain(&REGION_FIGURE_NAMES)
        .flat_map(|n| ["png", "svg"].map(|ext| tmp.path().join(format!("{n}.{ext}"))))
        .collect();
    assert_eq!(written, expected);
    for name in REGION_FIGURE_NAMES {
        let png = tmp.path().join(format!("{name}.png"));
        // The baseline's blue and the second strategy's vermillion.
        assert_png_drawn(&png, OKABE_BLUE);
        assert_png_drawn(&png, OKABE_VERMILLION);
    }
}

#[test]
fn region_svgs_name_scenario_strategies_pools_and_units() {
    let tmp = copy_of(REGION_FIXTURE);
    draw_figures(tmp.path()).expect("figures draw");
    let svg = |name: &str| fs::read_to_string(tmp.path().join(format!("{name}.svg"))).expect("svg");
    for name in REGION_FIGURE_NAMES {
        let text = svg(name);
        assert!(text.starts_with("<svg"), "{name}");
        assert!(
            text.contains("Metro roadside club"),
            "{name}: scenario missing"
        );
        assert!(
            text.contains("today&apos;s habits (baseline)"),
            "{name}: baseline missing"
        );
        assert!(
            text.contains("spare key campaign"),
            "{name}: strategy missing"
        );
    }
    let ep = svg("ep_curve");
    for needle in [
        "Loss exceedance",
        "Ground-up loss · AEP",
        "Ground-up loss · OEP",
        "Insured loss · AEP",
        "Insured loss · OEP",
        "return period (years, log scale)",
        "USD, 2025 prices",
        "TVaR",
        "30 simulated years",
    ] {
        assert!(ep.contains(needle), "ep_curve: {needle} missing");
    }
    for name in ["responder_waits", "utilisation"] {
        let text = svg(name);
        assert!(text.contains("patrol trucks (4 responders)"), "{name}");
        assert!(
            text.contains("contracted locksmiths (2 responders)"),
            "{name}"
        );
    }
    assert!(svg("responder_waits").contains("queue wait (minutes)"));
    // Utilisation labels come from responders.csv: 0.46366750340289964 and 21.9375 min.
    let util = svg("utilisation");
    assert!(
        util.contains("46.4% · p90 wait 21.9 min"),
        "baseline label missing"
    );
}

#[test]
fn region_report_shows_the_figures_and_numbers_from_the_tables() {
    let tmp = copy_of(REGION_FIXTURE);
    let written = render_all(tmp.path()).expect("render");
    assert_eq!(
        written.len(),
        (FIGURE_NAMES.len() + REGION_FIGURE_NAMES.len()) * 2 + 1
    );
    let html = fs::read_to_string(tmp.path().join(REPORT_FILE)).expect("report");
    let names: Vec<&str> = FIGURE_NAMES
        .iter()
        .chain(&REGION_FIGURE_NAMES)
        .copied()
        .collect();
    assert_figures_embedded(&html, tmp.path(), &names);
    assert!(html.contains("Figure 8.</strong> Utilisation"));
    assert!(html.contains("<dt>periods</dt><dd>30 simulated years of 365 days</dd>"));
    assert!(html.contains("Region: losses and responders"));
    // insurer_cost.csv: the baseline's ground-up AAL 372105.0047955195 with its CI
    // 367853.7244843246 to 376356.28510671447, its insured AAL, the VaR/TVaR at 95% and the
    // empty 99% columns (30 periods do not reach 100 years).
    assert!(html.contains("372,105<span class=\"ci\">367,854 to 376,356</span>"));
    assert!(html.contains("229,202<span class=\"ci\">227,744 to 230,661</span>"));
    assert!(html.contains("<td class=\"num\">395,160</td><td class=\"num\">401,960</td>"));
    assert!(html.contains("<td class=\"num\">&mdash;</td><td class=\"num\">&mdash;</td></tr>"));
    assert!(html.contains(
        "is USD 372,105 (95% CI 367,854 to 376,356) ground-up, and USD 229,202 (95% CI \
         227,744 to 230,661) insured (after the policy terms)"
    ));
    assert!(html.contains("The lowest ground-up AAL is <strong>spare key campaign</strong>"));
    // responders.csv: utilisation, calls and queue-wait percentiles of every row.
    assert!(html.contains(
        "<strong>patrol trucks</strong> (4 responders): busy 46.4% of the on-shift time; 90% \
         of 90,474 lockout calls dispatched within 21.9 min."
    ));
    for row in [
        "<td class=\"num\">46.4%</td><td class=\"num\">90,474</td><td class=\"num\">48,815</td><td class=\"num\">0 / 21.9 / 71.2</td>",
        "<td class=\"num\">22.4%</td><td class=\"num\">1,132</td><td class=\"num\">0</td><td class=\"num\">0 / 11.7 / 71.2</td>",
        "<td class=\"num\">44.4%</td><td class=\"num\">50,839</td><td class=\"num\">29,184</td><td class=\"num\">0 / 18.8 / 62.6</td>",
    ] {
        assert!(html.contains(row), "responder row {row} missing");
    }
    for table in [
        "insurer_cost.csv",
        "ep_curve.csv",
        "ylt.csv",
        "responders.csv",
        "waits.csv",
    ] {
        assert!(
            html.contains(&format!("<a href=\"{table}\">{table}</a>")),
            "{table}"
        );
    }
    assert!(
        !html
            .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
            .contains("http")
    );
}

#[test]
fn region_names_are_escaped_in_the_report_and_figures() {
    let tmp = copy_of(REGION_FIXTURE);
    let dir = tmp.path();
    rename_in(
        dir,
        &["responders.csv", "waits.csv"],
        "patrol trucks",
        "trucks & <vans>",
    );
    render_all(dir).expect("render");
    let html = fs::read_to_string(dir.join(REPORT_FILE)).expect("report");
    assert!(html.contains("<strong>trucks &amp; &lt;vans&gt;</strong>"));
    assert!(!html.contains("trucks & <vans>"));
    for name in ["responder_waits", "utilisation"] {
        let svg = fs::read_to_string(dir.join(format!("{name}.svg"))).expect("svg");
        assert!(
            svg.contains("trucks &amp; &lt;vans&gt; (4 responders)"),
            "{name}"
        );
    }
}

#[test]
fn a_region_run_without_insured_losses_draws_one_row_of_curves() {
    let tmp = copy_of(REGION_FIXTURE);
    let dir = tmp.path();
    for file in ["ep_curve.csv", "insurer_cost.csv"] {
        let text = fs::read_to_string(dir.join(file)).expect("table");
        let kept: Vec<&str> = text.lines().filter(|l| !l.contains(",insured,")).collect();
        fs::write(dir.join(file), kept.join("\n") + "\n").expect("write");
    }
    draw_figures(dir).expect("figures draw");
    let svg = fs::read_to_string(dir.join("ep_curve.svg")).expect("svg");
    assert!(svg.contains("Ground-up loss · AEP"));
    assert!(!svg.contains("Insured loss"));
    assert_png_drawn(&dir.join("ep_curve.png"), OKABE_BLUE);
}

#[test]
fn a_region_run_without_waits_is_named() {
    let tmp = copy_of(REGION_FIXTURE);
    fs::remove_file(tmp.path().join("waits.csv")).expect("remove");
    let err = draw_figures(tmp.path()).expect_err("no waits");
    assert!(matches!(err, PlotError::MissingTable { .. }), "{err:?}");
    assert!(err.to_string().contains("waits.csv"), "{err}");
}

#[test]
fn a_bad_region_value_names_line_and_column() {
    let tmp = copy_of(REGION_FIXTURE);
    let path = tmp.path().join("responders.csv");
    let text = fs::read_to_string(&path).expect("responders");
    fs::write(&path, text.replacen(",90474,", ",many,", 1)).expect("write");
    let msg = draw_figures(tmp.path()).expect_err("bad value").to_string();
    assert!(
        msg.contains("responders.csv")
            && msg.contains("line 2")
            && msg.contains("column `dispatched_calls`"),
        "{msg}"
    );
}

#[test]
fn the_sweep_staffing_figure_is_drawn() {
    let tmp = copy_of(SWEEP_FIXTURE);
    let written = draw_sweep_figures(tmp.path()).expect("staffing draws");
    let expected: Vec<PathBuf> = SWEEP_FIGURE_NAMES
        .iter()
        .flat_map(|n| ["png", "svg"].map(|ext| tmp.path().join(format!("{n}.{ext}"))))
        .collect();
    assert_eq!(written, expected);
    let png = tmp.path().join("staffing.png");
    assert_png_drawn(&png, OKABE_BLUE);
    assert_png_drawn(&png, OKABE_VERMILLION);
    let svg = fs::read_to_string(tmp.path().join("staffing.svg")).expect("svg");
    for needle in [
        "Staffing",
        // The field's path in the subtitle, its human label on the x axis.
        "Each value of region.pool.patrol trucks.count run",
        "patrol trucks: number of responders",
        "patrol trucks: queue wait",
        "patrol trucks: utilisation",
        "contracted locksmiths: queue wait",
        "today&apos;s habits",
        "spare key campaign",
        "p90 queue wait",
        "p50 queue wait",
        "queue wait (minutes)",
    ] {
        assert!(svg.contains(needle), "staffing: {needle} missing");
    }
    // The swept values label the x axis.
    for v in ["3", "4", "5", "6"] {
        assert!(
            svg.contains(&format!(">\n{v}\n<")) || svg.contains(&format!(">{v}<")),
            "tick {v}"
        );
    }
}

#[test]
fn the_staffing_title_names_the_scenario_when_run_json_is_there() {
    let tmp = copy_of(SWEEP_FIXTURE);
    // The manifest `lockout sweep` writes beside sweep.csv.
    let manifest = r#"{
  "confidence_level": 0.95,
  "currency": "USD",
  "fixed_overrides": [],
  "lockout_version": "0.1.0",
  "price_year": 2025,
  "scenario": {
    "description": "A 50,000-member roadside club",
    "name": "Metro roadside club",
    "path": "scenarios/metro-roadside-club.toml",
    "sha256": "18a9e1bb581addb618783b819b688e73be0ea044cde4ff2ee6adee9cb7f3e426"
  },
  "seed": 42,
  "sweep": {
    "parameter": "region.pool.patrol trucks.count",
    "unit": null,
    "values": [3.0, 4.0, 5.0, 6.0]
  }
}
"#;
    fs::write(tmp.path().join("run.json"), manifest).expect("write run.json");
    draw_sweep_figures(tmp.path()).expect("staffing draws");
    let svg = fs::read_to_string(tmp.path().join("staffing.svg")).expect("svg");
    assert!(svg.contains("Staffing: Metro roadside club"));
}

#[test]
fn an_incident_level_sweep_draws_means_but_no_staffing() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let header = fs::read_to_string(Path::new(SWEEP_FIXTURE).join("sweep.csv"))
        .expect("sweep")
        .lines()
        .next()
        .expect("header")
        .to_string();
    let rows = [
        "incident_rate_per_vehicle_year,0.05,no spare key,1000,60,58,62,120,90,85,95,0.01,4.5,,,,,,,USD,2025",
        "incident_rate_per_vehicle_year,0.1,no spare key,1000,60,58,62,120,90,85,95,0.01,9,,,,,,,USD,2025",
    ];
    fs::write(
        tmp.path().join("sweep.csv"),
        format!("{header}\n{}\n", rows.join("\n")),
    )
    .expect("write");
    let written = draw_sweep_figures(tmp.path()).expect("no pools is fine");
    assert_eq!(
        written,
        ["png", "svg"].map(|ext| tmp.path().join(format!("sweep_means.{ext}")))
    );
    assert!(!tmp.path().join("staffing.png").exists());
    assert_png_drawn(&tmp.path().join("sweep_means.png"), OKABE_BLUE);
    let svg = fs::read_to_string(tmp.path().join("sweep_means.svg")).expect("svg");
    for needle in [
        "Time to access",
        "Total cost",
        "total cost per incident (USD)",
        "incident_rate_per_vehicle_year",
        "no spare key",
    ] {
        assert!(svg.contains(needle), "sweep_means: {needle} missing");
    }
}

#[test]
fn a_missing_sweep_table_is_named() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let err = draw_sweep_figures(tmp.path()).expect_err("no sweep.csv");
    assert!(matches!(err, PlotError::MissingTable { .. }), "{err:?}");
    assert!(err.to_string().contains("sweep.csv"), "{err}");
}

#[test]
fn region_and_sweep_figures_are_byte_identical_when_redrawn() {
    let (a, b) = (copy_of(REGION_FIXTURE), copy_of(REGION_FIXTURE));
    let first = render_all(a.path()).expect("first");
    let second = render_all(b.path()).expect("second");
    let again = render_all(a.path()).expect("in place");
    for ((pa, pb), pc) in first.iter().zip(&second).zip(&again) {
        let bytes = fs::read(pb).expect("second file");
        assert_eq!(fs::read(pa).expect("first file"), bytes, "{pa:?} differs");
        assert_eq!(
            fs::read(pc).expect("redrawn file"),
            bytes,
            "{pc:?} differs in place"
        );
    }
    let (c, d) = (copy_of(SWEEP_FIXTURE), copy_of(SWEEP_FIXTURE));
    let first = draw_sweep_figures(c.path()).expect("first sweep");
    let second = draw_sweep_figures(d.path()).expect("second sweep");
    for (pa, pb) in first.iter().zip(&second) {
        assert_eq!(
            fs::read(pa).expect("first"),
            fs::read(pb).expect("second"),
            "{pa:?} differs"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Damaged tables: `lockout plot` refuses them by file and line, never panics
// ---------------------------------------------------------------------------------------------

/// Runs `lockout plot DIR` and checks the refusal: a non-zero exit, no panic, stderr containing
/// every needle.
fn expect_plot_refused(dir: &Path, needles: &[&str]) {
    let output = assert_cmd::Command::cargo_bin("lockout")
        .expect("binary built")
        .arg("plot")
        .arg(dir)
        .env_remove("CI")
        .output()
        .expect("run lockout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "plot accepted it: {needles:?}");
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
}

/// A copy of the fixture with `file` edited by replacing `from` (which must occur) by `to`.
fn edited_fixture(file: &str, from: &str, to: &str) -> tempfile::TempDir {
    let tmp = fixture_copy();
    let path = tmp.path().join(file);
    let text = fs::read_to_string(&path).expect("table");
    assert!(text.contains(from), "{from} not in {file}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
    tmp
}

#[test]
fn impossible_values_are_refused_by_file_and_line() {
    for (file, from, to, needles) in [
        // A mean that is not a number (line 3: the second strategy).
        (
            "summary.csv",
            ",65.49005,",
            ",NaN,",
            &[
                "summary.csv",
                "line 3",
                "`time_to_access_mean_min`",
                "not a finite",
            ][..],
        ),
        // A share of 1.5.
        (
            "remedies.csv",
            ",0.93215,",
            ",1.5,",
            &[
                "remedies.csv",
                "line 2",
                "`resolved_share`",
                "not in [0, 1]",
            ],
        ),
        // A damage rate below zero.
        (
            "remedies.csv",
            ",0.05845,",
            ",-0.05845,",
            &["remedies.csv", "line 2", "`damage_share`"],
        ),
        // Quantiles out of order: the 0.002 quantile above the 0.003 one.
        (
            "distributions.csv",
            "no spare key,0.002,18.220652,",
            "no spare key,0.002,99.5,",
            &["distributions.csv", "line 4", "decrease"],
        ),
        // A quantile order repeated.
        (
            "distributions.csv",
            "no spare key,0.003,",
            "no spare key,0.002,",
            &["distributions.csv", "line 4", "does not follow"],
        ),
        // An infinite quantile.
        (
            "distributions.csv",
            "no spare key,0.011,23.820229,",
            "no spare key,0.011,inf,",
            &["distributions.csv", "line 12", "not a finite"],
        ),
        // A strategy no summary row describes.
        (
            "remedies.csv",
            "no spare key,locksmith,",
            "no such strategy,locksmith,",
            &["remedies.csv", "line 2", "not in summary.csv"],
        ),
    ] {
        let tmp = edited_fixture(file, from, to);
        expect_plot_refused(tmp.path(), needles);
    }
    // The summary's quantiles out of order (p90 above p99) and an interval not around its
    // mean: edit the first data row's columns by name.
    for (column, value, needle) in [
        ("time_to_access_p90_min", "1e6", "out of order"),
        ("cost_ci95_low", "1e9", "out of order"),
        ("unresolved_rate", "2", "not in [0, 1]"),
    ] {
        let tmp = fixture_copy();
        let path = tmp.path().join("summary.csv");
        let text = fs::read_to_string(&path).expect("summary");
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let at = lines[0].split(',').position(|h| h == column).expect(column);
        let mut cells: Vec<&str> = lines[1].split(',').collect();
        cells[at] = value;
        lines[1] = cells.join(",");
        fs::write(&path, lines.join("\n") + "\n").expect("write");
        expect_plot_refused(tmp.path(), &["summary.csv", "line 2", column, needle]);
    }
}

#[test]
fn truncated_empty_binary_and_garbage_files_are_refused() {
    let garbage: [(&str, &[u8]); 5] = [
        ("empty", b""),
        (
            "binary",
            &[0x00, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a],
        ),
        ("non-UTF-8 text", b"strategy,quantile\n\xff\xfe,0.5\n"),
        (
            "a header only",
            b"strategy,quantile,time_to_access_min,cost\n",
        ),
        ("prose", b"this is not a table\n{\"nor\": \"json\"}\n"),
    ];
    for (fixture, files) in [
        (
            FIXTURE,
            &[
                "run.json",
                "summary.csv",
                "remedies.csv",
                "distributions.csv",
            ][..],
        ),
        (
            REGION_FIXTURE,
            &[
                "ep_curve.csv",
                "insurer_cost.csv",
                "responders.csv",
                "waits.csv",
            ][..],
        ),
    ] {
        for file in files {
            for (what, bytes) in garbage {
                let tmp = copy_of(fixture);
                fs::write(tmp.path().join(file), bytes).expect("write");
                let output = assert_cmd::Command::cargo_bin("lockout")
                    .expect("binary built")
                    .arg("plot")
                    .arg(tmp.path())
                    .output()
                    .expect("run lockout");
                let stderr = String::from_utf8_lossy(&output.stderr);
                assert!(!stderr.contains("panicked"), "{file} {what}: {stderr}");
                // An empty table of remedies or waits is a table without rows, which may draw.
                if output.status.success() {
                    assert!(
                        what == "a header only" || what == "empty",
                        "{file} {what}: accepted"
                    );
                    assert!(
                        !["run.json", "summary.csv", "distributions.csv"].contains(file),
                        "{file} {what}: accepted"
                    );
                    continue;
                }
                assert_eq!(output.status.code(), Some(2), "{file} {what}: {stderr}");
                assert!(stderr.contains(file), "{file} {what}: {stderr}");
            }
        }
    }
    // Truncated in the middle of a row.
    for file in ["summary.csv", "remedies.csv", "distributions.csv"] {
        let tmp = fixture_copy();
        let path = tmp.path().join(file);
        let text = fs::read(&path).expect("table");
        let cut = text.len() / 2 + 7;
        let cut = cut
            + text[cut..]
                .iter()
                .position(|&b| b == b',')
                .expect("a comma")
            + 1;
        fs::write(&path, &text[..cut]).expect("write");
        expect_plot_refused(tmp.path(), &[file, "line"]);
    }
}
