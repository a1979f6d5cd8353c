//! One incident as a small discrete-event simulation.
//!
//! The driver's policy is a list of steps; a step starts one remedy or races several. Each
//! started remedy schedules its completion; the clock jumps from event to event. The first
//! success that gives access ends the incident and cancels whatever is still running (paying
//! cancellation fees). When every remedy of a step has failed, the next step starts. When the
//! steps run out, or the give-up horizon comes first, the fallback ends the incident.

use serde::{Deserialize, Serialize};

use super::queue::{EventQueue, SimTime};
use super::streams::{self, StreamRng, TAG_FALLBACK, TAG_REMEDY_BASE, TAG_SITUATION};
use crate::dist::unit_uniform;
use crate::model::{Fact, Facts, MAX_RACE, MAX_REMEDIES, Model, SpareKeyLocation, VEHICLE_FACTS};

/// `resolved_by` of an incident the fallback ended.
pub const FALLBACK: u16 = u16::MAX;

/// Number of uniform draws that decide an incident's situation.
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
        let mut rng = streams::stream(seed, index, TAG_SITUATION);
        SituationDraws(std::array::from_fn(|_| unit_uniform(&mut rng)))
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
        // Facts are OR-ed in without branches: each is one comparison of a fixed uniform.
        #[inline(always)]
        fn bit(fact: Fact, holds: bool) -> u64 {
            (holds as u64) << fact as u8
        }
        let u = &d.0;
        let segment = pick(model.segments.iter().map(|s| s.cumulative_share), u[0]);
        let mut facts = 0u64;
        for (k, (fact, p)) in model.segments[segment].feature_probs.iter().enumerate() {
            facts |= bit(*fact, u[1 + k] < *p);
        }
        let base = 1 + VEHICLE_FACTS;
        let driver_idx = pick(model.drivers.iter().map(|d| d.cumulative_share), u[base]);
        let driver = &model.drivers[driver_idx];
        let door = u[base + 1] < driver.door_left_unlocked;
        facts |= bit(Fact::DoorLeftUnlocked, door) | bit(Fact::CabinOpen, door);
        let spare =
            SpareKeyLocation::ALL[pick(driver.spare_key_cumulative.iter().copied(), u[base + 2])];
        if let Some(f) = spare.fact() {
            facts |= f.bit() | Fact::SpareKey.bit();
        }
        facts |= bit(Fact::RoadsideMember, u[base + 3] < driver.roadside_member)
            | bit(Fact::SmartphoneApp, u[base + 4] < driver.smartphone_app)
            | bit(Fact::Flustered, driver.flustered);
        let base = base + 5;
        let context_idx = pick(model.contexts.iter().map(|c| c.cumulative_share), u[base]);
        let c = &model.contexts[context_idx];
        facts |= c.place.fact().bit()
            | bit(Fact::Night, u[base + 1] < c.night)
            | bit(Fact::Weekend, u[base + 2] < c.weekend)
            | bit(Fact::PhoneCoverage, u[base + 3] < c.phone_coverage)
            | bit(
                Fact::CarCellularCoverage,
                u[base + 4] < c.car_cellular_coverage,
            )
            | bit(Fact::ParkedLong, u[base + 5] < c.parked_long)
            | bit(Fact::KeysInCabin, u[base + 6] < c.keys_in_cabin);
        Situation {
            segment: segment as u16,
            driver: driver_idx as u16,
            context: context_idx as u16,
            place: c.place as u8,
            spare_key: spare,
            policy: driver.policy as u16,
            facts: Facts(facts),
        }
    }
}

/// How one incident ended under one strategy: everything the statistics need.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Minutes from the lockout to access (including the fallback when it ended the incident).
    pub time_to_access_min: f64,
    /// Fees, cancellation fees and the fallback's cost.
    pub cost_direct: f64,
    /// Repair of damage done by the remedies.
    pub cost_damage: f64,
    /// Index of the remedy that gave access, or [`FALLBACK`].
    pub resolved_by: u16,
    /// Remedies started (bit per remedy index).
    pub attempted: u64,
    /// Remedies that succeeded.
    pub succeeded: u64,
    /// Remedies that did damage.
    pub damaged: u64,
    /// Vehicle segment index.
    pub segment: u16,
    /// Driver profile index.
    pub driver: u16,
    /// Place index.
    pub place: u8,
}

impl Outcome {
    /// Money paid because of the incident: `cost_direct + cost_damage`.
    #[inline]
    pub fn cost(&self) -> f64 {
        self.cost_direct + self.cost_damage
    }
    /// Whether the fallback ended it.
    #[inline]
    pub fn unresolved(&self) -> bool {
        self.resolved_by == FALLBACK
    }
}

