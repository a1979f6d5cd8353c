//! The loss tables of a region run, written from its [`LossSeries`]: `ylt.csv`,
//! `ep_curve.csv`, `insurer_cost.csv`, and the Oasis ORD files (`ord/ept.csv`, `ord/alt.csv`,
//! `ord/summary-info.csv`, and the event table `ord/splt.csv`, streamed while the run
//! proceeds). The figures are computed in [`crate::losses`]; this module only lays
//! them out, with the project's number formatter.
//!
//! # Tables
//!
//! Native tables follow the project's conventions: snake_case columns with units in their
//! names, a `strategy` column, money with `currency` and `price_year`, probabilities as
//! fractions, floats in shortest round-trip form (empty when undefined), one header row.
//!
//! * [`write_ylt`]: `ylt.csv`, one row per (strategy, perspective, period).
//! * [`write_ep_curve`]: `ep_curve.csv`, OEP and AEP loss and TVaR at standard return periods.
//! * [`write_insurer_cost`]: `insurer_cost.csv`, frequency–severity, pure premium, AAL with its
//!   standard error and confidence interval, VaR and TVaR at 95 / 99 / 99.5 %.
//! * [`write_ord_ept`], [`write_ord_alt`], [`write_ord_summary_info`] and [`SpltWriter`]: the
//!   ORD export `ord/ept.csv`, `ord/alt.csv`, `ord/summary-info.csv` and `ord/splt.csv`, with
//!   the headers exactly as ktools / OasisLMF write them.

use std::io::Write;

use super::schema::{
    EpRow, InsurerCostRow, ORD_EPCALC_FULL_UNCERTAINTY, ORD_SAMPLE_TYPE_SAMPLE, OrdAltRow,
    OrdEptRow, OrdSummaryInfoRow, RowWriter, SpltRow, YltRow, finite, write_rows,
};
use crate::losses::*;
use crate::stats::CI_LEVEL;

