//! The compiled, validated model the engine runs: plain data, names resolved to indices,
//! samplers built. Nothing here looks up a string or allocates on the per-incident path.
//!
//! An incident's situation is a [`Facts`] bitset (vehicle features, faults, habits, context).
//! Remedy preconditions and adjustments are masks over it, so testing "may this remedy be tried
//! now?" is two AND operations.

pub mod calibration;
pub mod outcome;
pub mod region;
pub mod uncertainty;

use crate::dist::{Dist, Minutes};

/// One yes/no fact about an incident. The `name` of each is the word used in scenario files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fact {
    /// Keyless/proximity trunk button.
    KeylessTrunkButton,
    /// Rear seats fold down.
    FoldDownSeats,
    /// The seat release is in the cabin.
    SeatReleaseInCabin,
    /// Interior trunk release reachable from the cabin.
    InteriorTrunkRelease,
    /// App remote unlock with an active subscription.
    AppUnlock,
    /// Physical key blade and usable cylinder.
    KeyCylinder,
    /// Fault: dead fob battery.
    FobBatteryDead,
    /// Fault: broken linkage rod.
    LinkageRodBroken,
    /// Fault: dirty or rusty lock cylinder.
    LockCylinderRusty,
    /// Fault: broken latch or release wire.
    LatchWireBroken,
    /// Habit: a door was left unlocked.
    DoorLeftUnlocked,
    /// The cabin is open (initially: a door was left unlocked; remedies may set it).
    CabinOpen,
    /// Roadside membership.
    RoadsideMember,
    /// Smartphone with the car's app.
    SmartphoneApp,
    /// Flustered temperament.
    Flustered,
    /// Has a spare key somewhere reachable (any location but `none`).
    SpareKey,
    /// Spare key in the wallet.
    SpareKeyWallet,
    /// Spare key with a partner.
    SpareKeyPartner,
    /// Spare key at home.
    SpareKeyHome,
    /// Spare key at the office.
    SpareKeyOffice,
    /// Spare key in a magnetic box on the car.
    SpareKeyMagneticBox,
    /// At night.
    Night,
    /// On a weekend.
    Weekend,
    /// The driver's phone has coverage.
    PhoneCoverage,
    /// The car has cellular coverage.
    CarCellularCoverage,
    /// Parked so long that remote unlock no longer works.
    ParkedLong,
    /// The keys are in the cabin, not the trunk.
    KeysInCabin,
    /// Place: home.
    PlaceHome,
    /// Place: work.
    PlaceWork,
    /// Place: shopping centre.
    PlaceShoppingCentre,
    /// Place: remote spot (a picnic).
    PlaceRemote,
    /// Place: roadside.
    PlaceRoadside,
}

impl Fact {
    /// Every fact, in bit order.
    pub const ALL: [Fact; 32] = [
        Fact::KeylessTrunkButton,
        Fact::FoldDownSeats,
        Fact::SeatReleaseInCabin,
        Fact::InteriorTrunkRelease,
        Fact::AppUnlock,
        Fact::KeyCylinder,
        Fact::FobBatteryDead,
        Fact::LinkageRodBroken,
        Fact::LockCylinderRusty,
        Fact::LatchWireBroken,
        Fact::DoorLeftUnlocked,
        Fact::CabinOpen,
        Fact::RoadsideMember,
        Fact::SmartphoneApp,
        Fact::Flustered,
        Fact::SpareKey,
        Fact::SpareKeyWallet,
        Fact::SpareKeyPartner,
        Fact::SpareKeyHome,
        Fact::SpareKeyOffice,
        Fact::SpareKeyMagneticBox,
        Fact::Night,
        Fact::Weekend,
        Fact::PhoneCoverage,
        Fact::CarCellularCoverage,
        Fact::ParkedLong,
        Fact::KeysInCabin,
        Fact::PlaceHome,
        Fact::PlaceWork,
        Fact::PlaceShoppingCentre,
        Fact::PlaceRemote,
        Fact::PlaceRoadside,
    ];

