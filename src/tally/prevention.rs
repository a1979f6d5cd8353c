//! Who adopts a strategy that applies to a share of the vehicles, and its weighted cost.

use super::*;

/// What a strategy that applies to a share of the vehicles needs beyond its [`StrategyTally`]
/// (which holds the selected outcomes: an adopter's under the strategy, a non-adopter's under
/// the baseline, each lockout of the baseline's stream once): who adopted, and the total cost
/// weighted by each lockout's incident rate multiplier, so that the annual cost per vehicle
/// comes out right over the whole population (see [`crate::model::Strategy`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreventionTally {
    /// Weight of an adopter's lockout: the strategy's incident rate multiplier `m`.
    pub adopter_weight: f64,
    /// Weight of a non-adopter's lockout: the baseline's multiplier `m_b`.
    pub other_weight: f64,
    /// Lockouts whose vehicle is targeted.
    pub targeted: u64,
    /// Lockouts whose vehicle adopts the strategy.
    pub adopters: u64,
    /// Every lockout: weight × total cost (its mean × the scenario's rate is the incident
    /// cost per vehicle-year).
    pub weighted_total_cost: Moments,
    /// Adopters' lockouts: total cost under the strategy.
    pub adopter_total_cost: Moments,
    /// Adopters' lockouts, paired: `m` × total cost under the strategy − `m_b` × total cost
    /// under the baseline (a non-adopter's is 0).
    pub adopter_weighted_diff: Moments,
}

impl PreventionTally {
    pub(super) fn new(adopter_weight: f64, other_weight: f64) -> Self {
        PreventionTally {
            adopter_weight,
            other_weight,
            targeted: 0,
            adopters: 0,
            weighted_total_cost: Moments::default(),
            adopter_total_cost: Moments::default(),
            adopter_weighted_diff: Moments::default(),
        }
    }

    pub(super) fn moments(&self) -> [(&'static str, &Moments); 3] {
        [
            ("weighted total cost", &self.weighted_total_cost),
            ("adopters' total cost", &self.adopter_total_cost),
            ("adopters' weighted difference", &self.adopter_weighted_diff),
        ]
    }

    pub(super) fn merge(&mut self, b: &PreventionTally) {
        self.targeted += b.targeted;
        self.adopters += b.adopters;
        self.weighted_total_cost.merge(&b.weighted_total_cost);
        self.adopter_total_cost.merge(&b.adopter_total_cost);
        self.adopter_weighted_diff.merge(&b.adopter_weighted_diff);
    }

    pub(super) fn checked_merge(&mut self, b: &PreventionTally) -> Result<(), String> {
        self.targeted = checked(self.targeted.checked_add(b.targeted), "targeted")?;
        self.adopters = checked(self.adopters.checked_add(b.adopters), "adopters")?;
        self.weighted_total_cost
            .checked_merge(&b.weighted_total_cost)?;
        self.adopter_total_cost
            .checked_merge(&b.adopter_total_cost)?;
        self.adopter_weighted_diff
            .checked_merge(&b.adopter_weighted_diff)
    }

    pub(super) fn validate(&self, n: u64) -> Result<(), String> {
        for (what, m) in self.moments() {
            m.validate().map_err(|e| format!("{what}: {e}"))?;
        }
        at_most("targeted", self.targeted, n)?;
        at_most("adopters", self.adopters, self.targeted)?;
        same_count(&[
            ("the run", n),
            ("weighted_total_cost", self.weighted_total_cost.count()),
        ])?;
        same_count(&[
            ("adopters", self.adopters),
            ("adopter_total_cost", self.adopter_total_cost.count()),
            ("adopter_weighted_diff", self.adopter_weighted_diff.count()),
        ])
    }
}
