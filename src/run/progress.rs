//! Progress for people: a progress bar on stderr with rate and time left, and the formatting
//! of counts, rates and durations it uses.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A progress bar on stderr with rate and ETA, hidden when stderr is not a terminal or in CI:
/// `[00:00:03] ████░░░░ 1,600,000/10,000,000 incidents (528,899 incidents/s, ETA 16 s)`.
pub(crate) fn progress_bar(total: u64, wanted: bool, unit: &str) -> ProgressBar {
    let visible = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let rate_unit = unit.to_string();
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} ({{rate}}, ETA {{time_left}})"
        ))
        .expect("valid template")
        .with_key("rate", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}", format_rate(s.per_sec(), &rate_unit));
        })
        .with_key("time_left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            // Before the first chunk completes there is no rate to extrapolate from.
            let text = if s.pos() == 0 {
                "?".to_string()
            } else {
                format_eta(s.eta())
            };
            let _ = write!(w, "{text}");
        }),
    );
    bar
}

/// A whole number with thousands separators: `1234567` → `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A progress rate for people: whole units with thousands separators (`528,899 incidents/s`),
/// one decimal below 10 per second (`2.5 periods/s`).
pub(crate) fn format_rate(per_sec: f64, unit: &str) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return format!("0 {unit}/s");
    }
    if per_sec < 10.0 {
        return format!("{per_sec:.1} {unit}/s");
    }
    format!("{} {unit}/s", thousands(per_sec.round() as u64))
}

/// Time left for people: `42 s`, `3 min 05 s`, `2 h 07 min`.
pub(crate) fn format_eta(left: Duration) -> String {
    let secs = left.as_secs_f64().ceil() as u64;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_times_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(528_899), "528,899");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(
            format_rate(528_899.123_456, "incidents"),
            "528,899 incidents/s"
        );
        assert_eq!(format_rate(2.46, "periods"), "2.5 periods/s");
        assert_eq!(format_rate(f64::NAN, "periods"), "0 periods/s");
        assert_eq!(format_eta(Duration::from_secs_f64(41.2)), "42 s");
        assert_eq!(format_eta(Duration::from_secs(185)), "3 min 05 s");
        assert_eq!(
            format_eta(Duration::from_secs(2 * 3600 + 7 * 60 + 3)),
            "2 h 07 min"
        );
    }
}
