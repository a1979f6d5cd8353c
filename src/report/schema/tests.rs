//! Every row type survives a write-then-read round trip through [`write_rows`] and
//! [`read_rows`], with awkward values: empty options, zero, negative zero, negative, huge and
//! tiny numbers, many decimals, names with commas, quotes and non-ASCII letters.
//!
//! Floats are written in shortest round-trip form, so every finite value reads back exactly
//! (`-0.0` reads back as `-0.0`, equal to `0.0`). The one documented loss: a non-finite value
//! of an optional column (`Some(NaN)`, `Some(inf)`) is written as an empty field and reads
//! back as `None`; a required float column must be finite to be read at all.

use super::*;

/// Awkward floats: each reads back exactly.
const FLOATS: [f64; 8] = [
    0.0,
    -0.0,
    -1234.5678,
    1e300,
    5e-324,
    0.1 + 0.2,
    123_456_789.123_456_78,
    -7.0,
];

/// Awkward names for text columns.
const NAMES: [&str; 4] = ["plain", "comma, \"quoted\"", "café ☕ 鍵", ""];

fn f(i: usize) -> f64 {
    FLOATS[i % FLOATS.len()]
}

fn o(i: usize) -> Option<f64> {
    (!i.is_multiple_of(3)).then(|| f(i))
}

fn name(i: usize) -> String {
    NAMES[i % NAMES.len()].to_string()
}

/// Writes `rows`, checks the header line, reads them back and returns them.
fn round_trip<T>(rows: &[T]) -> Vec<T>
where
    T: Serialize + DeserializeOwned + Clone,
{
    let mut buf = Vec::new();
    write_rows(&mut buf, rows.iter().cloned()).expect("write to memory");
    let text = String::from_utf8(buf).expect("UTF-8");
    assert_eq!(
        text.lines().next().expect("a header line"),
        header::<T>().join(",")
    );
    read_rows(text.as_bytes()).expect("read back")
}

fn summary(i: usize) -> SummaryRow {
    SummaryRow {
        strategy: name(i + 1),
        baseline: i == 0,
        incidents: [0, 1, u64::MAX][i % 3],
        time_to_access_mean_min: f(i),
        time_to_access_sd_min: o(i),
        time_to_access_ci95_low_min: f(i + 1),
        time_to_access_ci95_high_min: f(i + 2),
        time_to_access_p50_min: f(i + 3),
        time_to_access_p90_min: f(i + 4),
        time_to_access_p99_min: f(i + 5),
        time_diff_vs_baseline_mean_min: o(i + 1),
        time_diff_vs_baseline_ci95_low_min: o(i + 2),
        time_diff_vs_baseline_ci95_high_min: o(i + 3),
        cost_mean: f(i + 6),
        cost_sd: o(i + 4),
        cost_ci95_low: f(i + 7),
        cost_ci95_high: f(i),
        cost_p50: f(i + 1),
        cost_p90: f(i + 2),
        cost_p99: f(i + 3),
        cost_direct_mean: f(i + 4),
        cost_damage_mean: f(i + 5),
        time_cost_mean: f(i + 6),
        total_cost_mean: f(i + 7),
        total_cost_ci95_low: f(i),
        total_cost_ci95_high: f(i + 1),
        cost_diff_vs_baseline_mean: o(i + 5),
        cost_diff_vs_baseline_ci95_low: o(i + 6),
        cost_diff_vs_baseline_ci95_high: o(i + 7),
        total_cost_diff_vs_baseline_mean: o(i + 8),
        total_cost_diff_vs_baseline_ci95_low: o(i + 9),
        total_cost_diff_vs_baseline_ci95_high: o(i + 10),
        damage_rate: f(i + 2),
        unresolved_rate: f(i + 3),
        incident_rate_per_vehicle_year: f(i + 4),
        prevention_cost_per_year: f(i + 5),
        incident_cost_per_vehicle_year: f(i + 6),
        annual_cost_per_vehicle: f(i + 7),
        annual_cost_per_vehicle_ci95_low: f(i),
        annual_cost_per_vehicle_ci95_high: f(i + 1),
        annual_cost_diff_vs_baseline_mean: o(i + 2),
        annual_cost_diff_vs_baseline_ci95_low: o(i + 3),
        annual_cost_diff_vs_baseline_ci95_high: o(i + 4),
        break_even_incident_rate: o(i + 11),
        cheaper_than_baseline_when: [
            None,
            Some(CheaperWhen::Always),
            Some(CheaperWhen::Never),
            Some(CheaperWhen::RateAbove),
            Some(CheaperWhen::RateBelow),
        ][i % 5],
        value_of_time_per_hour: f(i + 2),
        currency: name(i),
        price_year: [2025, -1, 0][i % 3],
    }
}

