//! One incident as a small discrete-event simulation.
//!
//! The driver's policy is a list of steps; a step starts one remedy or races several. Each
//! started remedy schedules its completion; the clock jumps from event to event. The first
//! success that gives access ends the incident and cancels whatever is still running (paying
//! cancellation fees). When every remedy of a step has failed, the next step starts (or
//! earlier, when the step escalates). When the steps run out, or the give-up horizon comes
//! first, the fallback ends the incident.

use super::attempt::{AttemptDraws, DrawCache};
use super::queue::{EventQueue, SimTime};
use super::situation::Situation;
use super::streams::{self, TAG_FALLBACK};
use super::trace::{StepCause, Trace, TraceEvent};
use crate::model::outcome::{FALLBACK, Outcome, fallback_code};
use crate::model::{Facts, MAX_RACE, MAX_REMEDIES, Model, SpareKeyLocation};

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

/// One started try of a remedy, its draws adjusted to the situation: what it will have done
/// when it completes.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Attempt {
    pub(super) remedy: u16,
    /// The policy step that started it.
    pub(super) step: u16,
    pub(super) running: bool,
    pub(super) success: bool,
    /// Price, in the scenario currency.
    pub(super) cost: f64,
    /// Fee if called off, in the scenario currency.
    pub(super) cancel_fee: f64,
    /// Repair cost of damage done, in the scenario currency.
    pub(super) damage_cost: f64,
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
        // The first fallback whose condition holds as the incident gives up (the last has none).
        let last = model.fallbacks.len() - 1;
        let i = model.fallbacks[..last]
            .iter()
            .position(|f| f.when.iter().any(|c| c.holds(self.facts)))
            .unwrap_or(last);
        let fallback = &model.fallbacks[i];
        let mut rng = streams::keyed_stream(self.key, TAG_FALLBACK);
        let duration = fallback.duration.sample(&mut rng);
        let cost = fallback.cost.as_ref().map_or(0.0, |d| d.sample(&mut rng));
        trace.record(
            now - start,
            TraceEvent::FallbackStarted {
                fallback: i as u16,
                duration_min: duration,
                cost,
            },
        );
        self.out.cost_direct += cost;
        self.out.time_to_access_min = now - start + duration;
        self.out.resolved_by = fallback_code(i);
        trace.record(
            self.out.time_to_access_min,
            TraceEvent::Access {
                by: self.out.resolved_by,
            },
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
/// warm). A scratch serves one model: its cache of remedy draws is keyed by the incident, not
/// by the model, so simulating the same incidents with other distributions (another parameter
/// set or draw) needs a fresh scratch.
#[derive(Default)]
pub struct Scratch {
    queue: EventQueue<Event>,
    draws: DrawCache,
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
