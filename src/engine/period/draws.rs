//! A period's external events, drawn once and shared by every strategy: lockout candidates,
//! each arrival's own draws, and the pools' other calls.

use super::{TAG_ARRIVAL, TAG_CANDIDATES, TAG_OTHER_CALLS};
use crate::dist::unit_uniform;
use crate::engine::SituationDraws;
use crate::engine::streams::{self, StreamRng};
use crate::model::region::{Calendar, Region};

/// What a lockout candidate draws for itself, from streams keyed by (seed, period, candidate):
/// the same under every strategy that keeps it.
pub(super) struct ArrivalDraws {
    /// The arrival's stream key.
    pub(super) key: u64,
    /// Its situation's uniforms.
    pub(super) situation: SituationDraws,
    /// The vehicle it happens to (for the annual call limit).
    pub(super) vehicle: u32,
    /// Whether its calls are priority calls.
    pub(super) priority: bool,
}

impl ArrivalDraws {
    pub(super) fn draw(region: &Region, seed: u64, period_no: u64, j: u64) -> ArrivalDraws {
        let key = streams::arrival_key(seed, period_no, j);
        let mut rng = streams::keyed_stream(key, TAG_ARRIVAL);
        let vehicle = ((unit_uniform(&mut rng) * region.vehicles as f64) as u64)
            .min(region.vehicles - 1) as u32;
        let priority = unit_uniform(&mut rng) < region.priority_share;
        ArrivalDraws {
            key,
            situation: SituationDraws::draw_keyed(key),
            vehicle,
            priority,
        }
    }
}

/// A lockout candidate: kept by a strategy when `keep` is below its multiplier over the highest.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub(super) time: f64,
    pub(super) keep: f64,
}

/// Another (non-lockout) call to a pool, with its draws.
#[derive(Debug, Clone, Copy)]
pub(super) struct OtherCall {
    pub(super) time: f64,
    pub(super) service_min: f64,
    pub(super) travel_min: f64,
}

/// A period's external events, drawn once and shared by every strategy (common random numbers,
/// and the draws are not repeated per strategy). Each stream is a Poisson process of intensity
/// `rate · profile(t)` drawn by inversion ([`Calendar::advance`]), in time order.
/// Their size is that of one period's arrivals, whatever the number of periods.
pub(super) struct PeriodDraws {
    /// Lockout candidates at the highest strategy's rate; candidate `j` is at index `j`.
    pub(super) candidates: Vec<Candidate>,
    /// Each candidate's own draws, at the same index.
    pub(super) arrivals: Vec<ArrivalDraws>,
    /// Per pool, its other calls.
    pub(super) other_calls: Vec<Vec<OtherCall>>,
}

impl PeriodDraws {
    /// Candidates draw (keep uniform, gap to the next); other calls draw (service time, travel
    /// time, gap to the next), each in that order, from the period's streams.
    pub(super) fn draw(region: &Region, seed: u64, period_no: u64, max_rate: f64) -> PeriodDraws {
        let period_key = streams::arrival_key(seed, period_no, u64::MAX);
        let calendar = &region.calendar;
        let mut candidates = Vec::new();
        poisson_events(
            calendar,
            &mut streams::keyed_stream(period_key, TAG_CANDIDATES),
            max_rate,
            |time, rng| {
                candidates.push(Candidate {
                    time,
                    keep: unit_uniform(rng),
                })
            },
        );
        let other_calls = region
            .pools
            .iter()
            .enumerate()
            .map(|(p, pool)| {
                let mut calls = Vec::new();
                poisson_events(
                    calendar,
                    &mut streams::keyed_stream(period_key, TAG_OTHER_CALLS + p as u64),
                    pool.other_calls_per_min,
                    |time, rng| {
                        let service_min =
                            pool.other_service.as_ref().map_or(0.0, |d| d.sample(rng));
                        let travel_min = pool.travel.sample(rng);
                        calls.push(OtherCall {
                            time,
                            service_min,
                            travel_min,
                        });
                    },
                );
                calls
            })
            .collect();
        let arrivals = (0..candidates.len() as u64)
            .map(|j| ArrivalDraws::draw(region, seed, period_no, j))
            .collect();
        PeriodDraws {
            candidates,
            arrivals,
            other_calls,
        }
    }
}

/// Calls `each(t, rng)` at every event of a Poisson process of intensity `rate · profile(t)`
/// within the period, in time order, drawing each gap (a standard exponential, inverted through
/// [`Calendar::advance`]) after the event's own draws.
fn poisson_events(
    calendar: &Calendar,
    rng: &mut StreamRng,
    rate: f64,
    mut each: impl FnMut(f64, &mut StreamRng),
) {
    if rate <= 0.0 {
        return;
    }
    let mut next = calendar.advance(0.0, standard_exp(rng), rate);
    while let Some(t) = next {
        each(t, rng);
        next = calendar.advance(t, standard_exp(rng), rate);
    }
}

/// A standard exponential draw by inversion, `−ln(1 − u)`.
#[inline]
fn standard_exp(rng: &mut StreamRng) -> f64 {
    -(1.0 - unit_uniform(rng)).ln()
}