    /// The word used for this fact in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Fact::KeylessTrunkButton => "keyless_trunk_button",
            Fact::FoldDownSeats => "fold_down_seats",
            Fact::SeatReleaseInCabin => "seat_release_in_cabin",
            Fact::InteriorTrunkRelease => "interior_trunk_release",
            Fact::AppUnlock => "app_unlock",
            Fact::KeyCylinder => "key_cylinder",
            Fact::FobBatteryDead => "fob_battery_dead",
            Fact::LinkageRodBroken => "linkage_rod_broken",
            Fact::LockCylinderRusty => "lock_cylinder_rusty",
            Fact::LatchWireBroken => "latch_wire_broken",
            Fact::DoorLeftUnlocked => "door_left_unlocked",
            Fact::CabinOpen => "cabin_open",
            Fact::RoadsideMember => "roadside_member",
            Fact::SmartphoneApp => "smartphone_app",
            Fact::Flustered => "flustered",
            Fact::SpareKey => "spare_key",
            Fact::SpareKeyWallet => "spare_key_wallet",
            Fact::SpareKeyPartner => "spare_key_partner",
            Fact::SpareKeyHome => "spare_key_home",
            Fact::SpareKeyOffice => "spare_key_office",
            Fact::SpareKeyMagneticBox => "spare_key_magnetic_box",
            Fact::Night => "night",
            Fact::Weekend => "weekend",
            Fact::PhoneCoverage => "phone_coverage",
            Fact::CarCellularCoverage => "car_cellular_coverage",
            Fact::ParkedLong => "parked_long",
            Fact::KeysInCabin => "keys_in_cabin",
            Fact::PlaceHome => "place_home",
            Fact::PlaceWork => "place_work",
            Fact::PlaceShoppingCentre => "place_shopping_centre",
            Fact::PlaceRemote => "place_remote",
            Fact::PlaceRoadside => "place_roadside",
        }
    }

    /// Looks a fact up by its file name (load time only).
    pub fn from_name(name: &str) -> Option<Fact> {
        Fact::ALL.into_iter().find(|f| f.name() == name)
    }

    /// This fact's bit.
    #[inline]
    pub const fn bit(self) -> u64 {
        1u64 << self as u8
    }
}

/// A set of facts, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facts(pub u64);

impl Facts {
    /// Whether `fact` holds.
    #[inline]
    pub fn has(self, fact: Fact) -> bool {
        self.0 & fact.bit() != 0
    }
    /// Sets `fact` to `value`.
    #[inline]
    pub fn set(&mut self, fact: Fact, value: bool) {
        if value {
            self.0 |= fact.bit();
        } else {
            self.0 &= !fact.bit();
        }
    }
    /// The names of the facts that hold, for traces: the built-in ones in bit order, then the
    /// scenario's own (`user`, the names of bits 32.. in order; see [`Names::facts`]).
    pub fn names<'a>(self, user: &'a [String]) -> Vec<&'a str> {
        Fact::ALL
            .into_iter()
            .filter(|f| self.has(*f))
            .map(|f| -> &'a str { f.name() })
            .chain(
                user.iter()
                    .enumerate()
                    .filter(|(i, _)| self.0 & user_fact_bit(*i) != 0)
                    .map(|(_, n)| n.as_str()),
            )
            .collect()
    }
}

/// The bit of the first fact a scenario declares (`[fact.NAME]`); the built-in facts take the
/// bits below it.
pub const FIRST_USER_FACT_BIT: usize = Fact::ALL.len();

/// The most facts a scenario may declare of its own: the bits of [`Facts`] left after the
/// built-in facts.
pub const MAX_USER_FACTS: usize = 64 - FIRST_USER_FACT_BIT;

/// The bit of the scenario's `i`-th own fact (in name order, from 0).
#[inline]
pub const fn user_fact_bit(i: usize) -> u64 {
    1u64 << (FIRST_USER_FACT_BIT + i)
}

/// The stable id of the scenario's own fact `name`: an FNV-1a hash of the name, from which its
/// random stream is keyed (so the stream depends on the name alone, not on the other facts).
pub fn user_fact_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The level a scenario's own fact is drawn at: its probability is given per value of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// One probability for every incident.
    Everyone,
    /// Per vehicle segment.
    Vehicle,
    /// Per driver profile.
    Driver,
    /// Per context.
    Context,
}

/// A fact the scenario declares (`[fact.NAME]`), compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFact {
    /// Its bit in [`Facts`].
    pub bit: u64,
    /// Its uniform's index in the incident's fact draws (its index in name order).
    pub draw: usize,
    /// Where its probability comes from.
    pub level: Level,
    /// Probability per value of the level (one value for [`Level::Everyone`]).
    pub probability: Vec<f64>,
    /// Ordered rules: the first whose condition holds gives the probability instead.
    pub given: Vec<(Condition, f64)>,
    /// Probability by hour of the day (0-23), used instead of the level's when the incident's
    /// time is known (region runs) and no `given` rule holds.
    pub by_hour: Option<[f64; 24]>,
}

