//! The compiled region of a scenario as plain data: the fixed calendar and its arrival
//! profile, the responder pools, and the policy terms of the insured perspective.
//!
//! The calendar is fixed: every period has 365 days and starts on a Monday at 00:00 local
//! time; there is no daylight saving. Night is 22:00 to 06:00, the weekend Saturday and
//! Sunday.

use crate::dist::Dist;

/// Minutes in a period (365 days).
pub const PERIOD_MIN: f64 = 365.0 * 1440.0;

/// Days in each month of the fixed 365-day calendar.
pub const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// The arrival intensity profile over the fixed calendar, normalised to mean 1 over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The normalised profile of each of the 8,760 hours of the period: what [`Calendar::at`]
    /// reads, and what [`Calendar::advance`] integrates.
    hourly: Vec<f64>,
}

/// Hours in a period.
const PERIOD_HOURS: usize = 365 * 24;

impl Calendar {
    /// The calendar of the profiles by hour of day (from 00:00), day of week (from Monday)
    /// and month (from January), normalised to mean 1 over the period.
    pub fn new(hour: [f64; 24], weekday: [f64; 7], month: [f64; 12]) -> Calendar {
        let month_of_day: Vec<u8> = MONTH_DAYS
            .iter()
            .enumerate()
            .flat_map(|(m, d)| std::iter::repeat_n(m as u8, *d as usize))
            .collect();
        // Mean of hour × weekday × month over the 365 × 24 hours of a period.
        let hours: f64 = hour.iter().sum();
        let mut total = 0.0;
        for (day, m) in month_of_day.iter().enumerate() {
            total += weekday[day % 7] * month[*m as usize] * hours;
        }
        let mean = total / (365.0 * 24.0);
        let hour = hour.map(|h| h / mean);
        let hourly = (0..PERIOD_HOURS)
            .map(|h| {
                let day = h / 24;
                hour[h % 24] * weekday[day % 7] * month[month_of_day[day] as usize]
            })
            .collect();
        Calendar { hourly }
    }

    /// The normalised intensity at `t` minutes into the period.
    #[inline]
    pub fn at(&self, t: f64) -> f64 {
        self.hourly[((t / 60.0) as usize).min(PERIOD_HOURS - 1)]
    }

    /// The time at which `rate · profile` (per minute), integrated from `from`, reaches
    /// `hazard`; `None` when that is after the end of the period. With `hazard` a standard
    /// exponential draw this is the next event of a Poisson process of intensity
    /// `rate · profile(t)`, by inversion of its cumulative intensity: exact, because the profile
    /// is constant within each hour, and with one draw per event (no rejected candidates).
    #[inline]
    pub fn advance(&self, from: f64, mut hazard: f64, rate: f64) -> Option<f64> {
        let mut t = from;
        let mut h = (t / 60.0) as usize;
        while h < PERIOD_HOURS {
            let r = rate * self.hourly[h];
            let end = (h + 1) as f64 * 60.0;
            let room = r * (end - t);
            if hazard < room {
                return Some(t + hazard / r);
            }
            hazard -= room;
            t = end;
            h += 1;
        }
        None
    }

    /// Whether `t` is at night (22:00-06:00).
    #[inline]
    pub fn is_night(t: f64) -> bool {
        let minute = minute_of_day(t);
        !(360.0..1320.0).contains(&minute)
    }

    /// The hour of the day (0-23) at `t`.
    #[inline]
    pub fn hour_of_day(t: f64) -> usize {
        ((minute_of_day(t) / 60.0) as usize).min(23)
    }

    /// Whether `t` is on a Saturday or Sunday (day 0 is a Monday).
    #[inline]
    pub fn is_weekend(t: f64) -> bool {
        ((t / 1440.0) as u64) % 7 >= 5
    }
}

/// Minutes since the last midnight, for `t >= 0` minutes into the period: `t mod 1440`
/// without `f64::rem_euclid`, which is a libm `fmod` call on baseline x86-64 and showed up in
/// profiles of the dispatcher. Exact: `t − k·1440` has no rounding error when `k·1440 <= t`.
#[inline]
fn minute_of_day(t: f64) -> f64 {
    let m = t - ((t / 1440.0) as u64) as f64 * 1440.0;
    // t / 1440 can round up to the next whole day just before midnight.
    if m < 0.0 { m + 1440.0 } else { m }
}

/// The month (1-12), day of month (from 1), hour and minute of `t` minutes into a period.
pub fn calendar_date(t: f64) -> (u8, u8, u8, u8) {
    let day = ((t / 1440.0) as u32).min(364);
    let mut month = 0;
    let mut first = 0;
    while day >= first + MONTH_DAYS[month] {
        first += MONTH_DAYS[month];
        month += 1;
    }
    let minute_of_day = (t - day as f64 * 1440.0).clamp(0.0, 1439.0) as u32;
    (
        month as u8 + 1,
        (day - first + 1) as u8,
        (minute_of_day / 60) as u8,
        (minute_of_day % 60) as u8,
    )
}