/// What happened, for `lockout explain`. Indices refer to the scenario's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// The incident starts in this situation.
    Start {
        /// Facts that hold.
        facts: Facts,
    },
    /// A remedy of the current step cannot be tried (unavailable or preconditions unmet).
    Skipped {
        /// Remedy index.
        remedy: u16,
    },
    /// A remedy starts; its draws are known now but revealed at completion.
    Started {
        /// Remedy index.
        remedy: u16,
        /// Minutes of waiting before work.
        wait_min: f64,
        /// Minutes of work.
        work_min: f64,
    },
    /// A remedy completes.
    Completed {
        /// Remedy index.
        remedy: u16,
        /// Whether it worked.
        success: bool,
        /// Price paid.
        cost: f64,
        /// Damage repair cost incurred.
        damage_cost: f64,
    },
    /// A running remedy is cancelled.
    Cancelled {
        /// Remedy index.
        remedy: u16,
        /// Cancellation fee paid.
        fee: f64,
    },
    /// Every step has been tried without access.
    StepsExhausted,
    /// The give-up horizon is reached.
    HorizonReached,
    /// The fallback starts.
    FallbackStarted {
        /// Minutes it takes.
        duration_min: f64,
        /// What it costs.
        cost: f64,
    },
    /// The keys are back in hand.
    Access {
        /// Remedy index, or [`FALLBACK`].
        by: u16,
    },
}

/// Receives the events of an incident. The run uses `()`, which compiles to nothing.
pub trait Trace {
    /// Records `event` at `time_min`.
    fn record(&mut self, time_min: f64, event: TraceEvent);
}

impl Trace for () {
    #[inline(always)]
    fn record(&mut self, _: f64, _: TraceEvent) {}
}

impl Trace for Vec<(f64, TraceEvent)> {
    fn record(&mut self, time_min: f64, event: TraceEvent) {
        self.push((time_min, event));
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Complete { slot: u8 },
    Horizon,
}

#[derive(Debug, Clone, Copy, Default)]
struct Attempt {
    remedy: u16,
    running: bool,
    success: bool,
    cost: f64,
    cancel_fee: f64,
    damage_cost: f64,
}

/// Reusable per-thread working memory, so simulating an incident allocates nothing.
pub struct Scratch {
    queue: EventQueue<Event>,
    attempts: [Attempt; MAX_RACE],
    /// How often each remedy has been started in this incident: the k-th attempt of a remedy
    /// draws from its own stream, so a retry is a fresh try, and the same across strategies.
    tries: [u8; MAX_REMEDIES],
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            queue: EventQueue::default(),
            attempts: [Attempt::default(); MAX_RACE],
            tries: [0; MAX_REMEDIES],
        }
    }
}

/// Simulates incident `index` of run `seed` under `model`, in situation `sit`.
pub fn simulate<T: Trace>(
    model: &Model,
    sit: &Situation,
    seed: u64,
    index: u64,
    scratch: &mut Scratch,
    trace: &mut T,
) -> Outcome {
    let Scratch {
        queue,
        attempts,
        tries,
    } = scratch;
    queue.clear();
    *tries = [0; MAX_REMEDIES];
    queue.schedule(SimTime::from_min(model.horizon_min), Event::Horizon);
    trace.record(0.0, TraceEvent::Start { facts: sit.facts });

    let mut facts = sit.facts;
    let mut out = Outcome {
        time_to_access_min: 0.0,
        cost_direct: 0.0,
        cost_damage: 0.0,
        resolved_by: FALLBACK,
        attempted: 0,
        succeeded: 0,
        damaged: 0,
        segment: sit.segment,
        driver: sit.driver,
        place: sit.place,
    };
    let steps = &model.policies[sit.policy as usize].steps;
    let mut step = 0usize;
    let mut running = 0usize;
    let mut now = 0.0f64;

    loop {
        // Start steps until one has something running or the steps run out.
        while running == 0 {
            if step == steps.len() {
                trace.record(now, TraceEvent::StepsExhausted);
                finish_with_fallback(model, seed, index, now, &mut out, trace);
                return out;
            }
            for (slot, &r) in steps[step].remedies.iter().enumerate() {
                let remedy = &model.remedies[r];
                if !remedy.applicable(facts) {
                    trace.record(now, TraceEvent::Skipped { remedy: r as u16 });
                    attempts[slot].running = false;
                    continue;
                }
                let try_no = tries[r];
                tries[r] = try_no.saturating_add(1);
                let a = start_attempt(model, r, try_no, facts, sit.spare_key, seed, index);
                trace.record(
                    now,
                    TraceEvent::Started {
                        remedy: r as u16,
                        wait_min: a.0,
                        work_min: a.1,
                    },
                );
                attempts[slot] = a.2;
                out.attempted |= 1 << r;
                running += 1;
                queue.schedule(
                    SimTime::from_min(now + a.0 + a.1),
                    Event::Complete { slot: slot as u8 },
                );
            }
            step += 1;
        }

        let (t, event) = queue.pop().expect("the horizon event is always pending");
        now = t.min();
        match event {
            Event::Horizon => {
                trace.record(now, TraceEvent::HorizonReached);
                cancel_running(attempts, &mut out, now, trace);
                finish_with_fallback(model, seed, index, now, &mut out, trace);
                return out;
            }
            Event::Complete { slot } => {
                let a = &mut attempts[slot as usize];
                a.running = false;
                running -= 1;
                let r = a.remedy as usize;
                let remedy = &model.remedies[r];
                let charged = if a.success || remedy.charge_on_failure {
                    a.cost
                } else {
                    0.0
                };
                out.cost_direct += charged;
                out.cost_damage += a.damage_cost;
                if a.damage_cost > 0.0 {
                    out.damaged |= 1 << r;
                }
                trace.record(
                    now,
                    TraceEvent::Completed {
                        remedy: r as u16,
                        success: a.success,
                        cost: charged,
                        damage_cost: a.damage_cost,
                    },
                );
                if a.success {
                    out.succeeded |= 1 << r;
                    facts.0 = (facts.0 | remedy.sets) & !remedy.clears;
                    if remedy.grants_access {
                        cancel_running(attempts, &mut out, now, trace);
                        out.resolved_by = r as u16;
                        out.time_to_access_min = now;
                        trace.record(now, TraceEvent::Access { by: r as u16 });
                        return out;
                    }
                }
            }
        }
    }
}

