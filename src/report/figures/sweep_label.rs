//! The swept field of a `lockout sweep` as people read it: `region.pool.patrol trucks.count`
//! becomes "patrol trucks: number of responders", for the x axis of `sweep_means` and
//! `staffing`. A field without a label of its own keeps its path (with the unit of a swept
//! duration), so nothing is ever mislabelled.

use crate::report::schema::SweepRow;

/// The swept field of `rows` (every row has the same `parameter` and `unit`) as an axis title,
/// with its unit: the responder pool's name and what of it is swept for a pool's field (a pool
/// given by its index is named from the `pool` column, whose pools are in scenario order),
/// a plain description for the region's vehicles and priority share, and otherwise the path
/// itself (with the unit of a swept duration in brackets; the scenario's top-level fields, such
/// as `incident_rate_per_vehicle_year`, are named in words already).
pub(super) fn sweep_parameter_label(rows: &[SweepRow]) -> String {
    let first = &rows[0];
    let unit = first.unit.as_str();
    let with_unit = |what: &str| match unit {
        "" => what.to_string(),
        u => format!("{what} ({u})"),
    };
    let segments = split(&first.parameter);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let label = match segments.as_slice() {
        ["region", "pool", pool, field] => {
            let pool = pool_name(rows, pool);
            match *field {
                "count" => Some(format!("{pool}: number of responders")),
                "other_calls_per_hour" => Some(format!("{pool}: other calls per hour")),
                "travel" => Some(with_unit(&format!("{pool}: travel time"))),
                "other_call_service" => {
                    Some(with_unit(&format!("{pool}: service time of other calls")))
                }
                _ => None,
            }
        }
        ["region", "vehicles"] => Some("vehicles in the region".to_string()),
        ["region", "priority_share"] => Some("share of priority calls (0 to 1)".to_string()),
        _ => None,
    };
    label.unwrap_or_else(|| with_unit(&first.parameter))
}

/// The pool a path's segment names: by its name as written, by its index among the pools of
/// `rows` (in scenario order), or every pool (`*`).
fn pool_name(rows: &[SweepRow], segment: &str) -> String {
    if segment == "*" {
        return "every pool".to_string();
    }
    let Ok(index) = segment.parse::<usize>() else {
        return segment.to_string();
    };
    let mut pools: Vec<&str> = Vec::new();
    for r in rows {
        if !r.pool.is_empty() && !pools.contains(&r.pool.as_str()) {
            pools.push(&r.pool);
        }
    }
    pools
        .get(index)
        .map_or_else(|| format!("pool {index}"), |p| (*p).to_string())
}

/// A dotted path's parts, a part in double quotes taken whole (it may hold dots), unquoted
/// parts trimmed: the rule of `--set` paths.
fn split(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut part).trim().to_string()),
            c => part.push(c),
        }
    }
    parts.push(part.trim().to_string());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::schema::SweptValue;

    fn row(parameter: &str, unit: &str, pool: &str) -> SweepRow {
        SweepRow {
            parameter: parameter.into(),
            value: SweptValue {
                text: "3".into(),
                number: 3.0,
            },
            unit: unit.into(),
            strategy: "base".into(),
            incidents: 1,
            time_to_access_mean_min: None,
            time_to_access_ci95_low_min: None,
            time_to_access_ci95_high_min: None,
            time_to_access_p90_min: None,
            total_cost_mean: None,
            total_cost_ci95_low: None,
            total_cost_ci95_high: None,
            unresolved_rate: None,
            annual_cost_per_vehicle: None,
            pool: pool.into(),
            utilisation: None,
            queue_wait_p50_min: None,
            queue_wait_p90_min: None,
            queue_wait_p99_min: None,
            abandoned_calls: None,
            currency: "USD".into(),
            price_year: 2025,
        }
    }

    fn label(parameter: &str, unit: &str) -> String {
        sweep_parameter_label(&[
            row(parameter, unit, "patrol trucks"),
            row(parameter, unit, "contracted locksmiths"),
        ])
    }

    #[test]
    fn pool_fields_are_named_by_pool_and_what_is_swept() {
        for path in [
            "region.pool.patrol trucks.count",
            "region.pool.\"patrol trucks\".count",
            "region.pool.0.count",
        ] {
            assert_eq!(label(path, ""), "patrol trucks: number of responders");
        }
        assert_eq!(
            label("region.pool.1.travel", "min"),
            "contracted locksmiths: travel time (min)"
        );
        assert_eq!(
            label("region.pool.*.other_calls_per_hour", ""),
            "every pool: other calls per hour"
        );
        assert_eq!(
            label("region.pool.7.count", ""),
            "pool 7: number of responders"
        );
    }

    #[test]
    fn other_fields_keep_their_path_and_unit() {
        assert_eq!(label("region.vehicles", ""), "vehicles in the region");
        assert_eq!(
            label("incident_rate_per_vehicle_year", ""),
            "incident_rate_per_vehicle_year"
        );
        assert_eq!(
            label("remedy.locksmith.duration", "min"),
            "remedy.locksmith.duration (min)"
        );
        assert_eq!(label("region.pool.0.shift", ""), "region.pool.0.shift");
    }
}