/// The facts a scenario declares, compiled: drawn after the built-in situation, in an order
/// where every fact a `given` rule tests is drawn first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFacts {
    /// Each fact's id ([`user_fact_id`]), in name order: its draw's stream derives from it.
    pub ids: Vec<u64>,
    /// The facts in draw order.
    pub order: Vec<UserFact>,
}

/// A conjunction of fact literals: all of `need` hold and none of `forbid`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Condition {
    /// Facts that must hold.
    pub need: u64,
    /// Facts that must not hold.
    pub forbid: u64,
}

impl Condition {
    /// Whether the condition holds for `facts`.
    #[inline]
    pub fn holds(self, facts: Facts) -> bool {
        facts.0 & self.need == self.need && facts.0 & self.forbid == 0
    }
}

/// Where the spare key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum SpareKeyLocation {
    /// No spare key.
    #[default]
    None,
    /// In the wallet.
    Wallet,
    /// With a partner.
    Partner,
    /// At home.
    Home,
    /// At the office.
    Office,
    /// In a magnetic box on the car.
    MagneticBox,
}

impl SpareKeyLocation {
    /// Every location, in index order.
    pub const ALL: [SpareKeyLocation; 6] = [
        SpareKeyLocation::None,
        SpareKeyLocation::Wallet,
        SpareKeyLocation::Partner,
        SpareKeyLocation::Home,
        SpareKeyLocation::Office,
        SpareKeyLocation::MagneticBox,
    ];
    /// The word used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            SpareKeyLocation::None => "none",
            SpareKeyLocation::Wallet => "wallet",
            SpareKeyLocation::Partner => "partner",
            SpareKeyLocation::Home => "home",
            SpareKeyLocation::Office => "office",
            SpareKeyLocation::MagneticBox => "magnetic_box",
        }
    }
    /// Looks a location up by name (load time only).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }
    /// The fact that says the spare key is here (`None` for no spare key).
    pub fn fact(self) -> Option<Fact> {
        match self {
            SpareKeyLocation::None => None,
            SpareKeyLocation::Wallet => Some(Fact::SpareKeyWallet),
            SpareKeyLocation::Partner => Some(Fact::SpareKeyPartner),
            SpareKeyLocation::Home => Some(Fact::SpareKeyHome),
            SpareKeyLocation::Office => Some(Fact::SpareKeyOffice),
            SpareKeyLocation::MagneticBox => Some(Fact::SpareKeyMagneticBox),
        }
    }
}

/// Where the lockout happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Place {
    /// At home.
    Home,
    /// At work.
    Work,
    /// At a shopping centre.
    ShoppingCentre,
    /// At a remote spot.
    Remote,
    /// At the roadside.
    Roadside,
}

impl Place {
    /// Every place, in index order.
    pub const ALL: [Place; 5] = [
        Place::Home,
        Place::Work,
        Place::ShoppingCentre,
        Place::Remote,
        Place::Roadside,
    ];
    /// The word used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Place::Home => "home",
            Place::Work => "work",
            Place::ShoppingCentre => "shopping_centre",
            Place::Remote => "remote",
            Place::Roadside => "roadside",
        }
    }
    /// Looks a place up by name (load time only).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
    /// The fact that says the incident is here.
    pub fn fact(self) -> Fact {
        match self {
            Place::Home => Fact::PlaceHome,
            Place::Work => Fact::PlaceWork,
            Place::ShoppingCentre => Fact::PlaceShoppingCentre,
            Place::Remote => Fact::PlaceRemote,
            Place::Roadside => Fact::PlaceRoadside,
        }
    }
}

/// A vehicle segment, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Cumulative share up to and including this segment (the last is exactly 1).
    pub cumulative_share: f64,
    /// Probability of each vehicle feature and fault, paired with its fact, in draw order.
    pub feature_probs: [(Fact, f64); VEHICLE_FACTS],
}

/// Number of vehicle facts drawn per incident (features and faults).
pub const VEHICLE_FACTS: usize = 10;

