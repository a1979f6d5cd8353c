//! The page's words: an estimate with its interval, the verdict on a difference, the reading of
//! each strategy and the conclusion that opens the page, all from `summary.csv`'s rows.

use super::*;

/// A mean with its interval, all three with the same decimals.
pub(super) struct Estimate {
    pub(super) mean: f64,
    pub(super) low: f64,
    pub(super) high: f64,
}

impl Estimate {
    pub(super) fn new(mean: f64, low: f64, high: f64) -> Self {
        Self { mean, low, high }
    }

    pub(super) fn from_columns(
        mean: Option<f64>,
        low: Option<f64>,
        high: Option<f64>,
    ) -> Option<Self> {
        Some(Self::new(mean?, low?, high?))
    }

    /// Decimals for about three significant digits of the largest value, and enough for the
    /// interval's width to show two (at most 6), so that a narrow interval is not printed as
    /// "10.3 to 10.3".
    pub(super) fn decimals(&self) -> usize {
        let by_value = decimals_for(self.mean.abs().max(self.low.abs()).max(self.high.abs()));
        let width = self.high - self.low;
        let by_width = if width > 0.0 && width.is_finite() {
            (1.0 - width.log10().floor()).clamp(0.0, 6.0) as usize
        } else {
            0
        };
        by_value.max(by_width).min(6)
    }

    pub(super) fn mean_text(&self) -> String {
        format_fixed(self.mean, self.decimals())
    }

    pub(super) fn range_text(&self) -> String {
        let d = self.decimals();
        format!(
            "{} to {}",
            format_fixed(self.low, d),
            format_fixed(self.high, d)
        )
    }

    /// Whether the interval has no width: every incident gave the same value, so there is no
    /// sampling error to state.
    pub(super) fn exact(&self) -> bool {
        self.low == self.high
    }

    /// "95% CI 1.2 to 1.4", or "exact: no sampling spread" for an interval of no width.
    pub(super) fn interval_text(&self, ci: &str) -> String {
        if self.exact() {
            "exact: no sampling spread".to_string()
        } else {
            format!("{ci} CI {}", self.range_text())
        }
    }

    /// The same estimate with the sign flipped (a saving shown as a positive amount).
    pub(super) fn negated(&self) -> Self {
        Self::new(-self.mean, -self.high, -self.low)
    }

    /// Table cell: mean on top, interval below.
    pub(super) fn cell(&self) -> String {
        let range = if self.exact() {
            "exact".to_string()
        } else {
            self.range_text()
        };
        format!(
            "<td class=\"num\">{}<span class=\"ci\">{range}</span></td>",
            self.mean_text(),
        )
    }
}

pub(super) fn time_estimate(r: &SummaryRow) -> Option<Estimate> {
    Estimate::from_columns(
        r.time_diff_vs_baseline_mean_min,
        r.time_diff_vs_baseline_ci95_low_min,
        r.time_diff_vs_baseline_ci95_high_min,
    )
}

pub(super) fn cost_estimate(r: &SummaryRow) -> Option<Estimate> {
    Estimate::from_columns(
        r.cost_diff_vs_baseline_mean,
        r.cost_diff_vs_baseline_ci95_low,
        r.cost_diff_vs_baseline_ci95_high,
    )
}

pub(super) fn total_estimate(r: &SummaryRow) -> Option<Estimate> {
    Estimate::from_columns(
        r.total_cost_diff_vs_baseline_mean,
        r.total_cost_diff_vs_baseline_ci95_low,
        r.total_cost_diff_vs_baseline_ci95_high,
    )
}

/// A strategy's expected annual cost per vehicle with its interval.
pub(super) fn annual_estimate(r: &SummaryRow) -> Estimate {
    Estimate::new(
        r.annual_cost_per_vehicle,
        r.annual_cost_per_vehicle_ci95_low,
        r.annual_cost_per_vehicle_ci95_high,
    )
}

/// How a difference against the baseline reads, by its sign and interval.
pub(super) enum Verdict {
    /// Exactly zero with a zero-width interval: the paired outcomes are identical.
    Same,
    Less,
    More,
    Unclear,
}