#[test]
fn summary_rows_round_trip() {
    let rows: Vec<SummaryRow> = (0..10).map(summary).collect();
    assert_eq!(round_trip(&rows), rows);
}

#[test]
fn incident_rows_round_trip() {
    let remedies: Vec<RemedyRow> = (0..8)
        .map(|i| RemedyRow {
            strategy: name(i),
            remedy: name(i + 1),
            label: name(i + 2),
            attempts: i as u64,
            successes: u64::MAX - i as u64,
            resolved: 0,
            resolved_share: f(i),
            damage_events: 3,
            damage_share: f(i + 1),
            resolved_time_mean_min: o(i),
            resolved_cost_mean: o(i + 1),
            currency: name(i + 2),
            price_year: 1999,
        })
        .collect();
    assert_eq!(round_trip(&remedies), remedies);
    let segments: Vec<SegmentRow> = (0..8)
        .map(|i| SegmentRow {
            strategy: name(i),
            dimension: name(i + 1),
            value: name(i + 2),
            incidents: i as u64,
            incident_share: f(i),
            time_to_access_mean_min: o(i),
            time_to_access_ci95_low_min: o(i + 1),
            time_to_access_ci95_high_min: o(i + 2),
            cost_mean: o(i + 3),
            cost_ci95_low: o(i + 4),
            cost_ci95_high: o(i + 5),
            total_cost_mean: o(i + 6),
            damage_rate: o(i + 7),
            unresolved_rate: o(i + 8),
            currency: name(i + 3),
            price_year: 2025,
        })
        .collect();
    assert_eq!(round_trip(&segments), segments);
    let quantiles: Vec<QuantileRow> = (0..8)
        .map(|i| QuantileRow {
            strategy: name(i),
            quantile: f(i),
            time_to_access_min: f(i + 1),
            cost: f(i + 2),
            currency: name(i + 1),
            price_year: 2025,
        })
        .collect();
    assert_eq!(round_trip(&quantiles), quantiles);
}

#[test]
fn prevention_rows_round_trip() {
    let rows: Vec<PreventionRow> = (0..9)
        .map(|i| PreventionRow {
            strategy: name(i),
            baseline: i == 0,
            uptake: f(i),
            incident_rate_multiplier: f(i + 1),
            incidents: [0, 1, u64::MAX][i % 3],
            targeted_incidents: i as u64,
            adopter_incidents: u64::MAX - i as u64,
            targeted_share: o(i),
            adopting_share: o(i + 1),
            adopter_incident_share: o(i + 2),
            annual_cost: f(i + 2),
            lockout_share: f(i + 3),
            prevention_cost_per_adopter: f(i + 4),
            prevention_cost_per_vehicle: o(i + 3),
            incident_rate_per_vehicle_year: o(i + 4),
            incident_cost_per_vehicle_year: o(i + 5),
            annual_cost_per_vehicle: o(i + 6),
            annual_cost_per_vehicle_ci95_low: o(i + 7),
            annual_cost_per_vehicle_ci95_high: o(i + 8),
            saving_per_vehicle_vs_baseline: o(i + 9),
            saving_per_vehicle_vs_baseline_ci95_low: o(i + 10),
            saving_per_vehicle_vs_baseline_ci95_high: o(i + 11),
            adopter_incident_rate_per_year: f(i + 5),
            adopter_total_cost_mean: o(i + 12),
            annual_cost_per_adopter: o(i + 13),
            annual_cost_per_adopter_ci95_low: o(i + 14),
            annual_cost_per_adopter_ci95_high: o(i + 15),
            adopter_baseline_annual_cost: o(i + 16),
            saving_per_adopter_vs_baseline: o(i + 17),
            saving_per_adopter_vs_baseline_ci95_low: o(i + 18),
            saving_per_adopter_vs_baseline_ci95_high: o(i + 19),
            currency: name(i + 1),
            price_year: [2025, -1, 0][i % 3],
        })
        .collect();
    assert_eq!(round_trip(&rows), rows);
}