/// A driver profile, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// Cumulative share up to and including this profile.
    pub cumulative_share: f64,
    /// Probability a door was left unlocked.
    pub door_left_unlocked: f64,
    /// Cumulative probabilities over [`SpareKeyLocation::ALL`].
    pub spare_key_cumulative: [f64; 6],
    /// Probability of roadside membership.
    pub roadside_member: f64,
    /// Probability of a smartphone with the car's app.
    pub smartphone_app: f64,
    /// Whether this profile is flustered.
    pub flustered: bool,
    /// Index of the policy the profile follows.
    pub policy: usize,
}

/// A context, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// Cumulative share up to and including this context.
    pub cumulative_share: f64,
    /// Where.
    pub place: Place,
    /// Probability of night.
    pub night: f64,
    /// Probability of a weekend.
    pub weekend: f64,
    /// Probability of phone coverage.
    pub phone_coverage: f64,
    /// Probability of the car's cellular coverage.
    pub car_cellular_coverage: f64,
    /// Probability the car has been parked too long for remote unlock.
    pub parked_long: f64,
    /// Probability the keys are in the cabin.
    pub keys_in_cabin: f64,
}

/// A conditional adjustment of a remedy, compiled.
#[derive(Debug, Clone, Copy)]
pub struct Adjustment {
    /// When it applies.
    pub when: Condition,
    /// Multiplies the wait.
    pub wait_factor: f64,
    /// Multiplies the working time.
    pub duration_factor: f64,
    /// Multiplies the price.
    pub cost_factor: f64,
    /// Adds to the price after the factors.
    pub add_cost: f64,
    /// Replaces the success probability, if set.
    pub success: Option<f64>,
}

/// A damage risk, compiled.
#[derive(Debug, Clone)]
pub struct DamageRisk {
    /// Probability per completed attempt.
    pub probability: f64,
    /// Repair cost.
    pub cost: Dist,
}

/// A remedy, compiled.
#[derive(Debug, Clone)]
pub struct Remedy {
    /// Whether it may be tried at all under this strategy.
    pub available: bool,
    /// Alternatives: it may be tried when any one holds (empty: always).
    pub requires: Vec<Condition>,
    /// Probability it works.
    pub success: f64,
    /// Wait before work starts, if any.
    pub wait: Option<Dist>,
    /// Working time, by spare key location index (most remedies repeat one distribution).
    pub duration: [Option<Dist>; 6],
    /// Whether `duration` differs by spare key location (set by `duration_by_spare_key`).
    pub duration_by_spare: bool,
    /// Price on completion.
    pub cost: Option<Dist>,
    /// Whether the price is paid on failure too.
    pub charge_on_failure: bool,
    /// Fee when cancelled by a won race.
    pub cancel_fee: Option<Dist>,
    /// Damage risks.
    pub damage: Vec<DamageRisk>,
    /// Whether success gives access.
    pub grants_access: bool,
    /// Facts set on success.
    pub sets: u64,
    /// Facts cleared on success.
    pub clears: u64,
    /// Conditional adjustments, applied in order (factors multiply).
    pub adjust: Vec<Adjustment>,
}

impl Remedy {
    /// Whether the remedy may be tried in a situation.
    #[inline]
    pub fn applicable(&self, facts: Facts) -> bool {
        self.available && (self.requires.is_empty() || self.requires.iter().any(|c| c.holds(facts)))
    }
}

/// One step of a policy: the remedies started together (one, or a race).
#[derive(Debug, Clone)]
pub struct Step {
    /// Remedy indices.
    pub remedies: Vec<usize>,
    /// The step runs only if one of these holds when its turn comes (empty: always); otherwise
    /// it is passed over and the next step's turn comes at once.
    pub when: Vec<Condition>,
    /// When the next step starts without waiting for this one to end.
    pub escalate: Escalation,
}

impl Step {
    /// Whether the step runs when its turn comes with `facts`.
    #[inline]
    pub fn runs(&self, facts: Facts) -> bool {
        self.when.is_empty() || self.when.iter().any(|c| c.holds(facts))
    }
}

/// When the step after a step starts, besides "every attempt of the incident has ended without
/// access" (which always starts it). The default escalates on nothing else.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Escalation {
    /// As soon as any attempt of this step fails.
    pub on_failure: bool,
    /// Together with this step.
    pub at_once: bool,
    /// After this many minutes without access, counted from this step's start.
    pub after_min: Option<f64>,
}

impl Escalation {
    /// Whether the next step may start while this one still runs.
    pub fn escalates(&self) -> bool {
        self.on_failure || self.at_once || self.after_min.is_some()
    }
}