pub(super) fn verdict(e: &Estimate) -> Verdict {
    if e.mean == 0.0 && e.low == 0.0 && e.high == 0.0 {
        Verdict::Same
    } else if e.high < 0.0 {
        Verdict::Less
    } else if e.low > 0.0 {
        Verdict::More
    } else {
        Verdict::Unclear
    }
}

/// Phrase for a time difference, e.g. "saves 38 min (95% CI 36 to 40)".
pub(super) fn time_phrase(e: &Estimate, ci: &str) -> String {
    match verdict(e) {
        Verdict::Same => "does not change the time to access".to_string(),
        Verdict::Less => {
            let s = e.negated();
            format!(
                "saves {} min ({}) to get in",
                s.mean_text(),
                s.interval_text(ci)
            )
        }
        Verdict::More => format!(
            "takes {} min longer ({}) to get in",
            e.mean_text(),
            e.interval_text(ci)
        ),
        Verdict::Unclear => format!(
            "is not distinguishable from the baseline in time to access (difference {} min, {ci} CI {})",
            e.mean_text(),
            e.range_text()
        ),
    }
}

/// Phrase for a money difference, e.g. "saves USD 61 (95% CI 58 to 64) in money paid".
pub(super) fn money_phrase(e: &Estimate, ci: &str, currency: &str, what: &str) -> String {
    match verdict(e) {
        Verdict::Same => format!("does not change the {what}"),
        Verdict::Less => {
            let s = e.negated();
            format!(
                "saves {currency} {} ({}) in {what}",
                s.mean_text(),
                s.interval_text(ci)
            )
        }
        Verdict::More => format!(
            "costs {currency} {} more ({}) in {what}",
            e.mean_text(),
            e.interval_text(ci)
        ),
        Verdict::Unclear => format!(
            "is not distinguishable from the baseline in {what} (difference {currency} {}, {ci} CI {})",
            e.mean_text(),
            e.range_text()
        ),
    }
}