#[test]
fn region_rows_round_trip() {
    let responders: Vec<ResponderRow> = (0..8)
        .map(|i| ResponderRow {
            strategy: name(i),
            pool: name(i + 1),
            responders: i as u64,
            periods: 1 + i as u64,
            utilisation: o(i),
            dispatched_calls: 0,
            abandoned_calls: u64::MAX,
            queue_wait_mean_min: o(i + 1),
            queue_wait_p50_min: o(i + 2),
            queue_wait_p90_min: o(i + 3),
            queue_wait_p99_min: o(i + 4),
            response_p50_min: o(i + 5),
            response_p90_min: o(i + 6),
            response_p99_min: o(i + 7),
            longest_queue: 7,
        })
        .collect();
    assert_eq!(round_trip(&responders), responders);
    let waits: Vec<WaitRow> = (0..8)
        .map(|i| WaitRow {
            strategy: name(i),
            pool: name(i + 1),
            quantile: f(i),
            queue_wait_min: o(i),
            response_min: o(i + 1),
            dispatched_calls: i as u64,
        })
        .collect();
    assert_eq!(round_trip(&waits), waits);
}

#[test]
fn loss_rows_round_trip() {
    let ylt: Vec<YltRow> = (0..8)
        .map(|i| YltRow {
            strategy: name(i),
            perspective: name(i + 1),
            period_no: 1 + i as u64,
            incidents: 0,
            claims: u64::MAX,
            aggregate_loss: f(i),
            max_loss: f(i + 1),
            downtime_h: f(i + 2),
            currency: name(i + 2),
            price_year: 2025,
        })
        .collect();
    assert_eq!(round_trip(&ylt), ylt);
    let ep: Vec<EpRow> = (0..8)
        .map(|i| EpRow {
            strategy: name(i),
            perspective: name(i + 1),
            ep_type: name(i + 2),
            return_period_years: f(i),
            exceedance_probability: f(i + 1),
            loss: f(i + 2),
            tvar: o(i),
            periods: i as u64,
            currency: name(i + 3),
            price_year: -2025,
        })
        .collect();
    assert_eq!(round_trip(&ep), ep);
    let cost: Vec<InsurerCostRow> = (0..8)
        .map(|i| InsurerCostRow {
            strategy: name(i),
            perspective: name(i + 1),
            periods: i as u64,
            exposure_vehicle_years: f(i),
            incidents: 0,
            claims: 1,
            claim_frequency_per_vehicle_year: o(i),
            severity_mean: o(i + 1),
            severity_sd: o(i + 2),
            severity_p50: o(i + 3),
            severity_p90: o(i + 4),
            severity_p99: o(i + 5),
            pure_premium_per_vehicle_year: o(i + 6),
            aal: f(i + 1),
            aal_sd: o(i + 7),
            aal_se: o(i + 8),
            aal_ci95_low: o(i + 9),
            aal_ci95_high: o(i + 10),
            var_95: o(i + 11),
            var_99: o(i + 12),
            var_995: o(i + 13),
            tvar_95: o(i + 14),
            tvar_99: o(i + 15),
            tvar_995: o(i + 16),
            tail_metrics_estimable: i.is_multiple_of(2),
            currency: name(i + 2),
            price_year: 2025,
        })
        .collect();
    assert_eq!(round_trip(&cost), cost);
    let ept: Vec<OrdEptRow> = (0..8)
        .map(|i| OrdEptRow {
            summary_id: u32::MAX - i as u32,
            ep_calc: ORD_EPCALC_FULL_UNCERTAINTY,
            ep_type: 1 + (i % 4) as u8,
            return_period: f(i),
            loss: f(i + 1),
        })
        .collect();
    assert_eq!(round_trip(&ept), ept);
    let alt: Vec<OrdAltRow> = (0..8)
        .map(|i| OrdAltRow {
            summary_id: i as u32,
            sample_type: ORD_SAMPLE_TYPE_SAMPLE,
            mean_loss: f(i),
            sd_loss: o(i),
        })
        .collect();
    assert_eq!(round_trip(&alt), alt);
    let info: Vec<OrdSummaryInfoRow> = (0..8)
        .map(|i| OrdSummaryInfoRow {
            summary_id: i as u32,
            strategy: name(i),
            perspective: name(i + 1),
        })
        .collect();
    assert_eq!(round_trip(&info), info);
    let splt: Vec<SpltRow> = (0..8)
        .map(|i| SpltRow {
            period: i as u64,
            period_weight: f(i),
            event_id: u64::MAX,
            year: 1,
            month: 12,
            day: 31,
            hour: 0,
            minute: 59,
            summary_id: 3,
            sample_id: 1,
            loss: f(i + 1),
            impacted_exposure: 0,
        })
        .collect();
    assert_eq!(round_trip(&splt), splt);
}

