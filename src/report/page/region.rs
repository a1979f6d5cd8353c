//! The region section of the page: the insurer's and the responders' numbers, read from
//! `insurer_cost.csv` and `responders.csv`, with their tables.

use super::reading::Estimate;
use super::*;

/// Share of a pool's lockout calls abandoned before dispatch above which the page warns.
const ABANDONED_WARNING_SHARE: f64 = 0.25;

/// The region section: a reading of the insurer's and the responders' numbers and their two
/// tables, from `insurer_cost.csv` and `responders.csv`.
pub(super) fn region_html(tables: &Tables, region: &RegionTables) -> String {
    let cur = escape(tables.currency());
    let ci = confidence(tables);
    let base = &tables.baseline().strategy;
    let periods = tables.periods().map_or_else(
        || "the simulated".to_string(),
        |p| format_fixed(p as f64, 0),
    );
    let mut h = String::from("<h2>Region: losses and responders</h2>\n");
    // Reading: the baseline's AAL per perspective, the lowest AAL, and each pool's load.
    let aal_text = |r: &InsurerCostRow| match (r.aal_ci95_low, r.aal_ci95_high) {
        (Some(lo), Some(hi)) => {
            let e = Estimate::new(r.aal, lo, hi);
            format!("{cur} {} ({ci} CI {})", e.mean_text(), e.range_text())
        }
        _ => format!("{cur} {}", money(r.aal)),
    };
    let base_aal: Vec<String> = region
        .insurer_cost
        .iter()
        .filter(|r| &r.strategy == base)
        .map(|r| {
            let what = match r.perspective.as_str() {
                "ground_up" => "ground-up".to_string(),
                "insured" => "insured (after the policy terms)".to_string(),
                other => escape(other),
            };
            format!("{} {what}", aal_text(r))
        })
        .collect();
    if !base_aal.is_empty() {
        let _ = write!(
            h,
            "<p>Over {periods} simulated years, the average annual loss (AAL) of the region \
             with the baseline, <strong>{}</strong>, is {}.",
            escape(base),
            base_aal.join(", and ")
        );
        if let Some(best) = region
            .insurer_cost
            .iter()
            .filter(|r| r.perspective == "ground_up")
            .min_by(|a, b| a.aal.total_cmp(&b.aal))
            .filter(|r| &r.strategy != base)
        {
            let _ = write!(
                h,
                " The lowest ground-up AAL is <strong>{}</strong>'s: {}.",
                escape(&best.strategy),
                aal_text(best)
            );
        }
        h.push_str("</p>\n");
    }
    let pools: Vec<String> = region
        .responders
        .iter()
        .filter(|r| &r.strategy == base)
        .map(|r| {
            let util = r.utilisation.filter(|u| u.is_finite()).map_or_else(
                || "no on-shift capacity".to_string(),
                |u| format!("busy {} of the on-shift time", format_percent(u)),
            );
            let wait = match r.queue_wait_p90_min.filter(|w| w.is_finite()) {
                Some(w) if r.dispatched_calls > 0 => format!(
                    "90% of {} lockout calls dispatched within {} min",
                    format_fixed(r.dispatched_calls as f64, 0),
                    minutes(w)
                ),
                _ => "no lockout calls dispatched".to_string(),
            };
            let staff = if r.responders == 1 {
                "1 responder".to_string()
            } else {
                format!("{} responders", r.responders)
            };
            format!(
                "<li><strong>{}</strong> ({staff}): {util}; {wait}.</li>",
                escape(&r.pool)
            )
        })
        .collect();
    if !pools.is_empty() {
        let _ = writeln!(
            h,
            "<p>Responders with the baseline:</p>\n<ul class=\"reading\">\n{}\n</ul>",
            pools.join("\n")
        );
    }
    // A pool that loses most of its lockout calls to another route is worth a warning: its
    // waits look short because the calls that would have waited longest were abandoned.
    for r in region.responders.iter().filter(|r| &r.strategy == base) {
        let called = r.dispatched_calls + r.abandoned_calls;
        if called > 0 && r.abandoned_calls as f64 >= ABANDONED_WARNING_SHARE * called as f64 {
            let _ = writeln!(
                h,
                "<p class=\"warning\">With the baseline, {} of the lockout calls to \
                 <strong>{}</strong> were abandoned before a responder was dispatched (another \
                 route got the keys back while it waited): its queue waits describe \
                 only the calls that were served.</p>",
                format_percent(r.abandoned_calls as f64 / called as f64),
                escape(&r.pool)
            );
        }
    }
    // Insurer table.
    let _ = writeln!(
        h,
        "<h3>Insurer&rsquo;s view (insurer_cost.csv)</h3>\n<p class=\"note\">Per strategy and \
         perspective (ground-up: the incident&rsquo;s cost; insured: after the policy terms), \
         money in {cur} at {} prices. The per-vehicle figures fit together: claims per \
         vehicle-year × mean claim = pure premium (the expected loss per vehicle and year, \
         before any fee), and pure premium × vehicles = AAL; the annual cost per vehicle of the \
         headline table adds the value of time and the strategy's own fee. AAL: average annual \
         loss with its {ci} confidence interval below. VaR and TVaR: the annual (AEP) loss at 20 years (95%) and 100 years \
         (99%) and the mean of the years beyond; &mdash; where the return period exceeds the \
         {periods} simulated years.</p>",
        tables.price_year()
    );
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>Strategy</th><th>Perspective</th>\
         <th>Claims per vehicle-year</th><th>Mean claim ({cur})</th>\
         <th>Pure premium ({cur} per vehicle-year)</th><th>AAL ({cur}/year)</th>\
         <th>VaR 95% ({cur})</th><th>TVaR 95% ({cur})</th><th>VaR 99% ({cur})</th>\
         <th>TVaR 99% ({cur})</th></tr></thead>\n<tbody>"
    );
    for r in &region.insurer_cost {
        let is_base = &r.strategy == base;
        let _ = write!(
            h,
            "<tr{}><td>{}{}</td><td>{}</td>",
            if is_base { " class=\"baseline\"" } else { "" },
            escape(&r.strategy),
            if is_base { " <em>(baseline)</em>" } else { "" },
            escape(perspective_label(&r.perspective).trim_end_matches(" loss"))
        );
        h.push_str(&opt_cell(r.claim_frequency_per_vehicle_year, |x| {
            format_fixed(x, 4)
        }));
        h.push_str(&opt_cell(r.severity_mean, money));
        h.push_str(&opt_cell(r.pure_premium_per_vehicle_year, money));
        match (r.aal_ci95_low, r.aal_ci95_high) {
            (Some(lo), Some(hi)) => h.push_str(&Estimate::new(r.aal, lo, hi).cell()),
            _ => h.push_str(&opt_cell(Some(r.aal), money)),
        }
        for v in [r.var_95, r.tvar_95, r.var_99, r.tvar_99] {
            h.push_str(&opt_cell(v, money));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    // Responders table.
    let _ = writeln!(
        h,
        "<h3>Responders (responders.csv)</h3>\n<p class=\"note\">Per strategy and pool: \
         utilisation is busy time divided by on-shift capacity (lockouts and other calls); \
         queue wait runs from the call to dispatch, response from the call to arrival on \
         scene, both over the lockout calls dispatched; abandoned calls ended because another \
         route got in first.</p>"
    );
    h.push_str(
        "<table>\n<thead><tr><th>Strategy</th><th>Pool</th><th>Responders</th>\
         <th>Utilisation</th><th>Lockout calls dispatched</th><th>Abandoned</th>\
         <th>Queue wait p50 / p90 / p99 (min)</th><th>Response p90 (min)</th>\
         <th>Longest queue</th></tr></thead>\n<tbody>\n",
    );
    for r in &region.responders {
        let is_base = &r.strategy == base;
        let _ = write!(
            h,
            "<tr{}><td>{}{}</td><td>{}</td><td class=\"num\">{}</td>",
            if is_base { " class=\"baseline\"" } else { "" },
            escape(&r.strategy),
            if is_base { " <em>(baseline)</em>" } else { "" },
            escape(&r.pool),
            r.responders
        );
        h.push_str(&opt_cell(r.utilisation, format_percent));
        let _ = write!(
            h,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
            format_fixed(r.dispatched_calls as f64, 0),
            format_fixed(r.abandoned_calls as f64, 0)
        );
        let waits: Vec<String> = [
            r.queue_wait_p50_min,
            r.queue_wait_p90_min,
            r.queue_wait_p99_min,
        ]
        .iter()
        .map(|w| {
            w.filter(|x| x.is_finite())
                .map_or_else(|| "&mdash;".to_string(), minutes)
        })
        .collect();
        let _ = write!(h, "<td class=\"num\">{}</td>", waits.join(" / "));
        h.push_str(&opt_cell(r.response_p90_min, minutes));
        let _ = writeln!(h, "<td class=\"num\">{}</td></tr>", r.longest_queue);
    }
    h.push_str("</tbody>\n</table>\n");
    h
}