/// The most remedies one race may start at once, and the most attempts an incident may have
/// running at once when steps escalate (a policy that could exceed it is refused).
pub const MAX_RACE: usize = 8;

/// The most remedies a scenario may define (attempt masks are 64-bit).
pub const MAX_REMEDIES: usize = 64;

/// A decision policy, compiled.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Steps in order.
    pub steps: Vec<Step>,
    /// Whether any step is conditional or escalates: then a trace says when and why each step
    /// started (a policy of plain steps, one after another, needs no such lines).
    pub traces_steps: bool,
}

/// A fallback, compiled: what ends an incident at the horizon or when the steps run out.
#[derive(Debug, Clone)]
pub struct Fallback {
    /// It is the one taken if one of these holds when the incident gives up (empty: always).
    pub when: Vec<Condition>,
    /// Time from giving up to access.
    pub duration: Dist,
    /// Cost.
    pub cost: Option<Dist>,
}

/// The whole incident model under one strategy.
#[derive(Debug, Clone)]
pub struct Model {
    /// Vehicle segments.
    pub segments: Vec<Segment>,
    /// Driver profiles.
    pub drivers: Vec<Driver>,
    /// Contexts.
    pub contexts: Vec<Context>,
    /// Remedies, in scenario order.
    pub remedies: Vec<Remedy>,
    /// Policies.
    pub policies: Vec<Policy>,
    /// Give-up horizon.
    pub horizon_min: Minutes,
    /// The fallbacks in order: the first whose `when` holds ends the incident; the last has no
    /// condition. At most [`outcome::MAX_FALLBACKS`].
    pub fallbacks: Vec<Fallback>,
    /// Strategies whose models have the same remedies get the same number here: the raw draws
    /// of a remedy try in an incident are then the same under each, and are drawn once
    /// (see `engine::incident::DrawCache`). 0 until the scenario assigns it.
    pub remedy_group: u16,
    /// The scenario's own facts.
    pub user_facts: UserFacts,
}

/// Who a strategy can apply to: the vehicles whose lockouts, as the baseline draws them, fall
/// in every listed set. Empty lists do not restrict; all empty is everyone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    /// By vehicle segment index: whether targeted (empty: every segment).
    pub segments: Vec<bool>,
    /// By driver profile index (empty: every profile).
    pub drivers: Vec<bool>,
    /// By context index (empty: every context).
    pub contexts: Vec<bool>,
    /// Alternatives over the situation's starting facts, one of which must hold (empty: always).
    pub facts: Vec<Condition>,
}

impl Target {
    /// Whether the target is the whole population.
    pub fn is_everyone(&self) -> bool {
        self.segments.is_empty()
            && self.drivers.is_empty()
            && self.contexts.is_empty()
            && self.facts.is_empty()
    }

    /// Whether a lockout with this segment, driver profile, context and starting facts (under
    /// the baseline) is a targeted vehicle's. No string is looked up and nothing is allocated.
    #[inline]
    pub fn holds(&self, segment: usize, driver: usize, context: usize, facts: Facts) -> bool {
        let within =
            |set: &[bool], i: usize| set.is_empty() || set.get(i).copied().unwrap_or(false);
        within(&self.segments, segment)
            && within(&self.drivers, driver)
            && within(&self.contexts, context)
            && (self.facts.is_empty() || self.facts.iter().any(|c| c.holds(facts)))
    }
}