#[test]
fn sweep_rows_round_trip() {
    let rows: Vec<SweepRow> = (0..8)
        .map(|i| {
            let text = ["0.05", "-3", "1000000", "0.1"][i % 4].to_string();
            SweepRow {
                parameter: name(i),
                value: SweptValue {
                    number: text.parse().unwrap(),
                    text,
                },
                unit: name(i + 1),
                strategy: name(i + 2),
                incidents: i as u64,
                time_to_access_mean_min: o(i),
                time_to_access_ci95_low_min: o(i + 1),
                time_to_access_ci95_high_min: o(i + 2),
                time_to_access_p90_min: o(i + 3),
                total_cost_mean: o(i + 4),
                total_cost_ci95_low: o(i + 5),
                total_cost_ci95_high: o(i + 6),
                unresolved_rate: o(i + 7),
                annual_cost_per_vehicle: o(i + 8),
                pool: name(i + 3),
                utilisation: o(i + 9),
                queue_wait_p50_min: o(i + 10),
                queue_wait_p90_min: o(i + 11),
                queue_wait_p99_min: o(i + 12),
                abandoned_calls: Some(i as u64), // written 0 when None
                currency: name(i),
                price_year: 2025,
            }
        })
        .collect();
    assert_eq!(round_trip(&rows), rows);
}

fn draw_row(i: usize) -> DrawRow {
    DrawRow {
        draw: (i / 2) as u64,
        strategy: name(i),
        annual_cost_per_vehicle: f(i),
        annual_cost_per_vehicle_se: f(i + 1),
        annual_cost_diff_vs_baseline: f(i + 2),
        annual_cost_diff_vs_baseline_se: f(i + 3),
        total_cost_mean: f(i + 4),
        time_to_access_mean_min: f(i + 5),
        prevention_cost_per_year: f(i + 6),
        incident_cost_per_vehicle_year: f(i + 7),
        time_to_access_min_per_vehicle_year: f(i),
        baseline_incident_rate_per_vehicle_year: f(i + 1),
        value_of_time_per_hour: f(i + 2),
        currency: name(i + 1),
        price_year: 2025,
    }
}

#[test]
fn uncertainty_rows_round_trip() {
    let draws: Vec<DrawRow> = (0..8).map(draw_row).collect();
    assert_eq!(round_trip(&draws), draws);
    let decisions: Vec<DecisionRow> = (0..8)
        .map(|i| DecisionRow {
            strategy: name(i),
            baseline: i == 0,
            draws: [2, u64::MAX][i % 2],
            incidents_per_draw: i as u64,
            expected_annual_cost_per_vehicle: f(i),
            expected_annual_cost_per_vehicle_ci95_low: f(i + 1),
            expected_annual_cost_per_vehicle_ci95_high: f(i + 2),
            annual_cost_p05: f(i + 3),
            annual_cost_p50: f(i + 4),
            annual_cost_p95: f(i + 5),
            annual_cost_outer_variance: f(i + 6),
            annual_cost_inner_variance: f(i + 7),
            probability_cheapest: f(i),
            expected_opportunity_loss: f(i + 1),
            currency: name(i + 2),
            price_year: 2025,
        })
        .collect();
    assert_eq!(round_trip(&decisions), decisions);
    let sensitivity: Vec<SensitivityRow> = (0..8)
        .map(|i| SensitivityRow {
            parameter: name(i),
            unit: name(i + 1),
            strategy: name(i + 2),
            value_p10: f(i),
            value_p50: f(i + 1),
            value_p90: f(i + 2),
            annual_cost_diff_vs_baseline_at_p50: f(i + 3),
            annual_cost_diff_vs_baseline_at_p10: f(i + 4),
            annual_cost_diff_vs_baseline_at_p10_ci95_low: f(i + 5),
            annual_cost_diff_vs_baseline_at_p10_ci95_high: f(i + 6),
            annual_cost_diff_vs_baseline_at_p90: f(i + 7),
            annual_cost_diff_vs_baseline_at_p90_ci95_low: f(i),
            annual_cost_diff_vs_baseline_at_p90_ci95_high: f(i + 1),
            first_order_variance_share: o(i),
            evppi_per_vehicle_year: f(i + 2),
            currency: name(i + 3),
            price_year: 2025,
        })
        .collect();
    assert_eq!(round_trip(&sensitivity), sensitivity);
}