/// Draws everything about try `try_no` of remedy `r` from its own stream, in a fixed order:
/// success, wait, work, price, cancellation fee, then each damage risk (uniform, cost). Returns
/// (wait, work, attempt).
#[inline]
fn start_attempt(
    model: &Model,
    r: usize,
    try_no: u8,
    facts: Facts,
    spare: SpareKeyLocation,
    seed: u64,
    index: u64,
) -> (f64, f64, Attempt) {
    let remedy = &model.remedies[r];
    let tag = TAG_REMEDY_BASE + r as u64 + ((try_no as u64) << 8);
    let mut rng: StreamRng = streams::stream(seed, index, tag);
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
    let success = unit_uniform(&mut rng) < success_p;
    let wait = remedy.wait.as_ref().map_or(0.0, |d| d.sample(&mut rng)) * wf;
    let work = remedy.duration[spare as usize]
        .as_ref()
        .map_or(0.0, |d| d.sample(&mut rng))
        * df;
    let cost = remedy.cost.as_ref().map_or(0.0, |d| d.sample(&mut rng)) * cf + add;
    let cancel_fee = remedy
        .cancel_fee
        .as_ref()
        .map_or(0.0, |d| d.sample(&mut rng));
    let mut damage_cost = 0.0;
    for risk in &remedy.damage {
        let hit = unit_uniform(&mut rng) < risk.probability;
        let c = risk.cost.sample(&mut rng);
        if hit {
            damage_cost += c;
        }
    }
    (
        wait,
        work,
        Attempt {
            remedy: r as u16,
            running: true,
            success,
            cost,
            cancel_fee,
            damage_cost,
        },
    )
}

fn cancel_running<T: Trace>(
    attempts: &mut [Attempt; MAX_RACE],
    out: &mut Outcome,
    now: f64,
    trace: &mut T,
) {
    for a in attempts.iter_mut().filter(|a| a.running) {
        a.running = false;
        out.cost_direct += a.cancel_fee;
        trace.record(
            now,
            TraceEvent::Cancelled {
                remedy: a.remedy,
                fee: a.cancel_fee,
            },
        );
    }
}

fn finish_with_fallback<T: Trace>(
    model: &Model,
    seed: u64,
    index: u64,
    now: f64,
    out: &mut Outcome,
    trace: &mut T,
) {
    let mut rng = streams::stream(seed, index, TAG_FALLBACK);
    let duration = model.fallback.duration.sample(&mut rng);
    let cost = model
        .fallback
        .cost
        .as_ref()
        .map_or(0.0, |d| d.sample(&mut rng));
    trace.record(
        now,
        TraceEvent::FallbackStarted {
            duration_min: duration,
            cost,
        },
    );
    out.cost_direct += cost;
    out.time_to_access_min = now + duration;
    out.resolved_by = FALLBACK;
    trace.record(out.time_to_access_min, TraceEvent::Access { by: FALLBACK });
}
