//! An incident's situation: who, what and where, realised from uniforms drawn once per incident
//! and shared by every strategy (common random numbers).

use super::streams::{self, TAG_SITUATION};
use crate::dist::unit_uniform;
use crate::model::{
    Fact, Facts, Level, MAX_USER_FACTS, Model, SpareKeyLocation, UserFacts, VEHICLE_FACTS,
};

/// Number of uniform draws that decide an incident's situation: the vehicle's segment and
/// facts, 5 for the driver, 7 for the context.
pub const SITUATION_DRAWS: usize = 1 + VEHICLE_FACTS + 5 + 7;

/// The uniforms that decide an incident's situation, drawn once per incident and shared by every
/// strategy (common random numbers): a strategy that changes a probability compares the same
/// uniform with another threshold.
#[derive(Debug, Clone, Copy)]
pub struct SituationDraws(pub [f64; SITUATION_DRAWS]);

impl SituationDraws {
    /// Draws the uniforms of incident `index`.
    #[inline]
    pub fn draw(seed: u64, index: u64) -> Self {
        Self::draw_keyed(streams::incident_key(seed, index))
    }

    /// Draws the uniforms of the incident (or region arrival) with stream key `key`.
    #[inline]
    pub fn draw_keyed(key: u64) -> Self {
        let mut rng = streams::keyed_stream(key, TAG_SITUATION);
        SituationDraws(std::array::from_fn(|_| unit_uniform(&mut rng)))
    }
}

/// The uniforms that decide the scenario's own facts, one per fact (in name order), each from
/// the fact's own stream of the incident: drawn once per incident and shared by every strategy.
#[derive(Debug, Clone, Copy)]
pub struct FactDraws([f64; MAX_USER_FACTS]);

impl FactDraws {
    /// No draws (for a scenario that declares no facts).
    pub const NONE: FactDraws = FactDraws([0.0; MAX_USER_FACTS]);

    /// Draws the uniforms of the incident (or region arrival) with stream key `key`.
    #[inline]
    pub fn draw_keyed(key: u64, facts: &UserFacts) -> Self {
        let mut d = FactDraws::NONE;
        for (u, &id) in d.0.iter_mut().zip(&facts.ids) {
            *u = unit_uniform(&mut streams::keyed_stream(key, streams::user_fact_tag(id)));
        }
        d
    }
}

/// Who, what and where: the realised situation of one incident under one strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    /// Vehicle segment index.
    pub segment: u16,
    /// Driver profile index.
    pub driver: u16,
    /// Context index.
    pub context: u16,
    /// Place index (into `Place::ALL`).
    pub place: u8,
    /// Spare key location.
    pub spare_key: SpareKeyLocation,
    /// Policy index.
    pub policy: u16,
    /// The facts at the start.
    pub facts: Facts,
}

#[inline]
fn pick(cumulative: impl Iterator<Item = f64>, u: f64) -> usize {
    let mut last = 0;
    for (i, c) in cumulative.enumerate() {
        last = i;
        if u < c {
            return i;
        }
    }
    last
}

impl Situation {
    /// A placeholder situation (segment 0, no facts), for preallocated arrays.
    pub const EMPTY: Situation = Situation {
        segment: 0,
        driver: 0,
        context: 0,
        place: 0,
        spare_key: SpareKeyLocation::None,
        policy: 0,
        facts: Facts(0),
    };

    /// Maps an incident's uniforms to its situation under `model`.
    #[inline]
    pub fn realise(model: &Model, d: &SituationDraws) -> Situation {
        Situation::assemble(
            VehiclePart::realise(model, d),
            DriverPart::realise(model, d),
            ContextPart::realise(model, d),
        )
    }

    /// Adds the scenario's own facts, drawn in dependency order from `draws`; `hour` is the
    /// incident's hour of the day where a clock knows it (region runs).
    #[inline]
    pub fn add_user_facts(&mut self, model: &Model, draws: &FactDraws, hour: Option<usize>) {
        for f in &model.user_facts.order {
            let p = match f.given.iter().find(|(c, _)| c.holds(self.facts)) {
                Some((_, p)) => *p,
                None => match (f.by_hour, hour) {
                    (Some(by_hour), Some(h)) => by_hour[h],
                    _ => {
                        let value = match f.level {
                            Level::Everyone => 0,
                            Level::Vehicle => self.segment as usize,
                            Level::Driver => self.driver as usize,
                            Level::Context => self.context as usize,
                        };
                        f.probability[value]
                    }
                },
            };
            if draws.0[f.draw] < p {
                self.facts.0 |= f.bit;
            }
        }
    }