/// Checks the layout the writers rely on: series grouped by strategy, each strategy with the
/// same perspectives in [`Perspective::ALL`] order (ground-up only, or ground-up then
/// insured), and each series' periods numbered 1, 2, …, P.
///
/// # Panics
///
/// If the layout is violated (a bug in the caller).
fn check_layout(series: &[LossSeries]) {
    let n_persp = if series.len() >= 2 && series[1].perspective == Perspective::Insured {
        2
    } else {
        1
    };
    assert!(
        series.len().is_multiple_of(n_persp),
        "every strategy needs the same perspectives"
    );
    for (i, s) in series.iter().enumerate() {
        assert_eq!(
            s.perspective,
            Perspective::ALL[i % n_persp],
            "series {i} ({}): expected perspective {}",
            s.strategy,
            Perspective::ALL[i % n_persp].name()
        );
        if i % n_persp != 0 {
            assert_eq!(
                s.strategy,
                series[i - 1].strategy,
                "series {i}: perspectives of a strategy must be adjacent"
            );
        }
        for (j, row) in s.periods.iter().enumerate() {
            assert_eq!(
                row.period_no,
                j as u64 + 1,
                "series {i} ({}): periods must be numbered 1, 2, … in order",
                s.strategy
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Native tables
// ---------------------------------------------------------------------------------------------

/// Writes `ylt.csv` ([`YltRow`]), the short-form year loss table: one row per (strategy,
/// perspective, period), every period including those without loss, in the order of `series`
/// (strategy, then perspective) and then `period_no`. `aggregate_loss` and `max_loss` are in
/// `currency` at `price_year` prices, `downtime_h` in hours; all three are the exact grid
/// values (see the module docs).
///
/// # Panics
///
/// If `series` is not grouped by strategy with perspectives in order, or periods are not
/// numbered 1, 2, … in order.
pub fn write_ylt<W: Write>(
    out: W,
    series: &[LossSeries],
    currency: &str,
    price_year: i32,
) -> csv::Result<()> {
    check_layout(series);
    let rows = series.iter().flat_map(|s| {
        s.periods.iter().map(|row| YltRow {
            strategy: s.strategy.clone(),
            perspective: s.perspective.name().to_string(),
            period_no: row.period_no,
            incidents: row.incident_count,
            claims: row.claim_count,
            aggregate_loss: to_grid(row.aggregate_loss),
            max_loss: to_grid(row.max_loss),
            downtime_h: to_grid(row.downtime_h),
            currency: currency.to_string(),
            price_year,
        })
    });
    write_rows(out, rows)
}

/// Writes `ep_curve.csv` ([`EpRow`]): per series (in slice order), `ep_type` `OEP` then
/// `AEP`, one row per return period of `return_periods` not above the number of periods
/// (normally [`STANDARD_RETURN_PERIODS`], ascending), with `exceedance_probability = 1 /
/// return_period_years` and the loss and TVaR of [`ep_points`].
///
/// # Panics
///
/// As [`write_ylt`], and as [`ep_points`] for invalid return periods.
pub fn write_ep_curve<W: Write>(
    out: W,
    series: &[LossSeries],
    return_periods: &[f64],
    currency: &str,
    price_year: i32,
) -> csv::Result<()> {
    check_layout(series);
    let mut rows = Vec::new();
    for s in series {
        for (ep_type, points) in [
            ("OEP", s.oep(return_periods)),
            ("AEP", s.aep(return_periods)),
        ] {
            for pt in points {
                rows.push(EpRow {
                    strategy: s.strategy.clone(),
                    perspective: s.perspective.name().to_string(),
                    ep_type: ep_type.to_string(),
                    return_period_years: pt.return_period,
                    exceedance_probability: 1.0 / pt.return_period,
                    loss: pt.loss,
                    tvar: finite(pt.tvar),
                    periods: s.n_periods(),
                    currency: currency.to_string(),
                    price_year,
                });
            }
        }
    }
    write_rows(out, rows)
}

// The column names say 95 %: keep them in step with the published interval level.
const _: () = assert!(CI_LEVEL == 0.95);

/// Writes `insurer_cost.csv` ([`InsurerCostRow`]): one row per series (strategy,
/// perspective) with the statistics of [`insurer_cost`]. Money columns are in `currency` at
/// `price_year` prices (`aal` and the tail metrics per year for the whole region, the pure
/// premium per vehicle-year). VaR / TVaR columns whose return period exceeds the number of
/// periods are empty, and `tail_metrics_estimable` is `false` when there are fewer than 200
/// periods.
///
/// # Panics
///
/// As [`write_ylt`].
pub fn write_insurer_cost<W: Write>(
    out: W,
    series: &[LossSeries],
    currency: &str,
    price_year: i32,
) -> csv::Result<()> {
    check_layout(series);
    let rows = series.iter().map(|s| {
        let c = insurer_cost(s);
        InsurerCostRow {
            strategy: s.strategy.clone(),
            perspective: s.perspective.name().to_string(),
            periods: c.n_periods,
            exposure_vehicle_years: c.exposure_vehicle_years,
            incidents: c.incident_count,
            claims: c.claim_count,
            claim_frequency_per_vehicle_year: finite(c.claim_frequency_per_vehicle_year),
            severity_mean: finite(c.severity_mean),
            severity_sd: finite(c.severity_sd),
            severity_p50: finite(c.severity_p50),
            severity_p90: finite(c.severity_p90),
            severity_p99: finite(c.severity_p99),
            pure_premium_per_vehicle_year: finite(c.pure_premium_per_vehicle_year),
            aal: c.aal,
            aal_sd: finite(c.aal_sd),
            aal_se: finite(c.aal_se),
            aal_ci95_low: finite(c.aal_ci95_low),
            aal_ci95_high: finite(c.aal_ci95_high),
            var_95: finite(c.var[0]),
            var_99: finite(c.var[1]),
            var_995: finite(c.var[2]),
            tvar_95: finite(c.tvar[0]),
            tvar_99: finite(c.tvar[1]),
            tvar_995: finite(c.tvar[2]),
            tail_metrics_estimable: c.tail_metrics_estimable,
            currency: currency.to_string(),
            price_year,
        }
    });
    write_rows(out, rows)
}

// ---------------------------------------------------------------------------------------------
// ORD export
// ---------------------------------------------------------------------------------------------

/// Writes `ord/summary-info.csv` ([`OrdSummaryInfoRow`]): `SummaryId` (position in `series`
/// + 1, see [`summary_id`]), `strategy` and `perspective`.
///
/// # Panics
///
/// As [`write_ylt`].
pub fn write_ord_summary_info<W: Write>(out: W, series: &[LossSeries]) -> csv::Result<()> {
    check_layout(series);
    let rows = series.iter().enumerate().map(|(i, s)| OrdSummaryInfoRow {
        summary_id: ord_id(i),
        strategy: s.strategy.clone(),
        perspective: s.perspective.name().to_string(),
    });
    write_rows(out, rows)
}

/// The SummaryId of the series at `index`: its position + 1.
fn ord_id(index: usize) -> u32 {
    u32::try_from(index + 1).expect("fewer than 2^32 series")
}

/// Writes `ord/ept.csv` ([`OrdEptRow`]) with `EPCalc` 2 (full uncertainty) and `EPType` 1
/// (OEP), 2 (OEP TVaR), 3 (AEP), 4 (AEP TVaR). The values are those of `ep_curve.csv`
/// ([`ep_points`]). Rows are ordered by SummaryId, then EPType, then ReturnPeriod descending
/// (the order ktools writes for a descending return-period file). Numbers are written in
/// shortest round-trip form (ktools writes six decimals); return periods above the number of
/// periods are omitted, as ktools does.
///
/// # Panics
///
/// As [`write_ep_curve`].
pub fn write_ord_ept<W: Write>(
    out: W,
    series: &[LossSeries],
    return_periods: &[f64],
) -> csv::Result<()> {
    check_layout(series);
    let mut descending = return_periods.to_vec();
    descending.sort_by(|a, b| b.total_cmp(a));
    let mut rows = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let oep = s.oep(&descending);
        let aep = s.aep(&descending);
        let blocks: [(u8, &[EpPoint], bool); 4] = [
            (1, &oep, false),
            (2, &oep, true),
            (3, &aep, false),
            (4, &aep, true),
        ];
        for (ep_type, points, is_tvar) in blocks {
            for pt in points {
                rows.push(OrdEptRow {
                    summary_id: ord_id(i),
                    ep_calc: ORD_EPCALC_FULL_UNCERTAINTY,
                    ep_type,
                    return_period: pt.return_period,
                    loss: if is_tvar { pt.tvar } else { pt.loss },
                });
            }
        }
    }
    write_rows(out, rows)
}

/// Writes `ord/alt.csv` ([`OrdAltRow`]), one row per series with `SampleType` 2 (sample
/// statistics), `MeanLoss` the AAL and `SDLoss` the SD of the period aggregate losses (`P − 1`
/// degrees of freedom, as ktools for one sample per period): the `aal` and `aal_sd` of
/// `insurer_cost.csv`.
///
/// # Panics
///
/// As [`write_ylt`].
pub fn write_ord_alt<W: Write>(out: W, series: &[LossSeries]) -> csv::Result<()> {
    check_layout(series);
    let rows = series.iter().enumerate().map(|(i, s)| {
        let m = s.aggregate_moments();
        OrdAltRow {
            summary_id: ord_id(i),
            sample_type: ORD_SAMPLE_TYPE_SAMPLE,
            mean_loss: m.mean(),
            sd_loss: finite(m.sd()),
        }
    });
    write_rows(out, rows)
}

/// Streaming writer of `ord/splt.csv` ([`SpltRow`]), the ORD sample period loss table: one
/// row per (event, SummaryId), written while the periods are simulated (the caller writes
/// periods in order, so the file is in period order).
///
/// `SampleId` is always 1 (one realisation per period) and `ImpactedExposure` is always 0: the
/// simulator has no insured-value exposure per event, and 0 marks it as not provided. `Loss` is
/// rounded to the fixed-point grid, so a period's SPLT losses sum exactly to its `ylt.csv`
/// `aggregate_loss`. Which events to write is the caller's choice; Oasis writes events with a
/// non-zero loss only.
pub struct SpltWriter<W: Write> {
    /// The table writer, header already written.
    w: RowWriter<W, SpltRow>,
}

impl<W: Write> SpltWriter<W> {
    /// Starts the table: writes the header.
    pub fn new(out: W) -> csv::Result<Self> {
        Ok(Self {
            w: RowWriter::new(out)?,
        })
    }

    /// Writes one event's loss for one SummaryId ([`summary_id`]): `period` (from 1),
    /// `weight` (the period weight, 1/P for equally likely periods), `event_id`, the event's
    /// local date and time (`year` within the simulation from 1, `month` 1–12, `day` 1–31,
    /// `hour` 0–23, `minute` 0–59) and the `loss` in currency units.
    #[allow(clippy::too_many_arguments)] // one argument per ORD column
    pub fn write_event(
        &mut self,
        period: u64,
        weight: f64,
        event_id: u64,
        year: u32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        summary_id: u32,
        loss: f64,
    ) -> csv::Result<()> {
        self.w.write(&SpltRow {
            period,
            period_weight: weight,
            event_id,
            year,
            month,
            day,
            hour,
            minute,
            summary_id,
            sample_id: 1,
            loss: to_grid(loss),
            impacted_exposure: 0,
        })
    }

    /// Writes one claim of a running region simulation.
    pub fn write_claim(&mut self, e: &crate::losses::EventLoss) -> csv::Result<()> {
        self.write_event(
            e.period,
            e.weight,
            e.event_id,
            e.year,
            e.month,
            e.day,
            e.hour,
            e.minute,
            e.summary_id,
            e.loss,
        )
    }

    /// Flushes the table and returns the underlying writer.
    pub fn finish(self) -> csv::Result<W> {
        self.w.finish()
    }
}

impl<W: Write> crate::losses::EventSink for SpltWriter<W> {
    fn claim(&mut self, event: &crate::losses::EventLoss) -> std::io::Result<()> {
        Ok(self.write_claim(event)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::region::PolicyTerms;
    use crate::stats::quantise;

    /// SplitMix64: a small reproducible generator for test data.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        fn next_f64(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        }

        /// Uniform integer in 0..n.
        fn below(&mut self, n: u64) -> u64 {
            self.next_u64() % n
        }
    }

    /// Random periods of one strategy, both perspectives: a random number of incidents per
    /// period (often zero), heavy-tailed ground-up losses, insured after a deductible, a limit
    /// and a call limit of 2 per vehicle (10 vehicles).
    fn random_pair(seed: u64, strategy: &str, periods: u64) -> [LossSeries; 2] {
        let mut rng = SplitMix64(seed);
        let terms = PolicyTerms {
            deductible: 50.0,
            limit_per_incident: Some(400.0),
            annual_call_limit: Some(2),
        };
        let mut rows = [Vec::new(), Vec::new()];
        let mut sev = [SeverityTally::new(), SeverityTally::new()];
        for period in 1..=periods {
            let mut acc = [PeriodAccumulator::new(), PeriodAccumulator::new()];
            let mut calls = [0u32; 10];
            for _ in 0..rng.below(6) {
                let vehicle = rng.below(10) as usize;
                let u = rng.next_f64();
                let gu = 30.0 / (1.0 - u).powf(0.6); // Pareto-like
                let downtime = rng.next_f64() * 3.0;
                let il = insured_loss(gu, &terms, calls[vehicle]);
                if is_claim(il) {
                    calls[vehicle] += 1;
                }
                for (k, loss) in [gu, il].into_iter().enumerate() {
                    acc[k].push_incident(loss, downtime);
                    sev[k].push_incident(loss);
                }
            }
            for (r, a) in rows.iter_mut().zip(&acc) {
                r.push(a.row(period));
            }
        }
        let [gu_rows, il_rows] = rows;
        let [gu_sev, il_sev] = sev;
        [
            LossSeries {
                strategy: strategy.to_string(),
                perspective: Perspective::GroundUp,
                exposure_vehicle_years: 10.0 * periods as f64,
                periods: gu_rows,
                severity: gu_sev,
            },
            LossSeries {
                strategy: strategy.to_string(),
                perspective: Perspective::Insured,
                exposure_vehicle_years: 10.0 * periods as f64,
                periods: il_rows,
                severity: il_sev,
            },
        ]
    }

    fn two_strategies(periods: u64) -> Vec<LossSeries> {
        let mut v: Vec<LossSeries> = random_pair(1, "baseline", periods).into();
        v.extend(random_pair(2, "spare_key", periods));
        v
    }

    fn to_string(f: impl FnOnce(&mut Vec<u8>) -> csv::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).expect("writing to memory");
        String::from_utf8(buf).expect("UTF-8")
    }

    fn all_tables(series: &[LossSeries]) -> Vec<String> {
        let rps = STANDARD_RETURN_PERIODS;
        vec![
            to_string(|b| write_ylt(b, series, "EUR", 2025)),
            to_string(|b| write_ep_curve(b, series, &rps, "EUR", 2025)),
            to_string(|b| write_insurer_cost(b, series, "EUR", 2025)),
            to_string(|b| write_ord_ept(b, series, &rps)),
            to_string(|b| write_ord_alt(b, series)),
            to_string(|b| write_ord_summary_info(b, series)),
        ]
    }

    /// Parses a CSV string into (header, rows).
    fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    #[test]
    fn grid_scale_matches_stats_quantise() {
        assert_eq!(quantise(1.0), 1 << 20);
        assert_eq!(SCALE, (1u64 << 20) as f64);
        assert_eq!(to_grid(0.1), 104_858.0 / SCALE);
        assert_eq!(to_grid(to_grid(1234.567)), to_grid(1234.567));
    }

    #[test]
    fn perspective_names() {
        assert_eq!(Perspective::GroundUp.name(), "ground_up");
        assert_eq!(Perspective::Insured.name(), "insured");
        assert_eq!(Perspective::ALL.map(Perspective::index), [0, 1]);
    }

    #[test]
    fn insured_loss_cases() {
        let none = PolicyTerms::default();
        assert_eq!(insured_loss(123.25, &none, 0), 123.25);
        assert_eq!(insured_loss(123.25, &none, 99), 123.25);
        assert_eq!(insured_loss(0.0, &none, 0), 0.0);

        let terms = PolicyTerms {
            deductible: 100.0,
            limit_per_incident: Some(250.0),
            annual_call_limit: Some(3),
        };
        assert_eq!(insured_loss(80.0, &terms, 0), 0.0, "under the deductible");
        assert_eq!(insured_loss(100.0, &terms, 0), 0.0, "at the deductible");
        assert_eq!(
            insured_loss(180.0, &terms, 0),
            80.0,
            "loss minus deductible"
        );
        assert_eq!(
            insured_loss(350.0, &terms, 2),
            250.0,
            "exactly at the limit"
        );
        assert_eq!(insured_loss(900.0, &terms, 1), 250.0, "capped at the limit");
        assert_eq!(insured_loss(900.0, &terms, 3), 0.0, "call limit used up");
        assert_eq!(insured_loss(180.0, &terms, 7), 0.0, "beyond the call limit");

        let no_calls = PolicyTerms {
            annual_call_limit: Some(0),
            ..PolicyTerms::default()
        };
        assert_eq!(insured_loss(500.0, &no_calls, 0), 0.0);
        let deductible_only = PolicyTerms {
            deductible: 40.0,
            ..PolicyTerms::default()
        };
        assert_eq!(insured_loss(1e6, &deductible_only, 1000), 1e6 - 40.0);
    }

    #[test]
    fn period_accumulator_counts_sums_and_merges_exactly() {
        let losses = [0.0, 120.5, 0.0, 33.25, 1e-9, 0.1, 7.0];
        let mut whole = PeriodAccumulator::new();
        for (i, x) in losses.iter().enumerate() {
            whole.push_incident(*x, i as f64 * 0.5);
        }
        assert_eq!(whole.incident_count(), 7);
        // 1e-9 rounds to 0 on the grid: an incident, not a claim.
        assert_eq!(whole.claim_count(), 4);
        assert_eq!(whole.max_loss(), 120.5);
        assert_eq!(whole.downtime_h(), 10.5);
        let expected_q: i128 = losses.iter().map(|x| i128::from(quantise(*x))).sum();
        assert_eq!(whole.aggregate_loss(), from_grid(expected_q));

        // Any split and merge order gives the same state.
        for split in 0..=losses.len() {
            let (mut a, mut b) = (PeriodAccumulator::new(), PeriodAccumulator::new());
            for (i, x) in losses.iter().enumerate().rev() {
                let target = if i < split { &mut a } else { &mut b };
                target.push_incident(*x, i as f64 * 0.5);
            }
            let mut ab = a.clone();
            ab.merge(&b);
            b.merge(&a);
            assert_eq!(ab, whole);
            assert_eq!(b, whole);
        }
        let row = whole.row(3);
        assert_eq!(row.period_no, 3);
        assert_eq!(row.incident_count, 7);
        assert_eq!(row.claim_count, 4);
        assert_eq!(row.max_loss, 120.5);

        let empty = PeriodAccumulator::new().row(1);
        assert_eq!(
            (empty.aggregate_loss, empty.max_loss, empty.downtime_h),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn severity_tally_counts_claims_only_and_merges_exactly() {
        let mut all = SeverityTally::new();
        let (mut a, mut b) = (SeverityTally::new(), SeverityTally::new());
        for (i, x) in [0.0, 10.0, 20.0, 0.0, 30.0, 1e-9].into_iter().enumerate() {
            all.push_incident(x);
            if i % 2 == 0 { &mut a } else { &mut b }.push_incident(x);
        }
        assert_eq!(all.claim_count(), 3);
        assert_eq!(all.mean(), 20.0);
        assert_eq!(all.sd(), 10.0);
        assert!((all.quantile(0.5) - 20.0).abs() <= 20.0 / 256.0);
        b.merge(&a);
        assert_eq!(b, all);
    }

    /// Ten periods, worked by hand. Losses per period:
    /// `[0, 120, 0, 40, 300, 0, 80, 10, 0, 200]`, sorted descending
    /// `300, 200, 120, 80, 40, 10, 0, 0, 0, 0`; rank i has RP 10/i:
    /// 10, 5, 3.33, 2.5, 2, 1.67, ….
    ///
    /// * RP 10: k = 1, 1·10 = 10, computed point: loss 300, TVaR 300.
    /// * RP 5: k = 2, computed point: loss 200, TVaR (300 + 200)/2 = 250.
    /// * RP 2: k = 5, computed point: loss 40, TVaR (300+200+120+80+40)/5 = 740/5 = 148.
    /// * RP 20, 25, …: above P = 10, omitted.
    /// * RP 7: k = 1, between RP 5 (200) and RP 10 (300):
    ///   200 + (7 − 5)·(300 − 200)/(10 − 5) = 240; w = (7·2 − 10)·1/10 = 0.4. Oasis meets it
    ///   at rank ⌈10/7⌉ = 2: TVaR (300 + 240)/2 = 270.
    /// * RP 4: k = 2, between RP 3.33 (120) and RP 5 (200):
    ///   120 + (4 − 10/3)·80/(5 − 10/3) = 120 + 80·0.4 = 152; w = (4·3 − 10)·2/10 = 0.4.
    ///   TVaR (300 + 200 + 152)/3 = 217.33 (rounded down to the 2^-20 grid).
    /// * RP 3: k = 3, between RP 2.5 (80) and RP 3.33 (120):
    ///   80 + (3 − 2.5)·40/(10/3 − 2.5) = 80 + 40·0.6 = 104; w = (3·4 − 10)·3/10 = 0.6.
    ///   TVaR (300 + 200 + 120 + 104)/4 = 181.
    /// * RP 1: k = 10, computed point: loss 0, TVaR 750/10 = 75 (the mean of all periods).
    #[test]
    fn ep_points_hand_worked_example() {
        let losses = [0.0, 120.0, 0.0, 40.0, 300.0, 0.0, 80.0, 10.0, 0.0, 200.0];
        let pts = ep_points(&losses, &STANDARD_RETURN_PERIODS);
        let got: Vec<(f64, f64, f64)> = pts
            .iter()
            .map(|p| (p.return_period, p.loss, p.tvar))
            .collect();
        assert_eq!(
            got,
            vec![
                (2.0, 40.0, 148.0),
                (5.0, 200.0, 250.0),
                (10.0, 300.0, 300.0)
            ]
        );

        let pts = ep_points(&losses, &[7.0, 4.0, 3.0, 1.0]);
        assert_eq!((pts[0].loss, pts[0].tvar), (240.0, 270.0));
        assert_eq!(pts[1].loss, 152.0);
        let tvar4 = ((652i128 << 20) / 3) as f64 / SCALE;
        assert_eq!(pts[1].tvar, tvar4);
        assert!((pts[1].tvar - 652.0 / 3.0).abs() < 1e-6);
        assert_eq!((pts[2].loss, pts[2].tvar), (104.0, 181.0));
        assert_eq!((pts[3].loss, pts[3].tvar), (0.0, 75.0));

        // The order of the input does not matter.
        let mut reversed = losses;
        reversed.reverse();
        assert_eq!(ep_points(&reversed, &[7.0, 4.0, 3.0, 1.0]), pts);
    }

    /// ktools interpolates only between non-zero computed points: below the return period of
    /// the smallest positive loss the loss is 0, while the TVaR still averages the zeros.
    #[test]
    fn ep_points_zero_below_smallest_positive_loss() {
        // Sorted: 300, 200, 120, 0 × 7; RP 3 lies between rank 3 (RP 3.33, 120) and rank 4
        // (RP 2.5, 0): loss 0 (plain interpolation would give 72). TVaR (300+200+120+0)/4.
        let losses = [0.0, 120.0, 0.0, 0.0, 300.0, 0.0, 0.0, 0.0, 0.0, 200.0];
        let pts = ep_points(&losses, &[3.0, 2.0]);
        assert_eq!((pts[0].loss, pts[0].tvar), (0.0, 155.0));
        assert_eq!((pts[1].loss, pts[1].tvar), (0.0, 124.0));
        // All-zero and empty inputs.
        let zeros = ep_points(&[0.0; 5], &[2.0, 5.0]);
        assert!(zeros.iter().all(|p| p.loss == 0.0 && p.tvar == 0.0));
        assert!(ep_points(&[], &STANDARD_RETURN_PERIODS).is_empty());
    }

    #[test]
    #[should_panic(expected = "whole numbers")]
    fn ep_points_rejects_fractional_return_periods() {
        ep_points(&[1.0, 2.0], &[1.5]);
    }

    #[test]
    fn ep_curves_monotone_tvar_above_var_oep_below_aep() {
        for seed in 0..40u64 {
            let periods = 1 + seed * 7;
            let [gu, il] = random_pair(seed, "s", periods);
            let rps: Vec<f64> = (1..=periods).map(|r| r as f64).collect();
            for s in [&gu, &il] {
                let oep = s.oep(&rps);
                let aep = s.aep(&rps);
                assert_eq!(oep.len(), periods as usize);
                for curve in [&oep, &aep] {
                    for w in curve.windows(2) {
                        // Return periods ascend, so exceedance probabilities descend: the loss
                        // must not decrease.
                        assert!(w[1].loss >= w[0].loss, "seed {seed}: {w:?}");
                    }
                    for p in curve.iter() {
                        assert!(p.tvar >= p.loss, "seed {seed}: {p:?}");
                    }
                }
                for (o, a) in oep.iter().zip(&aep) {
                    assert!(o.loss <= a.loss, "seed {seed}: OEP {o:?} > AEP {a:?}");
                    assert!(o.tvar <= a.tvar, "seed {seed}: OEP {o:?} > AEP {a:?}");
                }
            }
            // Insured never exceeds ground-up here (deductible and limits only reduce), so
            // neither do its EP curves.
            for (i, g) in il.aep(&rps).iter().zip(gu.aep(&rps)) {
                assert!(i.loss <= g.loss && i.tvar <= g.tvar);
            }
        }
    }

    #[test]
    fn aal_equals_mean_of_ylt_aggregate_column_exactly() {
        for periods in [1u64, 2, 37, 500] {
            let series = two_strategies(periods);
            let (_, ylt) = parse(&to_string(|b| write_ylt(b, &series, "EUR", 2025)));
            let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
            let col = |name: &str| head.iter().position(|h| h == name).unwrap();
            assert_eq!(cost.len(), series.len());
            for (row, s) in cost.iter().zip(&series) {
                let values: Vec<f64> = ylt
                    .iter()
                    .filter(|r| r[0] == s.strategy && r[1] == s.perspective.name())
                    .map(|r| r[5].parse::<f64>().unwrap())
                    .collect();
                assert_eq!(values.len() as u64, periods);
                // Every column value is on the 2^-20 grid, so the exact total is an integer
                // number of grid steps; the AAL is that total over P, rounded once.
                let mut total: i128 = 0;
                for v in &values {
                    let steps = v * SCALE;
                    assert_eq!(steps.fract(), 0.0);
                    total += steps as i128;
                }
                let mean = total as f64 / periods as f64 / SCALE;
                assert_eq!(row[col("aal")], format!("{mean}"));
                // And it agrees with a naive floating-point mean to rounding.
                let naive = values.iter().sum::<f64>() / values.len() as f64;
                assert!((mean - naive).abs() <= 1e-9 * naive.abs().max(1.0));
                // Pure premium is the same total over the exposure.
                let pp: f64 = row[col("pure_premium_per_vehicle_year")].parse().unwrap();
                assert_eq!(pp, total as f64 / SCALE / s.exposure_vehicle_years);
                // ORD ALT carries the same mean.
                let (_, alt) = parse(&to_string(|b| write_ord_alt(b, &series)));
                let i = series.iter().position(|x| std::ptr::eq(x, s)).unwrap();
                assert_eq!(alt[i][2], row[col("aal")]);
                assert_eq!(alt[i][3], row[col("aal_sd")]);
            }
        }
    }

    #[test]
    fn insurer_cost_values_and_consistency_with_ep_curve() {
        let series = two_strategies(1000);
        let ept = parse(&to_string(|b| {
            write_ep_curve(b, &series, &STANDARD_RETURN_PERIODS, "EUR", 2025)
        }))
        .1;
        let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        assert_eq!(head, crate::report::schema::header::<InsurerCostRow>());
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        for (row, s) in cost.iter().zip(&series) {
            let c = insurer_cost(s);
            assert_eq!(c.claim_count, s.severity.claim_count());
            assert_eq!(row[col("tail_metrics_estimable")], "true");
            assert_eq!(row[col("periods")], "1000");
            let freq = c.claim_count as f64 / s.exposure_vehicle_years;
            assert_eq!(
                row[col("claim_frequency_per_vehicle_year")],
                format!("{freq}")
            );
            // Pure premium = frequency × severity (up to rounding).
            assert!(
                (c.pure_premium_per_vehicle_year - freq * c.severity_mean).abs()
                    < 1e-9 * c.pure_premium_per_vehicle_year
            );
            assert_eq!(c.aal_se, c.aal_sd / 1000f64.sqrt());
            assert!(c.aal_ci95_low < c.aal && c.aal < c.aal_ci95_high);
            for (name, rp) in [
                ("var_95", "20.0"),
                ("var_99", "100.0"),
                ("var_995", "200.0"),
            ] {
                let ep = ept
                    .iter()
                    .find(|r| {
                        r[0] == s.strategy
                            && r[1] == s.perspective.name()
                            && r[2] == "AEP"
                            && r[3] == rp
                    })
                    .unwrap();
                assert_eq!(row[col(name)], ep[5]);
                let tname = name.replace("var", "tvar");
                assert_eq!(row[col(&tname)], ep[6]);
            }
        }
    }

    #[test]
    fn return_periods_above_p_omitted_and_tail_flagged() {
        let series = two_strategies(150);
        let (_, ep) = parse(&to_string(|b| {
            write_ep_curve(b, &series, &STANDARD_RETURN_PERIODS, "EUR", 2025)
        }));
        let rps: Vec<&str> = ep
            .iter()
            .filter(|r| r[0] == "baseline" && r[1] == "ground_up" && r[2] == "AEP")
            .map(|r| r[3].as_str())
            .collect();
        assert_eq!(rps, ["2.0", "5.0", "10.0", "20.0", "25.0", "50.0", "100.0"]);
        assert_eq!(ep.len(), 4 * 2 * 7);
        for r in &ep {
            let rp: f64 = r[3].parse().unwrap();
            assert_eq!(r[4], format!("{}", 1.0 / rp));
            assert_eq!(r[7], "150");
        }
        let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        for row in &cost {
            assert_eq!(row[col("tail_metrics_estimable")], "false");
            assert_eq!(row[col("var_995")], "");
            assert_eq!(row[col("tvar_995")], "");
            assert!(!row[col("var_95")].is_empty());
            assert!(!row[col("tvar_99")].is_empty());
        }
        let (_, ord) = parse(&to_string(|b| {
            write_ord_ept(b, &series, &STANDARD_RETURN_PERIODS)
        }));
        assert!(ord.iter().all(|r| r[3].parse::<f64>().unwrap() <= 150.0));
        assert_eq!(ord.len(), 4 * 4 * 7);

        // At exactly 200 periods every tail metric is there.
        let series = two_strategies(200);
        let (_, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        for row in &cost {
            assert_eq!(row[col("tail_metrics_estimable")], "true");
            assert!(
                row[col("var_95")..=col("tvar_995")]
                    .iter()
                    .all(|v| !v.is_empty())
            );
        }
    }

    #[test]
    fn ord_headers_exact() {
        let series = two_strategies(20);
        let first_line = |text: String| text.lines().next().unwrap().to_string();
        assert_eq!(
            first_line(to_string(|b| write_ord_ept(
                b,
                &series,
                &STANDARD_RETURN_PERIODS
            ))),
            "SummaryId,EPCalc,EPType,ReturnPeriod,Loss"
        );
        assert_eq!(
            first_line(to_string(|b| write_ord_alt(b, &series))),
            "SummaryId,SampleType,MeanLoss,SDLoss"
        );
        assert_eq!(
            first_line(to_string(|b| write_ord_summary_info(b, &series))),
            "SummaryId,strategy,perspective"
        );
        let mut splt = SpltWriter::new(Vec::new()).unwrap();
        splt.write_event(1, 0.05, 17, 1, 12, 24, 18, 5, 3, 120.5)
            .unwrap();
        let text = String::from_utf8(splt.finish().unwrap()).unwrap();
        assert_eq!(
            text,
            "Period,PeriodWeight,EventId,Year,Month,Day,Hour,Minute,SummaryId,SampleId,Loss,ImpactedExposure\n\
             1,0.05,17,1,12,24,18,5,3,1,120.5,0\n"
        );
    }

    #[test]
    fn ord_tables_content() {
        let series = two_strategies(20);
        let (_, info) = parse(&to_string(|b| write_ord_summary_info(b, &series)));
        assert_eq!(
            info,
            [
                ["1", "baseline", "ground_up"],
                ["2", "baseline", "insured"],
                ["3", "spare_key", "ground_up"],
                ["4", "spare_key", "insured"],
            ]
        );
        for (i, s) in series.iter().enumerate() {
            let strategy_index = i / 2;
            assert_eq!(summary_id(strategy_index, s.perspective, 2) as usize, i + 1);
        }
        assert_eq!(summary_id(4, Perspective::GroundUp, 1), 5);

        let (_, ept) = parse(&to_string(|b| {
            write_ord_ept(b, &series, &STANDARD_RETURN_PERIODS)
        }));
        // 4 summaries × 4 EP types × RPs 20, 10, 5, 2.
        assert_eq!(ept.len(), 64);
        let aep = series[1].aep(&[20.0, 10.0, 5.0, 2.0]);
        let rows: Vec<&Vec<String>> = ept.iter().filter(|r| r[0] == "2").collect();
        for (j, row) in rows.iter().enumerate() {
            assert_eq!(row[1], "2");
            let ep_type = (j / 4 + 1).to_string();
            assert_eq!(row[2], ep_type);
            let p = series[1].oep(&[20.0, 10.0, 5.0, 2.0])[j % 4];
            let (loss, tvar) = if j < 8 {
                (p.loss, p.tvar)
            } else {
                (aep[j % 4].loss, aep[j % 4].tvar)
            };
            assert_eq!(row[3], format!("{}.0", [20, 10, 5, 2][j % 4]));
            let expected = if j / 4 % 2 == 0 { loss } else { tvar };
            assert_eq!(row[4], crate::report::format::num(expected));
        }
        let (_, alt) = parse(&to_string(|b| write_ord_alt(b, &series)));
        assert_eq!(alt.len(), 4);
        assert!(alt.iter().all(|r| r[1] == "2"));
    }

    #[test]
    fn splt_losses_sum_to_ylt_aggregate() {
        let losses = [0.1, 0.2, 0.30000000000000004, 1234.5678];
        let mut acc = PeriodAccumulator::new();
        let mut splt = SpltWriter::new(Vec::new()).unwrap();
        for (i, x) in losses.iter().enumerate() {
            acc.push_incident(*x, 0.0);
            splt.write_event(1, 1.0, i as u64 + 1, 1, 1, 1, 0, 0, 1, *x)
                .unwrap();
        }
        let text = String::from_utf8(splt.finish().unwrap()).unwrap();
        let (_, rows) = parse(&text);
        let total: i128 = rows
            .iter()
            .map(|r| {
                let steps = r[10].parse::<f64>().unwrap() * SCALE;
                assert_eq!(steps.fract(), 0.0);
                steps as i128
            })
            .sum();
        assert_eq!(from_grid(total), acc.aggregate_loss());
    }

    #[test]
    fn ylt_has_every_period_in_order() {
        let series = two_strategies(30);
        let (head, rows) = parse(&to_string(|b| write_ylt(b, &series, "EUR", 2025)));
        assert_eq!(head, crate::report::schema::header::<YltRow>());
        assert_eq!(rows.len(), 4 * 30);
        let mut zero_periods = 0;
        for (i, r) in rows.iter().enumerate() {
            let s = &series[i / 30];
            assert_eq!(r[0], s.strategy);
            assert_eq!(r[1], s.perspective.name());
            assert_eq!(r[2], (i % 30 + 1).to_string());
            assert_eq!(&r[8..], ["EUR", "2025"]);
            let agg: f64 = r[5].parse().unwrap();
            let max: f64 = r[6].parse().unwrap();
            assert!(max <= agg);
            if agg == 0.0 {
                zero_periods += 1;
            }
        }
        assert!(
            zero_periods > 0,
            "the test data should have zero-loss periods"
        );
    }

    #[test]
    fn outputs_are_byte_identical_when_repeated() {
        let first = all_tables(&two_strategies(250));
        let second = all_tables(&two_strategies(250));
        assert_eq!(first, second);
    }

    #[test]
    #[should_panic(expected = "numbered")]
    fn writers_reject_misnumbered_periods() {
        let mut series = two_strategies(5);
        series[0].periods.swap(1, 2);
        let _ = to_string(|b| write_ylt(b, &series, "EUR", 2025));
    }

    #[test]
    fn nan_written_as_empty_field() {
        // One period: no SD, no SE, no interval.
        let series = two_strategies(1);
        let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        assert_eq!(cost[0][col("aal_sd")], "");
        assert_eq!(cost[0][col("aal_se")], "");
        assert_eq!(cost[0][col("var_95")], "");
    }
}