pub(super) fn reading_html(tables: &Tables) -> String {
    let base = tables.baseline();
    let cur = escape(tables.currency());
    let ci = confidence(tables);
    let bname = escape(&base.strategy);
    let n = format_fixed(base.incidents as f64, 0);
    let mut h = String::new();
    let pairing = if tables.run.periods.is_none() {
        "differences paired lockout by lockout"
    } else {
        "differences of the means per lockout, paired by period: every strategy sees each \
         simulated year's arrivals, and the intervals are the delta method's over the years' sums"
    };
    let btime = Estimate::new(
        base.time_to_access_mean_min,
        base.time_to_access_ci95_low_min,
        base.time_to_access_ci95_high_min,
    );
    let _ = writeln!(
        h,
        "<p>With the baseline, <strong>{bname}</strong>, getting the keys back takes {} min on \
         average ({}; median {} min, 90th percentile {} min) and costs {cur} {} per \
         incident in money paid, {cur} {} counting time at {cur} {} per hour. Each strategy \
         was simulated for {n} incidents. Each strategy against it, cheapest per vehicle-year \
         first ({pairing}):</p>",
        btime.mean_text(),
        btime.interval_text(&ci),
        format_fixed(
            base.time_to_access_p50_min,
            decimals_for(base.time_to_access_p50_min)
        ),
        format_fixed(
            base.time_to_access_p90_min,
            decimals_for(base.time_to_access_p90_min)
        ),
        format_fixed(base.cost_mean, decimals_for(base.cost_mean)),
        format_fixed(base.total_cost_mean, decimals_for(base.total_cost_mean)),
        format_trimmed(base.value_of_time_per_hour),
    );
    h.push_str("<ul class=\"reading\">\n");
    for r in by_annual_cost(tables)
        .into_iter()
        .filter(|r| r.strategy != base.strategy)
    {
        let name = escape(&r.strategy);
        let (time, cost, total) = (time_estimate(r), cost_estimate(r), total_estimate(r));
        let same = |e: &Option<Estimate>| {
            e.as_ref()
                .is_some_and(|e| matches!(verdict(e), Verdict::Same))
        };
        let mut sentence = format!("<strong>{name}</strong>: ");
        if same(&time) && same(&cost) {
            let _ = write!(sentence, "a lockout goes exactly as under {bname}.");
        } else {
            let mut parts = Vec::new();
            if let Some(t) = &time {
                parts.push(time_phrase(t, &ci));
            }
            if let Some(c) = &cost {
                parts.push(money_phrase(c, &ci, &cur, "money paid"));
            }
            sentence.push_str("per lockout it ");
            sentence.push_str(&match parts.len() {
                0 => "has no paired difference in the tables".to_string(),
                1 => parts.remove(0),
                _ => format!("{} and {}", parts[0], parts[1]),
            });
            sentence.push('.');
            if let Some(t) = &total {
                let _ = write!(
                    sentence,
                    " Counting time as money, it {}.",
                    money_phrase(t, &ci, &cur, "total cost")
                );
            }
        }
        // A habit or device that prevents lockouts acts on the rate, not on the lockout.
        let (rate, base_rate) = (
            r.incident_rate_per_vehicle_year,
            base.incident_rate_per_vehicle_year,
        );
        if rate != base_rate {
            let _ = write!(
                sentence,
                " It makes lockouts {} as frequent: {} against {} per vehicle-year.",
                format_percent(rate / base_rate),
                format_trimmed(rate),
                format_trimmed(base_rate),
            );
        }
        let annual = annual_estimate(r);
        let _ = write!(
            sentence,
            " Expected cost per vehicle and year: {cur} {} ({}), against {cur} {} for the \
             baseline",
            annual.mean_text(),
            annual.interval_text(&ci),
            format_fixed(
                base.annual_cost_per_vehicle,
                decimals_for(base.annual_cost_per_vehicle)
            ),
        );
        // The break-even is a rate of the baseline's incidents (the strategy's own rate is
        // that times its multiplier), so it is compared with the baseline's rate.
        let assumed = format_trimmed(base.incident_rate_per_vehicle_year);
        match (r.cheaper_than_baseline_when, r.break_even_incident_rate) {
            (Some(CheaperWhen::RateAbove), Some(be)) => {
                let _ = write!(
                    sentence,
                    "; its prevention cost pays for itself above {} incidents per vehicle-year \
                     under the baseline (this scenario assumes {assumed}).",
                    format_trimmed(be),
                );
            }
            (Some(CheaperWhen::RateBelow), Some(be)) => {
                let _ = write!(
                    sentence,
                    "; it is cheaper than the baseline only below {} incidents per vehicle-year \
                     under the baseline (this scenario assumes {assumed}).",
                    format_trimmed(be),
                );
            }
            (Some(CheaperWhen::Always), _) => {
                sentence.push_str("; it is cheaper at any incident rate.")
            }
            (Some(CheaperWhen::Never), _) => {
                sentence.push_str("; it is dearer at any incident rate.")
            }
            _ => sentence.push('.'),
        }
        let _ = writeln!(h, "<li>{sentence}</li>");
    }
    h.push_str("</ul>\n");
    h
}

/// The summary rows, cheapest expected annual cost per vehicle first (ties in scenario order).
pub(super) fn by_annual_cost(tables: &Tables) -> Vec<&SummaryRow> {
    let mut rows: Vec<&SummaryRow> = tables.summary.iter().collect();
    rows.sort_by(|a, b| {
        a.annual_cost_per_vehicle
            .total_cmp(&b.annual_cost_per_vehicle)
    });
    rows
}

/// Shares above which the page warns: a tenth of incidents damaging the car, a twentieth
/// ending with the fallback (nothing worked before the horizon).
const DAMAGE_WARNING_SHARE: f64 = 0.1;
const UNRESOLVED_WARNING_SHARE: f64 = 0.05;