#[test]
fn draws_tables_carry_a_column_per_parameter() {
    let rows: Vec<DrawRow> = (0..8).map(draw_row).collect();
    let parameters = vec![
        "incident_rate_per_vehicle_year".to_string(),
        r#"strategy."waist-pouch habit".annual_cost"#.to_string(),
    ];
    let values: Vec<Vec<f64>> = (0..4).map(|d| vec![f(d), f(d + 3)]).collect();
    let mut buf = Vec::new();
    write_draws(&mut buf, &parameters, 0, &values, &rows).unwrap();
    let (names, read) = read_draws(&buf).unwrap();
    assert_eq!(names, parameters);
    assert_eq!(read.len(), rows.len());
    for ((row, v), expected) in read.iter().zip(&rows) {
        assert_eq!(row, expected);
        assert_eq!(v, &values[row.draw as usize]);
    }
    let text = String::from_utf8(buf).unwrap();
    let head = text.lines().next().unwrap();
    assert!(
        head.starts_with(r#"draw,incident_rate_per_vehicle_year,"strategy.""waist-pouch habit"".annual_cost",strategy,"#),
        "{head}"
    );
}

#[test]
fn non_finite_optional_values_are_written_empty_and_read_as_none() {
    let mut row = summary(1);
    row.time_to_access_sd_min = Some(f64::NAN);
    row.break_even_incident_rate = Some(f64::INFINITY);
    let back = round_trip(std::slice::from_ref(&row)).remove(0);
    assert_eq!(back.time_to_access_sd_min, None);
    assert_eq!(back.break_even_incident_rate, None);
    // A required float column that is not finite is written empty and refused on reading.
    row.cost_mean = f64::NAN;
    let mut buf = Vec::new();
    write_rows(&mut buf, [row]).unwrap();
    assert!(read_rows::<SummaryRow>(buf.as_slice()).is_err());
}

#[test]
fn a_table_without_rows_has_its_header() {
    let mut buf = Vec::new();
    write_rows::<_, WaitRow>(&mut buf, []).unwrap();
    assert_eq!(
        String::from_utf8(buf).unwrap(),
        "strategy,pool,quantile,queue_wait_min,response_min,dispatched_calls\n"
    );
}

#[test]
fn manifests_round_trip_through_json() {
    let scenario = ScenarioInfo {
        name: name(2),
        description: name(1),
        path: "scenarios/a b.toml".into(),
        sha256: "00ff".into(),
    };
    let sweep = SweepManifest {
        scenario: scenario.clone(),
        seed: u64::MAX,
        sweep: SweepInfo {
            parameter: "remedy.locksmith.success".into(),
            values: FLOATS.to_vec(),
            unit: None,
        },
        fixed_overrides: vec![name(1)],
        lockout_version: "0.1.0".into(),
        currency: name(2),
        price_year: -1,
        confidence_level: 0.95,
    };
    let text = serde_json::to_string_pretty(&serde_json::to_value(&sweep).unwrap()).unwrap();
    assert_eq!(serde_json::from_str::<SweepManifest>(&text).unwrap(), sweep);
    let manifest = Manifest {
        scenario,
        overrides: vec![],
        seed: 0,
        incidents: 1,
        threads: 2,
        chunk_incidents: 3,
        strategies: NAMES.iter().map(|s| s.to_string()).collect(),
        baseline: name(0),
        generator: "g".into(),
        math_backend: MATH_BACKEND.into(),
        lockout_version: "0.1.0".into(),
        run_date: "2026-12-06".into(),
        platform: platform(),
        currency: "EUR".into(),
        price_year: 2025,
        value_of_time_per_hour: f(5),
        confidence_level: 0.95,
        quantile_method: QUANTILE_METHOD.into(),
        wall_time_s: f(6),
        incidents_per_second: f(3),
        evaluations_per_second: f(4),
        shard: None,
        merged_shards: Some(3),
        precision_target: Some(0.01),
        precision_reached: None,
        precision_met: Some(false),
        max_incidents: None,
        periods: Some(2000),
        events_per_second: None,
    };
    let text = serde_json::to_string_pretty(&manifest).unwrap();
    assert_eq!(serde_json::from_str::<Manifest>(&text).unwrap(), manifest);
}