/// A compiled responder pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Name.
    pub name: String,
    /// Responders.
    pub count: u32,
    /// Daily shift as (start, end) minutes after midnight; `None`: around the clock.
    pub shift: Option<(f64, f64)>,
    /// Travel time.
    pub travel: Dist,
    /// Other calls per minute at mean intensity.
    pub other_calls_per_min: f64,
    /// Service time of other calls.
    pub other_service: Option<Dist>,
}

impl Pool {
    /// Whether the pool's responders are on shift at `t`.
    #[inline]
    pub fn on_shift(&self, t: f64) -> bool {
        match self.shift {
            None => true,
            Some((start, end)) => {
                let m = minute_of_day(t);
                if start <= end {
                    (start..end).contains(&m)
                } else {
                    m >= start || m < end
                }
            }
        }
    }

    /// On-shift responder-minutes in one period.
    pub fn capacity_min(&self) -> f64 {
        let per_day = match self.shift {
            None => 1440.0,
            Some((s, e)) if s <= e => e - s,
            Some((s, e)) => 1440.0 - s + e,
        };
        self.count as f64 * per_day * 365.0
    }
}

/// The compiled region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Vehicles.
    pub vehicles: u64,
    /// Default periods.
    pub periods: u64,
    /// The arrival profile.
    pub calendar: Calendar,
    /// Share of priority incidents.
    pub priority_share: f64,
    /// Pools.
    pub pools: Vec<Pool>,
    /// For each remedy, the pool that serves it.
    pub remedy_pool: Vec<Option<usize>>,
    /// Policy terms of the insured perspective.
    pub terms: PolicyTerms,
    /// Whether the file gave policy terms (then tables carry an `insured` perspective too).
    pub insured: bool,
}

/// Policy terms of the insurer's (or roadside club's) view. [`Default`] is no terms at all:
/// zero deductible, no limits, so the insured loss equals the ground-up loss.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PolicyTerms {
    /// Deductible per incident, in currency units (≥ 0): the member pays the first part.
    pub deductible: f64,
    /// Largest insured loss of one incident, after the deductible (`None`: unlimited).
    pub limit_per_incident: Option<f64>,
    /// Number of paid calls per vehicle and period; later calls are not covered
    /// (`None`: unlimited).
    pub annual_call_limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_is_normalised_and_fixed() {
        let mut hour = [1.0; 24];
        hour[18] = 3.0;
        let mut month = [1.0; 12];
        month[11] = 1.2;
        let c = Calendar::new(hour, [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 0.5], month);
        // The mean over every hour of the period is 1.
        let mean: f64 = (0..365 * 24)
            .map(|h| c.at(h as f64 * 60.0 + 1.0))
            .sum::<f64>()
            / (365.0 * 24.0);
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
        // Day 0 is a Monday; day 5 a Saturday; 23:00 is night, noon is not.
        assert!(!Calendar::is_weekend(0.0) && Calendar::is_weekend(5.0 * 1440.0 + 1.0));
        assert!(Calendar::is_night(23.0 * 60.0) && !Calendar::is_night(12.0 * 60.0));
    }

    #[test]
    fn advance_inverts_the_cumulative_intensity() {
        let mut hour = [1.0; 24];
        hour[1] = 3.0; // 01:00-02:00 three times as busy as the rest of the day
        hour[2] = 0.0; // and 02:00-03:00 empty
        let c = Calendar::new(hour, [1.0; 7], [1.0; 12]);
        let scale = c.at(0.0); // the normalised value of a plain hour
        let rate = 0.5; // per minute where the profile is 1
        // Within one hour it is a constant-rate gap.
        let t = c.advance(10.0, 5.0, rate).unwrap();
        assert!((t - (10.0 + 5.0 / (rate * scale))).abs() < 1e-9, "{t}");
        // Crossing into the busy hour, then through the empty one, into 03:00.
        let first = rate * scale * 10.0; // 50..60 min
        let busy = rate * 3.0 * scale * 60.0; // 60..120 min
        let t = c.advance(50.0, first + busy * 0.5, rate).unwrap();
        assert!((t - 90.0).abs() < 1e-9, "{t}");
        let t = c.advance(50.0, first + busy + 1.0, rate).unwrap();
        assert!((t - (180.0 + 1.0 / (rate * scale))).abs() < 1e-9, "{t}");
        // Beyond the end of the period: none.
        assert_eq!(c.advance(PERIOD_MIN - 1.0, 1e9, rate), None);
        assert_eq!(c.advance(PERIOD_MIN, 0.0, rate), None);
    }

    #[test]
    fn minute_of_day_is_the_remainder() {
        for t in [
            0.0,
            1.0,
            59.5,
            1439.999,
            1440.0,
            1441.25,
            100_000.5,
            PERIOD_MIN - 1e-7,
        ] {
            assert_eq!(minute_of_day(t), f64::rem_euclid(t, 1440.0), "{t}");
        }
    }
}
