//! The random draws of one try of a remedy, and the per-incident cache that lets strategies with
//! the same remedies draw them once.

use super::incident::Attempt;
use super::streams::{self, StreamRng, TAG_REMEDY_BASE};
use crate::dist::unit_uniform;
use crate::model::{Facts, Model, SpareKeyLocation};

/// Tries kept per remedy by [`DrawCache`]; later tries (rare) are drawn afresh.
const CACHED_TRIES: usize = 2;

/// The raw draws of the remedy tries of the latest incident, per group of strategies with the
/// same remedies (`Model::remedy_group`). An incident is simulated under every strategy in turn,
/// and strategies that share remedies draw the same numbers for the same try (common random
/// numbers), so each try is drawn once per incident instead of once per strategy. An entry is
/// valid for the incident key it was drawn with (the draws depend on nothing else), so a stale
/// entry can never be used and no reset is needed between incidents.
#[derive(Default)]
pub struct DrawCache {
    entries: Vec<CachedDraws>,
}

#[derive(Debug, Clone, Copy)]
struct CachedDraws {
    key: u64,
    /// The spare key location the work time was drawn for, or 0 when it does not matter;
    /// `u8::MAX` for an empty entry.
    spare: u8,
    draws: AttemptDraws,
}

impl DrawCache {
    #[inline]
    pub(super) fn get(
        &mut self,
        model: &Model,
        r: usize,
        try_no: u8,
        spare: SpareKeyLocation,
        key: u64,
    ) -> AttemptDraws {
        if try_no as usize >= CACHED_TRIES {
            return AttemptDraws::draw(model, r, try_no, spare, key);
        }
        let i = (model.remedy_group as usize * model.remedies.len() + r) * CACHED_TRIES
            + try_no as usize;
        if i >= self.entries.len() {
            // Only while warming up: the index is bounded by strategies × remedies.
            self.entries.resize(
                i + 1,
                CachedDraws {
                    key: 0,
                    spare: u8::MAX,
                    draws: AttemptDraws::default(),
                },
            );
        }
        let spare_id = if model.remedies[r].duration_by_spare {
            spare as u8
        } else {
            0
        };
        let e = &mut self.entries[i];
        if e.key != key || e.spare != spare_id {
            *e = CachedDraws {
                key,
                spare: spare_id,
                draws: AttemptDraws::draw(model, r, try_no, spare, key),
            };
        }
        e.draws
    }
}

/// The raw draws of one try of a remedy in one incident, before the situation's adjustments.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttemptDraws {
    /// Uniform compared with the (adjusted) success probability.
    success_u: f64,
    /// Wait, minutes (before the wait factor).
    wait: f64,
    /// Work, minutes, for the spare key location drawn for (before the duration factor).
    work: f64,
    /// Price (before the cost factor and added cost).
    cost: f64,
    /// Cancellation fee.
    cancel_fee: f64,
    /// Repair cost of the damage risks that hit.
    damage: f64,
}

impl AttemptDraws {
    /// Draws try `try_no` of remedy `r` from its own stream, in a fixed order: success, wait,
    /// work, price, cancellation fee, then each damage risk (uniform, cost).
    #[inline]
    pub fn draw(
        model: &Model,
        r: usize,
        try_no: u8,
        spare: SpareKeyLocation,
        key: u64,
    ) -> AttemptDraws {
        let remedy = &model.remedies[r];
        let tag = TAG_REMEDY_BASE + r as u64 + ((try_no as u64) << 8);
        let mut rng: StreamRng = streams::keyed_stream(key, tag);
        let success_u = unit_uniform(&mut rng);
        let wait = remedy.wait.as_ref().map_or(0.0, |d| d.sample(&mut rng));
        let work = remedy.duration[spare as usize]
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut rng));
        let cost = remedy.cost.as_ref().map_or(0.0, |d| d.sample(&mut rng));
        let cancel_fee = remedy
            .cancel_fee
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut rng));
        let mut damage = 0.0;
        for risk in &remedy.damage {
            let hit = unit_uniform(&mut rng) < risk.probability;
            let c = risk.cost.sample(&mut rng);
            if hit {
                damage += c;
            }
        }
        AttemptDraws {
            success_u,
            wait,
            work,
            cost,
            cancel_fee,
            damage,
        }
    }

    /// Applies the adjustments of remedy `r` that hold in `facts`. Returns (wait, work,
    /// attempt).
    #[inline]
    pub(super) fn adjust(&self, model: &Model, r: usize, facts: Facts) -> (f64, f64, Attempt) {
        let remedy = &model.remedies[r];
        let (mut wf, mut df, mut cf, mut add, mut success_p) = (1.0, 1.0, 1.0, 0.0, remedy.success);
        for adj in &remedy.adjust {
            if adj.when.holds(facts) {
                wf *= adj.wait_factor;
                df *= adj.duration_factor;
                cf *= adj.cost_factor;
                add += adj.add_cost;
                if let Some(s) = adj.success {
                    success_p = s;
                }
            }
        }
        (
            self.wait * wf,
            self.work * df,
            Attempt {
                remedy: r as u16,
                step: 0,
                running: true,
                success: self.success_u < success_p,
                cost: self.cost * cf + add,
                cancel_fee: self.cancel_fee,
                damage_cost: self.damage,
            },
        )
    }
}
