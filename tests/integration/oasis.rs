//! Agreement with Oasis' own calculators: `ord/ept.csv` and `ord/alt.csv` computed from a
//! committed ORD SPLT equal, within 1e-6, the tables oasislmf's `lecpy` and `aalpy` wrote from
//! the same SPLT (`tests/fixtures/oasis/`, written by `benches/oasis_fixture.py`, which
//! records the pinned oasislmf version). Each case has `splt.csv` (the input),
//! `summary-info.csv` (its SummaryIds), `periods.txt` (P) and Oasis' `ept.csv` / `alt.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use lockout::losses::{
    LossSeries, PeriodAccumulator, Perspective, STANDARD_RETURN_PERIODS, SeverityTally,
};
use lockout::report::loss_tables::{write_ord_alt, write_ord_ept};

fn fixture(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/oasis")
        .join(case)
}

/// Reads a CSV into its header and rows of fields.
fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (head, rows)
}

/// One loss series per SummaryId of the fixture, rebuilt from its SPLT: each period's
/// aggregate and largest loss, as a region run accumulates them.
fn series_from_splt(case: &str) -> Vec<LossSeries> {
    let dir = fixture(case);
    let periods: u64 = std::fs::read_to_string(dir.join("periods.txt"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let (_, info) = read_csv(&std::fs::read_to_string(dir.join("summary-info.csv")).unwrap());
    let (head, splt) = read_csv(&std::fs::read_to_string(dir.join("splt.csv")).unwrap());
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (c_period, c_summary, c_loss) = (col("Period"), col("SummaryId"), col("Loss"));
    let mut acc: BTreeMap<u32, Vec<PeriodAccumulator>> = BTreeMap::new();
    let mut severity: BTreeMap<u32, SeverityTally> = BTreeMap::new();
    for (i, row) in info.iter().enumerate() {
        let id: u32 = row[0].parse().unwrap();
        assert_eq!(id as usize, i + 1, "SummaryIds are 1, 2, … in order");
        acc.insert(id, vec![PeriodAccumulator::new(); periods as usize]);
        severity.insert(id, SeverityTally::new());
    }
    for row in &splt {
        let period: usize = row[c_period].parse().unwrap();
        let id: u32 = row[c_summary].parse().unwrap();
        let loss: f64 = row[c_loss].parse().unwrap();
        acc.get_mut(&id).unwrap()[period - 1].push_incident(loss, 0.0);
        severity.get_mut(&id).unwrap().push_incident(loss);
    }
    // Each SummaryId becomes a ground-up series of a strategy of its own, so the writers'
    // SummaryId (position + 1) is the fixture's.
    acc.into_iter()
        .map(|(id, periods)| LossSeries {
            strategy: format!("summary {id}"),
            perspective: Perspective::GroundUp,
            exposure_vehicle_years: 1.0,
            periods: periods
                .iter()
                .enumerate()
                .map(|(j, a)| a.row(j as u64 + 1))
                .collect(),
            severity: severity.remove(&id).unwrap(),
        })
        .collect()
}

fn write(f: impl FnOnce(&mut Vec<u8>) -> csv::Result<()>) -> String {
    let mut buf = Vec::new();
    f(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

fn close(ours: f64, oasis: f64) -> bool {
    (ours - oasis).abs() <= 1e-6 * oasis.abs().max(1.0)
}

/// Compares a case; returns how many rows were compared.
fn compare(case: &str) -> usize {
    let series = series_from_splt(case);
    let dir = fixture(case);
    let mut compared = 0;

    // EPT: every Oasis row has our row with the same key and a value within 1e-6; our rows
    // that Oasis lacks are those of a SummaryId without any loss (Oasis writes none), all 0.
    let (head, ours) = read_csv(&write(|b| {
        write_ord_ept(b, &series, &STANDARD_RETURN_PERIODS)
    }));
    assert_eq!(
        head,
        ["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"]
    );
    let (oasis_head, oasis) = read_csv(&std::fs::read_to_string(dir.join("ept.csv")).unwrap());
    assert_eq!(oasis_head, head);
    let key = |r: &[String]| {
        (
            r[0].parse::<u32>().unwrap(),
            r[1].parse::<u32>().unwrap(),
            r[2].parse::<u32>().unwrap(),
            r[3].parse::<f64>().unwrap() as u64,
        )
    };
    let ours_by_key: BTreeMap<_, f64> = ours
        .iter()
        .map(|r| (key(r), r[4].parse().unwrap()))
        .collect();
    let oasis_by_key: BTreeMap<_, f64> = oasis
        .iter()
        .map(|r| (key(r), r[4].parse().unwrap()))
        .collect();
    assert_eq!(
        oasis_by_key.len(),
        oasis.len(),
        "{case}: duplicate Oasis rows"
    );
    for (k, want) in &oasis_by_key {
        let got = ours_by_key
            .get(k)
            .unwrap_or_else(|| panic!("{case}: Oasis has {k:?}, we do not"));
        assert!(
            close(*got, *want),
            "{case}: (SummaryId, EPCalc, EPType, ReturnPeriod) {k:?}: ours {got}, Oasis {want}"
        );
        compared += 1;
    }
    for (k, got) in &ours_by_key {
        if !oasis_by_key.contains_key(k) {
            let s = &series[k.0 as usize - 1];
            assert!(
                s.periods.iter().all(|p| p.aggregate_loss == 0.0) && *got == 0.0,
                "{case}: we have {k:?} = {got}, Oasis has no such row"
            );
        }
    }

    // ALT (SampleType 2): mean and SD of the period aggregates.
    let (head, ours) = read_csv(&write(|b| write_ord_alt(b, &series)));
    let (oasis_head, oasis) = read_csv(&std::fs::read_to_string(dir.join("alt.csv")).unwrap());
    assert_eq!(oasis_head, head);
    for want in &oasis {
        let got = ours
            .iter()
            .find(|r| r[0] == want[0])
            .unwrap_or_else(|| panic!("{case}: ALT SummaryId {} missing", want[0]));
        assert_eq!(got[1], want[1], "{case}: SampleType");
        for c in [2, 3] {
            let (g, w): (f64, f64) = (got[c].parse().unwrap(), want[c].parse().unwrap());
            assert!(
                close(g, w),
                "{case}: ALT {} {}: ours {g}, Oasis {w}",
                want[0],
                head[c]
            );
        }
        compared += 1;
    }
    compared
}

/// A region run (the delivery fleet, 30 periods, 60 vans): P = 30, so return periods 25 and
/// 20 both lie between rank 1 (RP 30) and rank 2 (RP 15), where Oasis' TVaR averages the
/// interpolated losses of both.
#[test]
fn region_run_ept_and_alt_equal_oasis() {
    let compared = compare("delivery-fleet-30");
    // 5 strategies × 4 EP types × 5 return periods ≤ 30, and 5 ALT rows.
    assert_eq!(compared, 5 * 4 * 5 + 5);
}

/// A crafted SPLT: ties, periods without loss, one period holding most events, and a
/// SummaryId without any loss.
#[test]
fn crafted_splt_ept_and_alt_equal_oasis() {
    let compared = compare("crafted-30");
    assert_eq!(compared, 2 * 4 * 5 + 2);
}
