//! Who adopts a strategy that applies to a share of the vehicles (see
//! [`crate::model::Strategy`]): the vehicle of a lockout must be targeted, judged on the
//! lockout as the baseline draws it, and its adoption uniform must fall below the uptake.
//!
//! The uniform has its own stream ([`TAG_ADOPTION`]), drawn once per incident and shared by
//! every strategy: with the same target, a strategy of uptake 0.3 has a subset of the adopters of
//! one of uptake 0.5, and no other draw of the incident moves.

use super::Situation;
use super::streams::{self, TAG_ADOPTION};
use crate::dist::unit_uniform;
use crate::model::Strategy;

/// The adoption uniform of incident `index` of run `seed`.
#[inline]
pub fn adoption_uniform(seed: u64, index: u64) -> f64 {
    unit_uniform(&mut streams::stream(seed, index, TAG_ADOPTION))
}

/// Whether the vehicle of a lockout whose baseline situation is `base` is targeted by
/// `strategy`, and whether it adopts it with adoption uniform `u`.
#[inline]
pub fn adopts(strategy: &Strategy, base: &Situation, u: f64) -> (bool, bool) {
    let targeted = strategy.target.holds(
        base.segment as usize,
        base.driver as usize,
        base.context as usize,
        base.facts,
    );
    (targeted, targeted && u < strategy.uptake)
}