/// A prevention strategy: its cost, who it applies to, and its version of the model.
///
/// # Who a strategy applies to
///
/// A strategy's effect (its model and its incident rate multiplier `m`) applies to a lockout
/// only if the vehicle is targeted ([`Target`], judged on the lockout as the baseline draws it)
/// and adopts the strategy: the incident's adoption uniform `U` (its own stream, one per
/// incident, shared by every strategy) is below the `uptake` `u`. Adopter sets are therefore
/// nested across strategies with the same target (a larger uptake adds adopters, never swaps
/// them) and every incident stays paired.
///
/// The population under the strategy is a mixture: non-adopters keep the baseline's model and
/// rate, adopters use the strategy's model at the rate × `m`. Incidents are drawn from the
/// baseline's stream, so with `a` the adopters' share of vehicles (the targeted share × `u`;
/// among the baseline's lockouts it is the same share, the baseline rate being the same for
/// every vehicle), the expected annual cost per vehicle is
///
/// ```text
/// P·a + r·[ (1 − a)·m_b·E[total | non-adopter, baseline] + a·m·E[total | adopter, strategy] ]
/// ```
///
/// where `P = annual_cost × lockout_share` is charged per adopting vehicle, `r` the scenario's
/// rate and `m_b` the baseline's multiplier. The run realises it by per-incident selection: an
/// adopter's lockout takes the strategy's outcome and weight `m`, a non-adopter's the
/// baseline's outcome (already computed for the same incident) and weight `m_b`; the mean of
/// weight × total cost over the baseline's lockouts estimates the bracket. Adopters are
/// `a·m / (a·m + (1 − a)·m_b)` of the strategy's lockouts. Non-adopters' paired differences
/// are exactly 0, so the interval of a saving only carries the adopters' noise.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Name as in the tables.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Cost per adopting vehicle-year (the whole fee; see `lockout_share`).
    pub annual_cost: f64,
    /// The share of `annual_cost` attributable to lockouts (a membership that also covers
    /// breakdowns is charged to lockouts only in part).
    pub lockout_share: f64,
    /// Who it can apply to.
    pub target: Target,
    /// The share of targeted vehicles that adopt it.
    pub uptake: f64,
    /// Multiplies the incident rate.
    pub incident_rate_multiplier: f64,
    /// The model under this strategy.
    pub model: Model,
    /// An earlier strategy whose model is the same (this one only changes costs or the incident
    /// rate): its outcomes are reused instead of simulating the incident again.
    pub same_model_as: Option<usize>,
    /// An earlier strategy whose segments, drivers and contexts are the same: its situation
    /// draws map to the same situation, so it is realised once.
    pub same_situation_as: Option<usize>,
    /// Earlier strategies with the same segments, drivers and contexts respectively (the
    /// first such, or `None`): that part of the situation is realised once and shared.
    pub same_part_as: [Option<usize>; 3],
    /// An earlier strategy with the same remedies, policies, horizon and fallback (the two
    /// differ at most in the population): where an incident's situation comes out the same under
    /// both, so does its outcome, which is then reused.
    pub same_engine_as: Option<usize>,
}

impl Strategy {
    /// Whether the strategy applies to every vehicle (no target, uptake 1): then every lockout
    /// runs its model, as before strategies could target.
    pub fn applies_to_all(&self) -> bool {
        self.target.is_everyone() && self.uptake >= 1.0
    }

    /// What one adopting vehicle is charged per year: `annual_cost × lockout_share`.
    pub fn prevention_cost_per_adopter(&self) -> f64 {
        self.annual_cost * self.lockout_share
    }
}

/// Names of the scenario's entities, by index, for tables and traces.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Vehicle segment names.
    pub segments: Vec<String>,
    /// Driver profile names.
    pub drivers: Vec<String>,
    /// Context labels (their place, numbered when repeated).
    pub contexts: Vec<String>,
    /// Remedy keys.
    pub remedies: Vec<String>,
    /// Remedy labels.
    pub remedy_labels: Vec<String>,
    /// Policy names.
    pub policies: Vec<String>,
    /// The fallbacks' names, in order.
    pub fallbacks: Vec<String>,
    /// The scenario's own facts, in bit order (bit 32 first).
    pub facts: Vec<String>,
}

/// A compiled scenario: settings, names, and one model per strategy.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Human name.
    pub name: String,
    /// Description.
    pub description: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Price year.
    pub price_year: i32,
    /// Default incidents.
    pub incidents: u64,
    /// Default seed.
    pub seed: u64,
    /// Lockouts per vehicle-year under the baseline.
    pub incident_rate_per_vehicle_year: f64,
    /// Money per hour.
    pub value_of_time_per_hour: f64,
    /// Entity names.
    pub names: Names,
    /// Strategies in file order.
    pub strategies: Vec<Strategy>,
    /// Index of the baseline strategy.
    pub baseline: usize,
    /// The region to simulate period by period, if the file has a `[region]` section.
    pub region: Option<region::Region>,
    /// The uncertain parameters, if the file has an `[uncertainty]` section.
    pub uncertainty: Option<uncertainty::Uncertainty>,
}

impl Scenario {
    /// Finds a strategy by name.
    pub fn strategy_index(&self, name: &str) -> Option<usize> {
        self.strategies.iter().position(|s| s.name == name)
    }
}
