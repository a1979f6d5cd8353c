//! How numbers are written: in the tables ([`num`], shortest round-trip form) and for people
//! (figures, the report page and the terminal's headline tables: fixed decimals with thousands
//! separators, percentages).

/// Formats a float for a table: shortest round-trip form, always with a decimal point or an
/// exponent (`1.0`, not `1`), empty when undefined (NaN or infinite). Reading the text back as
/// `f64` gives the same value, and a float column reads as floats in every run (pandas would
/// read a column whose values all happen to be whole as integers).
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let mut s = format!("{x}");
    if !s.contains(['.', 'e']) {
        s.push_str(".0");
    }
    s
}

/// Decimals that show `magnitude` with about three significant digits, at most 3.
pub fn decimals_for(magnitude: f64) -> usize {
    let m = magnitude.abs();
    if m >= 100.0 || m == 0.0 || !m.is_finite() {
        0
    } else if m >= 10.0 {
        1
    } else if m >= 1.0 {
        2
    } else {
        3
    }
}

/// Formats `x` with `decimals` decimals and thousands separators ("1,234.5", "-0.25").
pub fn format_fixed(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Formats `x` with about three significant digits (see [`decimals_for`]).
pub fn format_auto(x: f64) -> String {
    format_fixed(x, decimals_for(x))
}

/// Tick label of a share on an axis whose step needs `decimals` decimals ("20%").
pub(crate) fn percent_tick(share: f64, decimals: usize) -> String {
    format!(
        "{}%",
        format_fixed(100.0 * share, decimals.saturating_sub(2))
    )
}

/// Formats `x` with about three significant digits, dropping trailing zeros ("30", "2.5").
pub fn format_trimmed(x: f64) -> String {
    let s = format_auto(x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Formats a share (0.1234) as a percentage ("12.3%").
pub fn format_percent(share: f64) -> String {
    format!(
        "{}%",
        format_fixed(100.0 * share, decimals_for(100.0 * share).min(1))
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn table_floats_always_read_as_floats_and_round_trip() {
        assert_eq!(num(1.0), "1.0");
        assert_eq!(num(-0.0), "-0.0");
        assert_eq!(num(0.0), "0.0");
        assert_eq!(num(2025.0), "2025.0");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(f64::NAN), "");
        assert_eq!(num(f64::INFINITY), "");
        for x in [
            1.0,
            1e20,
            1e300,
            5e-324,
            0.1 + 0.2,
            -123456789.0,
            66.62613796826459,
        ] {
            let s = num(x);
            assert!(s.contains(['.', 'e']), "{s}");
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
        }
    }
    use super::*;

    #[test]
    fn numbers_are_shortest_round_trip() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(1e-7), "0.0000001");
        assert_eq!(num(f64::NAN), "");
    }

    #[test]
    fn numbers_are_grouped_and_signed() {
        assert_eq!(format_fixed(1234567.891, 1), "1,234,567.9");
        assert_eq!(format_fixed(-0.25, 2), "-0.25");
        assert_eq!(format_fixed(-0.0001, 2), "0.00");
        assert_eq!(format_auto(73.011162), "73.0");
        assert_eq!(format_auto(-209.47), "-209");
        assert_eq!(format_percent(0.12285), "12.3%");
    }
}
