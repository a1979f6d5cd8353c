//! One incident as a small discrete-event simulation.
//!
//! The driver's policy is a list of steps; a step starts one remedy or races several. Each
//! started remedy schedules its completion; the clock jumps from event to event. The first
//! success that gives access ends the incident and cancels whatever is still running (paying
//! cancellation fees). When every remedy of a step has failed, the next step starts. When the
//! steps run out, or the give-up horizon comes first, the fallback ends the incident.

use serde::Serialize;

use super::queue::{EventQueue, SimTime};
use super::streams::{self, StreamRng, TAG_FALLBACK, TAG_REMEDY_BASE, TAG_SITUATION};
use crate::dist::unit_uniform;
use crate::model::outcome::{FALLBACK, Outcome};
use crate::model::{Fact, Facts, MAX_RACE, MAX_REMEDIES, Model, SpareKeyLocation, VEHICLE_FACTS};

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
    /// A step of the policy starts. Traced only for policies with conditional or escalating
    /// steps (others start each step when the previous has ended).
    StepStarted {
        /// Step index, from 0.
        step: u16,
        /// Why it starts now.
        why: StepCause,
    },
    /// A conditional step's turn came but its `when` did not hold: it is passed over.
    StepPassedOver {
        /// Step index, from 0.
        step: u16,
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

/// Why a step of a policy started when it did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum StepCause {
    /// The incident began.
    First,
    /// Every attempt running had ended without access.
    PreviousEnded,
    /// The step before had nothing it could try in this situation.
    NothingToTry,
    /// An attempt of the step before failed and that step escalates on failure.
    RacerFailed,
    /// The step before had run this long without access (its `escalate_after`).
    NoAccessAfter {
        /// Minutes since the step before started.
        min: f64,
    },
    /// The step before starts the next with itself (`escalate = "at_once"`).
    WithPrevious,
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

/// Where a running incident sends its timed work. The incident level keeps a private event
/// queue per incident; the region level shares one queue per period and binds some remedies to
/// responder pools, so their waits come from load.
pub trait Scheduler {
    /// Remedy attempt `slot` (try `try_no` of remedy `remedy`, from 0) has started at `now`:
    /// arrange for [`Process::complete`] to be called for it, normally at
    /// `now + wait + work`.
    fn start(
        &mut self,
        now: f64,
        slot: u8,
        remedy: usize,
        try_no: u8,
        wait_min: f64,
        work_min: f64,
    );
    /// Attempt `slot` is cancelled at `now` because the incident ended.
    fn cancel(&mut self, now: f64, slot: u8);

    /// Step `step` escalates after a time without access: arrange for
    /// [`Process::escalation_due`] to be called for it at `at` (unless the incident has ended).
    fn escalate_at(&mut self, at: f64, step: u16);

    /// The raw draws of try `try_no` of remedy `remedy` in the incident whose streams derive
    /// from `key`. They depend on nothing else, so the incident level keeps them for the other
    /// strategies of the same incident ([`DrawCache`]); the default draws them afresh.
    #[inline]
    fn attempt_draws(
        &mut self,
        model: &Model,
        remedy: usize,
        try_no: u8,
        spare: SpareKeyLocation,
        key: u64,
    ) -> AttemptDraws {
        AttemptDraws::draw(model, remedy, try_no, spare, key)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Attempt {
    remedy: u16,
    /// The policy step that started it.
    step: u16,
    running: bool,
    success: bool,
    cost: f64,
    cancel_fee: f64,
    damage_cost: f64,
}

/// One incident's policy in progress: which step it is on, what is running, what it has cost.
/// Driven by a [`Scheduler`]'s events: [`Process::begin`], then [`Process::complete`] per
/// finished attempt, or [`Process::give_up`] at the horizon. Allocates nothing.
#[derive(Debug, Clone)]
pub struct Process {
    key: u64,
    facts: Facts,
    spare_key: SpareKeyLocation,
    policy: u16,
    /// The next step to start.
    step: u16,
    /// Attempts running (of any step, when steps escalate).
    running: u8,
    attempts: [Attempt; MAX_RACE],
    /// How often each remedy has been started: the k-th try of a remedy draws from its own
    /// stream, so a retry is a fresh try, and the same across strategies.
    tries: [u8; MAX_REMEDIES],
    out: Outcome,
}

impl Process {
    /// A process for an incident in situation `sit` whose streams derive from `key`
    /// (see [`streams::incident_key`] and [`streams::arrival_key`]).
    #[inline]
    pub fn new(sit: &Situation, key: u64) -> Process {
        Process {
            key,
            facts: sit.facts,
            spare_key: sit.spare_key,
            policy: sit.policy,
            step: 0,
            running: 0,
            attempts: [Attempt::default(); MAX_RACE],
            tries: [0; MAX_REMEDIES],
            out: Outcome {
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
            },
        }
    }

    /// The outcome so far; once [`Process::begin`], [`Process::complete`] or
    /// [`Process::give_up`] has returned one, that outcome.
    #[inline]
    pub fn outcome(&self) -> &Outcome {
        &self.out
    }

    /// Starts the incident at `now` (its start, time 0 of its clock). Returns the outcome if it
    /// ended at once (every step inapplicable: the fallback).
    #[inline]
    pub fn begin<S: Scheduler, T: Trace>(
        &mut self,
        model: &Model,
        now: f64,
        start: f64,
        sched: &mut S,
        trace: &mut T,
    ) -> Option<Outcome> {
        trace.record(now - start, TraceEvent::Start { facts: self.facts });
        self.start_steps(model, now, start, sched, trace, StepCause::First)
    }

    /// Starts the next step, and the ones after it while a step has nothing to try, is passed
    /// over or escalates at once. The fallback when the steps have run out and nothing runs.
    #[inline]
    fn start_steps<S: Scheduler, T: Trace>(
        &mut self,
        model: &Model,
        now: f64,
        start: f64,
        sched: &mut S,
        trace: &mut T,
        mut why: StepCause,
    ) -> Option<Outcome> {
        let policy = &model.policies[self.policy as usize];
        loop {
            let k = self.step as usize;
            let Some(step) = policy.steps.get(k) else {
                if self.running > 0 {
                    return None; // escalated steps still run
                }
                trace.record(now - start, TraceEvent::StepsExhausted);
                return Some(self.finish_with_fallback(model, now, start, trace));
            };
            self.step += 1;
            if !step.runs(self.facts) {
                if policy.traces_steps {
                    trace.record(now - start, TraceEvent::StepPassedOver { step: k as u16 });
                }
                continue;
            }
            if policy.traces_steps {
                let step = k as u16;
                trace.record(now - start, TraceEvent::StepStarted { step, why });
            }
            let mut started = false;
            for (position, &r) in step.remedies.iter().enumerate() {
                let remedy = &model.remedies[r];
                if !remedy.applicable(self.facts) {
                    trace.record(now - start, TraceEvent::Skipped { remedy: r as u16 });
                    continue;
                }
                let try_no = self.tries[r];
                self.tries[r] = try_no.saturating_add(1);
                let draws = sched.attempt_draws(model, r, try_no, self.spare_key, self.key);
                let (wait, work, mut attempt) = draws.adjust(model, r, self.facts);
                attempt.step = k as u16;
                trace.record(
                    now - start,
                    TraceEvent::Started {
                        remedy: r as u16,
                        wait_min: wait,
                        work_min: work,
                    },
                );
                // An attempt's slot is its position in the step (region runs key a call's travel
                // time by it), or, when an escalated step still runs there, the first free one;
                // compilation bounds the attempts that can run at once by the slots.
                let slot = if self.attempts[position].running {
                    self.attempts
                        .iter()
                        .position(|a| !a.running)
                        .expect("a free slot: policies are compiled to fit MAX_RACE")
                } else {
                    position
                };
                self.attempts[slot] = attempt;
                self.out.attempted |= 1 << r;
                self.running += 1;
                sched.start(now, slot as u8, r, try_no, wait, work);
                started = true;
            }
            if !started {
                why = StepCause::NothingToTry;
                continue;
            }
            if step.escalate.at_once {
                why = StepCause::WithPrevious;
                continue;
            }
            if let Some(after) = step.escalate.after_min {
                sched.escalate_at(now + after, k as u16);
            }
            return None;
        }
    }

    /// Step `step`'s `escalate_after` has passed at `now`: the next step starts, unless it has
    /// already (the step ended, or an attempt failed and it escalated). Returns the outcome if
    /// the incident ended.
    #[inline]
    pub fn escalation_due<S: Scheduler, T: Trace>(
        &mut self,
        model: &Model,
        step: u16,
        now: f64,
        start: f64,
        sched: &mut S,
        trace: &mut T,
    ) -> Option<Outcome> {
        if self.step != step + 1 {
            return None;
        }
        let after = model.policies[self.policy as usize].steps[step as usize]
            .escalate
            .after_min
            .unwrap_or(0.0);
        let why = StepCause::NoAccessAfter { min: after };
        self.start_steps(model, now, start, sched, trace, why)
    }

    /// Attempt `slot` finished at `now`. Returns the outcome if the incident ended.
    #[inline]
    pub fn complete<S: Scheduler, T: Trace>(
        &mut self,
        model: &Model,
        slot: u8,
        now: f64,
        start: f64,
        sched: &mut S,
        trace: &mut T,
    ) -> Option<Outcome> {
        let a = &mut self.attempts[slot as usize];
        if !a.running {
            return None; // a stale event of a cancelled attempt
        }
        a.running = false;
        self.running -= 1;
        let a = *a;
        let r = a.remedy as usize;
        let remedy = &model.remedies[r];
        let charged = if a.success || remedy.charge_on_failure {
            a.cost
        } else {
            0.0
        };
        self.out.cost_direct += charged;
        self.out.cost_damage += a.damage_cost;
        if a.damage_cost > 0.0 {
            self.out.damaged |= 1 << r;
        }
        trace.record(
            now - start,
            TraceEvent::Completed {
                remedy: r as u16,
                success: a.success,
                cost: charged,
                damage_cost: a.damage_cost,
            },
        );
        if a.success {
            self.out.succeeded |= 1 << r;
            self.facts.0 = (self.facts.0 | remedy.sets) & !remedy.clears;
            if remedy.grants_access {
                self.cancel_running(now, start, sched, trace);
                self.out.resolved_by = r as u16;
                self.out.time_to_access_min = now - start;
                trace.record(now - start, TraceEvent::Access { by: r as u16 });
                return Some(self.out);
            }
        }
        if !a.success
            && self.step == a.step + 1
            && model.policies[self.policy as usize].steps[a.step as usize]
                .escalate
                .on_failure
        {
            return self.start_steps(model, now, start, sched, trace, StepCause::RacerFailed);
        }
        if self.running == 0 {
            return self.start_steps(model, now, start, sched, trace, StepCause::PreviousEnded);
        }
        None
    }

    /// The give-up horizon is reached at `now`: cancel what runs, and the fallback ends it.
    pub fn give_up<S: Scheduler, T: Trace>(
        &mut self,
        model: &Model,
        now: f64,
        start: f64,
        sched: &mut S,
        trace: &mut T,
    ) -> Outcome {
        trace.record(now - start, TraceEvent::HorizonReached);
        self.cancel_running(now, start, sched, trace);
        self.finish_with_fallback(model, now, start, trace)
    }

    fn cancel_running<S: Scheduler, T: Trace>(
        &mut self,
        now: f64,
        start: f64,
        sched: &mut S,
        trace: &mut T,
    ) {
        for (slot, a) in self.attempts.iter_mut().enumerate() {
            if !a.running {
                continue;
            }
            a.running = false;
            self.out.cost_direct += a.cancel_fee;
            sched.cancel(now, slot as u8);
            trace.record(
                now - start,
                TraceEvent::Cancelled {
                    remedy: a.remedy,
                    fee: a.cancel_fee,
                },
            );
        }
        self.running = 0;
    }

    fn finish_with_fallback<T: Trace>(
        &mut self,
        model: &Model,
        now: f64,
        start: f64,
        trace: &mut T,
    ) -> Outcome {
        let mut rng = streams::keyed_stream(self.key, TAG_FALLBACK);
        let duration = model.fallback.duration.sample(&mut rng);
        let cost = model
            .fallback
            .cost
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut rng));
        trace.record(
            now - start,
            TraceEvent::FallbackStarted {
                duration_min: duration,
                cost,
            },
        );
        self.out.cost_direct += cost;
        self.out.time_to_access_min = now - start + duration;
        self.out.resolved_by = FALLBACK;
        trace.record(
            self.out.time_to_access_min,
            TraceEvent::Access { by: FALLBACK },
        );
        self.out
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Complete { slot: u8 },
    Escalate { step: u16 },
    Horizon,
}

/// Reusable per-thread working memory, so simulating an incident allocates nothing (once
/// warm).
#[derive(Default)]
pub struct Scratch {
    queue: EventQueue<Event>,
    draws: DrawCache,
}

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
    fn get(
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

/// The incident level's scheduler: a private queue; an attempt completes after wait + work.
struct LocalScheduler<'a> {
    queue: &'a mut EventQueue<Event>,
    draws: &'a mut DrawCache,
}

impl Scheduler for LocalScheduler<'_> {
    #[inline]
    fn start(
        &mut self,
        now: f64,
        slot: u8,
        _remedy: usize,
        _try: u8,
        wait_min: f64,
        work_min: f64,
    ) {
        self.queue.schedule(
            SimTime::from_min(now + wait_min + work_min),
            Event::Complete { slot },
        );
    }

    #[inline]
    fn cancel(&mut self, _now: f64, _slot: u8) {
        // The incident ends with the cancellation; its remaining events are never popped.
    }

    #[inline]
    fn escalate_at(&mut self, at: f64, step: u16) {
        self.queue
            .schedule(SimTime::from_min(at), Event::Escalate { step });
    }

    #[inline]
    fn attempt_draws(
        &mut self,
        model: &Model,
        remedy: usize,
        try_no: u8,
        spare: SpareKeyLocation,
        key: u64,
    ) -> AttemptDraws {
        self.draws.get(model, remedy, try_no, spare, key)
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
    let queue = &mut scratch.queue;
    queue.clear();
    queue.schedule(SimTime::from_min(model.horizon_min), Event::Horizon);
    let mut process = Process::new(sit, streams::incident_key(seed, index));
    let mut sched = LocalScheduler {
        queue,
        draws: &mut scratch.draws,
    };
    if let Some(out) = process.begin(model, 0.0, 0.0, &mut sched, trace) {
        return out;
    }
    loop {
        let (t, event) = sched
            .queue
            .pop()
            .expect("the horizon event is always pending");
        let now = t.min();
        match event {
            Event::Horizon => return process.give_up(model, now, 0.0, &mut sched, trace),
            Event::Complete { slot } => {
                if let Some(out) = process.complete(model, slot, now, 0.0, &mut sched, trace) {
                    return out;
                }
            }
            Event::Escalate { step } => {
                let due = process.escalation_due(model, step, now, 0.0, &mut sched, trace);
                if let Some(out) = due {
                    return out;
                }
            }
        }
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
    fn adjust(&self, model: &Model, r: usize, facts: Facts) -> (f64, f64, Attempt) {
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