/// The conclusion in a few sentences: the cheapest strategy per vehicle-year against the
/// baseline, how many strategies beat the baseline, the fastest, and warnings where the
/// baseline's result is alarming.
pub(super) fn glance_html(tables: &Tables) -> String {
    let base = tables.baseline();
    let cur = escape(tables.currency());
    let ci = confidence(tables);
    let bname = escape(&base.strategy);
    let ranked = by_annual_cost(tables);
    let best = ranked[0];
    let mut h = String::from("<div class=\"glance\">\n<p>");
    let b = annual_estimate(base);
    if best.strategy == base.strategy {
        let _ = write!(
            h,
            "No strategy is expected to cost less per vehicle and year than the baseline, \
             <strong>{bname}</strong>, at {cur} {} ({}), prevention included.",
            b.mean_text(),
            b.interval_text(&ci)
        );
    } else {
        let e = annual_estimate(best);
        let _ = write!(
            h,
            "The lowest expected cost per vehicle and year is <strong>{}</strong>: {cur} {} \
             ({}), prevention included, against {cur} {} ({}) for the baseline, \
             <strong>{bname}</strong>.",
            escape(&best.strategy),
            e.mean_text(),
            e.interval_text(&ci),
            b.mean_text(),
            b.interval_text(&ci),
        );
        // Whether it is surely cheaper is read from the paired difference, whose interval is
        // narrower than the two intervals' overlap suggests.
        match Estimate::from_columns(
            best.annual_cost_diff_vs_baseline_mean,
            best.annual_cost_diff_vs_baseline_ci95_low,
            best.annual_cost_diff_vs_baseline_ci95_high,
        ) {
            Some(d) if d.high < 0.0 => {
                let s = d.negated();
                let _ = write!(
                    h,
                    " It saves {cur} {} per vehicle and year ({}) against the baseline.",
                    s.mean_text(),
                    s.interval_text(&ci)
                );
            }
            Some(d) => {
                let _ = write!(
                    h,
                    " The difference from the baseline, {cur} {} per vehicle and year ({}), is \
                     not surely below zero: this run does not settle which is cheaper.",
                    d.mean_text(),
                    d.interval_text(&ci)
                );
            }
            None => {}
        }
    }
    let cheaper = ranked
        .iter()
        .filter(|r| r.strategy != base.strategy)
        .filter(|r| r.annual_cost_per_vehicle < base.annual_cost_per_vehicle)
        .count();
    let _ = write!(
        h,
        " {cheaper} of the {} other strategies cost less per vehicle-year than the baseline.",
        tables.summary.len() - 1
    );
    if let Some(fastest) = tables.summary.iter().min_by(|a, b| {
        a.time_to_access_mean_min
            .total_cmp(&b.time_to_access_mean_min)
    }) {
        let _ = write!(
            h,
            " The fastest access is with <strong>{}</strong>: {} min on average per incident, \
             against {} min for the baseline.",
            escape(&fastest.strategy),
            minutes(fastest.time_to_access_mean_min),
            minutes(base.time_to_access_mean_min),
        );
    }
    h.push_str("</p>\n</div>\n");
    if base.damage_rate >= DAMAGE_WARNING_SHARE {
        let _ = writeln!(
            h,
            "<p class=\"warning\">Under the baseline the car is damaged in {} of incidents \
             (do-it-yourself attempts and broken windows).</p>",
            format_percent(base.damage_rate)
        );
    }
    if base.unresolved_rate >= UNRESOLVED_WARNING_SHARE {
        let _ = writeln!(
            h,
            "<p class=\"warning\">Under the baseline {} of incidents end with the fallback: \
             nothing worked before the give-up horizon.</p>",
            format_percent(base.unresolved_rate)
        );
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_follow_sign_and_interval() {
        let saving = Estimate::new(-38.2, -40.1, -36.0);
        assert_eq!(
            time_phrase(&saving, "95%"),
            "saves 38.2 min (95% CI 36.0 to 40.1) to get in"
        );
        let worse = Estimate::new(12.0, 10.0, 14.0);
        assert_eq!(
            money_phrase(&worse, "95%", "USD", "money paid"),
            "costs USD 12.0 more (95% CI 10.0 to 14.0) in money paid"
        );
        let unclear = Estimate::new(-0.3, -1.1, 0.5);
        assert!(time_phrase(&unclear, "95%").starts_with("is not distinguishable"));
        let same = Estimate::new(0.0, 0.0, 0.0);
        assert_eq!(
            money_phrase(&same, "95%", "USD", "total cost"),
            "does not change the total cost"
        );
    }
}