    /// The situation made of its three parts.
    #[inline]
    pub fn assemble(v: VehiclePart, d: DriverPart, c: ContextPart) -> Situation {
        Situation {
            segment: v.segment,
            driver: d.driver,
            context: c.context,
            place: c.place,
            spare_key: d.spare_key,
            policy: d.policy,
            facts: Facts(v.facts | d.facts | c.facts),
        }
    }
}

// Facts are OR-ed in without branches: each is one comparison of a fixed uniform.
#[inline(always)]
fn bit(fact: Fact, holds: bool) -> u64 {
    (holds as u64) << fact as u8
}

/// Where each part's uniforms start in [`SituationDraws`].
const DRIVER_DRAWS: usize = 1 + VEHICLE_FACTS;
const CONTEXT_DRAWS: usize = DRIVER_DRAWS + 5;

/// The vehicle part of a situation: its segment and its features and faults. It depends only on
/// the model's segments, so strategies with the same segments share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VehiclePart {
    segment: u16,
    facts: u64,
}

impl VehiclePart {
    /// Realises the vehicle part from uniforms 0..=VEHICLE_FACTS.
    #[inline]
    pub fn realise(model: &Model, d: &SituationDraws) -> VehiclePart {
        let u = &d.0;
        let segment = pick(model.segments.iter().map(|s| s.cumulative_share), u[0]);
        let mut facts = 0u64;
        for (k, (fact, p)) in model.segments[segment].feature_probs.iter().enumerate() {
            facts |= bit(*fact, u[1 + k] < *p);
        }
        VehiclePart {
            segment: segment as u16,
            facts,
        }
    }
}

/// The driver part: profile, habits and policy. Depends only on the model's drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DriverPart {
    driver: u16,
    spare_key: SpareKeyLocation,
    policy: u16,
    facts: u64,
}

impl DriverPart {
    /// Realises the driver part from the next 5 uniforms.
    #[inline]
    pub fn realise(model: &Model, d: &SituationDraws) -> DriverPart {
        let u = &d.0[DRIVER_DRAWS..CONTEXT_DRAWS];
        let driver_idx = pick(model.drivers.iter().map(|d| d.cumulative_share), u[0]);
        let driver = &model.drivers[driver_idx];
        let door = u[1] < driver.door_left_unlocked;
        let mut facts = bit(Fact::DoorLeftUnlocked, door) | bit(Fact::CabinOpen, door);
        let spare = SpareKeyLocation::ALL[pick(driver.spare_key_cumulative.iter().copied(), u[2])];
        if let Some(f) = spare.fact() {
            facts |= f.bit() | Fact::SpareKey.bit();
        }
        facts |= bit(Fact::RoadsideMember, u[3] < driver.roadside_member)
            | bit(Fact::SmartphoneApp, u[4] < driver.smartphone_app)
            | bit(Fact::Flustered, driver.flustered);
        DriverPart {
            driver: driver_idx as u16,
            spare_key: spare,
            policy: driver.policy as u16,
            facts,
        }
    }
}

/// The context part: place, time and coverage. Depends only on the model's contexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContextPart {
    context: u16,
    place: u8,
    facts: u64,
}

impl ContextPart {
    /// Realises the context part from the last 7 uniforms.
    #[inline]
    pub fn realise(model: &Model, d: &SituationDraws) -> ContextPart {
        let u = &d.0[CONTEXT_DRAWS..];
        let context_idx = pick(model.contexts.iter().map(|c| c.cumulative_share), u[0]);
        let c = &model.contexts[context_idx];
        let facts = c.place.fact().bit()
            | bit(Fact::Night, u[1] < c.night)
            | bit(Fact::Weekend, u[2] < c.weekend)
            | bit(Fact::PhoneCoverage, u[3] < c.phone_coverage)
            | bit(Fact::CarCellularCoverage, u[4] < c.car_cellular_coverage)
            | bit(Fact::ParkedLong, u[5] < c.parked_long)
            | bit(Fact::KeysInCabin, u[6] < c.keys_in_cabin);
        ContextPart {
            context: context_idx as u16,
            place: c.place as u8,
            facts,
        }
    }
}
