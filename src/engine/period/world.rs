//! The event loop of one period: the next event among the queue, the give-up horizons, the
//! arrivals and the eager pools' other calls; arrivals; incidents ending and what they record.

use std::collections::{BinaryHeap, VecDeque};

use super::IncidentLoss;
use super::draws::{ArrivalDraws, OtherCall, PeriodDraws};
use super::log::{LogEntry, LogKind};
use super::pools::{Job, NO_JOB, PoolState};
use crate::engine::queue::{EventQueue, SimTime};
use crate::engine::{FactDraws, Process, Situation};
use crate::losses::{Partial, PeriodAccumulator, PoolTally, insured_loss, is_claim};
use crate::model::outcome::{Outcome, fallback_index};
use crate::model::region::{Calendar, PERIOD_MIN, Region};
use crate::model::{Fact, Facts, MAX_RACE, Scenario};

// `repr(C)` (a 4-byte tag, then the fields) so that a popped event is copied whole: with the
// default layout the compiler moved it through the stack in overlapping pieces, which stalled
// every pop on store forwarding (seen in `perf annotate`).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub(super) enum Ev {
    ShiftStart {
        pool: u16,
    },
    Complete {
        incident: u32,
        generation: u32,
        slot: u8,
    },
    JobDone {
        job: u32,
    },
    /// A step of an incident's policy escalates after a time without access.
    Escalate {
        incident: u32,
        generation: u32,
        step: u16,
    },
    /// A responder of `pool` busy with another call is free while calls wait.
    Wake {
        pool: u16,
    },
}

pub(super) struct Live {
    pub(super) process: Process,
    /// The arrival's candidate index in the period.
    pub(super) candidate: u64,
    pub(super) start: f64,
    pub(super) alive: bool,
    /// Bumped when the record is reused, so events of an ended incident are recognised.
    pub(super) generation: u32,
    pub(super) priority: bool,
    pub(super) vehicle: u32,
    pub(super) key: u64,
    pub(super) jobs: [u32; MAX_RACE],
}

/// The region's scheduler: pool-bound attempts become calls to a pool; others complete after
/// their own wait and work.
pub(super) struct World<'a> {
    pub(super) region: &'a Region,
    /// The names of the scenario's own facts, for the event log.
    pub(super) fact_names: &'a [String],
    /// Per pool, the period's other calls in time order.
    pub(super) other_calls: &'a [Vec<OtherCall>],
    /// Whether pools without waiting lockout calls simulate their other calls lazily (off while
    /// an event log is kept, so the log stays in time order).
    pub(super) lazy: bool,
    /// The event log of `lockout explain --period`, when asked for.
    pub(super) log: Option<Vec<LogEntry>>,
    /// With a log: each live slot's incident, as its event id (see [`LogEntry::event_id`]).
    pub(super) log_ids: Vec<u64>,
    pub(super) queue: EventQueue<Ev>,
    /// Give-up horizons of incidents, in time order; those of ended incidents are dropped
    /// when they reach the front.
    pub(super) horizons: VecDeque<Horizon>,
    pub(super) jobs: Vec<Job>,
    pub(super) free_jobs: Vec<u32>,
    pub(super) pools: Vec<PoolState>,
    /// This strategy's pool statistics, recorded into the run's accumulator.
    pub(super) tallies: &'a mut [PoolTally],
    /// The incident whose process is running now, and its record.
    pub(super) current: u32,
    pub(super) current_generation: u32,
    pub(super) current_key: u64,
    pub(super) current_priority: bool,
    pub(super) current_jobs: [u32; MAX_RACE],
    pub(super) events: u64,
}

/// Simulates period `period_no` (from 1) of run `seed` under every strategy (only
/// `log_strategy`, if given), recording its statistics straight into `into` and its losses as
/// one more row of `into.losses`: a run folds its periods into one accumulator per thread
/// instead of building and merging the tallies of each period. Every record is an exact
/// addition, so this gives the same state as merging per-period results. Returns the incidents'
/// losses (with `record_events`) and the event log (with `log_strategy`).
pub fn simulate_period_into(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    period_no: u64,
    log_strategy: Option<usize>,
    record_events: bool,
    into: &mut Partial,
) -> (Vec<IncidentLoss>, Vec<LogEntry>) {
    let mut log_out = Vec::new();
    let mut event_losses = Vec::new();
    let n = scenario.strategies.len();
    let mut period_losses: Vec<[PeriodAccumulator; 2]> = vec![Default::default(); n];
    let base_rate = region.vehicles as f64 * scenario.incident_rate_per_vehicle_year / PERIOD_MIN;
    let max_mult = scenario
        .strategies
        .iter()
        .map(|s| s.incident_rate_multiplier)
        .fold(0.0, f64::max);
    let max_rate = base_rate * max_mult;
    let draws = PeriodDraws::draw(region, seed, period_no, max_rate);
    // Paid calls per vehicle this period, and the vehicles with any: resetting only those
    // between strategies is cheaper than clearing a counter per vehicle of a large region.
    let mut calls_per_vehicle = vec![0u32; region.vehicles as usize];
    let mut vehicles_with_calls: Vec<u32> = Vec::new();
    for (s, strategy) in scenario.strategies.iter().enumerate() {
        if log_strategy.is_some_and(|k| k != s) {
            continue;
        }
        for v in vehicles_with_calls.drain(..) {
            calls_per_vehicle[v as usize] = 0;
        }
        for (tally, pool) in into.pools[s].iter_mut().zip(&region.pools) {
            tally.capacity_min += pool.capacity_min();
        }
        let model = &strategy.model;
        let mut world = World {
            region,
            fact_names: &scenario.names.facts,
            other_calls: &draws.other_calls,
            lazy: log_strategy.is_none(),
            log: log_strategy.map(|_| Vec::new()),
            log_ids: Vec::new(),
            queue: EventQueue::with_capacity(1024),
            horizons: VecDeque::new(),
            jobs: Vec::new(),
            free_jobs: Vec::new(),
            pools: region
                .pools
                .iter()
                .map(|_| PoolState {
                    busy: 0,
                    high: VecDeque::new(),
                    normal: VecDeque::new(),
                    lockouts_queued: 0,
                    first_waiting: 0,
                    next_call: 0,
                    other_free_at: BinaryHeap::new(),
                    wake_at: None,
                })
                .collect(),
            tallies: &mut into.pools[s],
            current: 0,
            current_generation: 0,
            current_key: 0,
            current_priority: false,
            current_jobs: [NO_JOB; MAX_RACE],
            events: 0,
        };
        let mut live: Vec<Live> = Vec::new();
        let mut free_live: Vec<u32> = Vec::new();
        let mut alive = 0u64;
        // Candidates come at the highest strategy's rate; one becomes an arrival of this
        // strategy when its keep uniform is below multiplier / highest multiplier.
        let accept = strategy.incident_rate_multiplier / max_mult.max(f64::MIN_POSITIVE);
        let kept = |from: usize| {
            (from..draws.candidates.len())
                .find(|&j| draws.candidates[j].keep < accept)
                .unwrap_or(usize::MAX)
        };
        let mut next_arrival = kept(0);
        // When the last incident ended: with the period over, the loop ends at the first event
        // of the queue after it (see the catch-up after the loop).
        let mut last_end = 0.0f64;
        for (p, pool) in region.pools.iter().enumerate() {
            if let Some((start, _)) = pool.shift {
                world
                    .queue
                    .schedule(SimTime::from_min(start), Ev::ShiftStart { pool: p as u16 });
            }
        }

        loop {
            // The next event: the earliest of the queue's next event, the next live horizon,
            // this strategy's next arrival and each eager pool's next other call (on a tie, in
            // that order).
            let mut now = world.queue.peek_time().map_or(f64::INFINITY, SimTime::min);
            let mut source = Source::Queue;
            while let Some(h) = world.horizons.front()
                && (!live[h.incident as usize].alive
                    || live[h.incident as usize].generation != h.generation)
            {
                world.horizons.pop_front(); // the incident ended before its horizon
            }
            if let Some(h) = world.horizons.front()
                && h.time < now
            {
                now = h.time;
                source = Source::Horizon;
            }
            if let Some(c) = draws.candidates.get(next_arrival)
                && c.time < now
            {
                now = c.time;
                source = Source::Arrival;
            }
            for (p, calls) in draws.other_calls.iter().enumerate() {
                if world.is_eager(p)
                    && let Some(c) = calls.get(world.pools[p].next_call)
                    && c.time < now
                {
                    now = c.time;
                    source = Source::OtherCall(p);
                }
            }
            // The incident that ended, if any; its outcome stays in its process. (Returning
            // the outcome itself, in an `Option` of a tuple, made the compiler copy it through
            // the stack in overlapping pieces that stalled on store forwarding.)
            let finished: Option<u32> = match source {
                Source::Horizon => {
                    world.events += 1;
                    let h = world.horizons.pop_front().expect("the front was just read");
                    step(
                        &mut world,
                        &mut live,
                        h.incident,
                        h.generation,
                        now,
                        |p, w, now, start| Some(p.give_up(model, now, start, w, &mut ())),
                    )
                }
                Source::Arrival => {
                    world.events += 1;
                    let j = next_arrival;
                    next_arrival = kept(j + 1);
                    arrive(
                        model,
                        &draws.arrivals[j],
                        j as u64,
                        now,
                        &mut world,
                        &mut live,
                        &mut free_live,
                        &mut alive,
                    )
                }
                Source::OtherCall(p) => {
                    world.events += 1;
                    world.other_call(p, now);
                    None
                }
                Source::Queue => {
                    let Some((_, ev)) = world.queue.pop() else {
                        break; // nothing left at all
                    };
                    if now >= PERIOD_MIN && alive == 0 {
                        break; // arrivals are over and every incident has ended
                    }
                    world.events += 1;
                    match ev {
                        Ev::ShiftStart { pool } => {
                            let p = pool as usize;
                            world.catch_up(p, now);
                            world.dispatch(p, now);
                            if now < PERIOD_MIN || alive > 0 {
                                world.queue.schedule(
                                    SimTime::from_min(now + 1440.0),
                                    Ev::ShiftStart { pool },
                                );
                            }
                            None
                        }
                        Ev::Complete {
                            incident,
                            generation,
                            slot,
                        } => step(
                            &mut world,
                            &mut live,
                            incident,
                            generation,
                            now,
                            |p, w, now, start| p.complete(model, slot, now, start, w, &mut ()),
                        ),
                        Ev::Escalate {
                            incident,
                            generation,
                            step: k,
                        } => step(
                            &mut world,
                            &mut live,
                            incident,
                            generation,
                            now,
                            |p, w, now, start| p.escalation_due(model, k, now, start, w, &mut ()),
                        ),
                        Ev::Wake { pool } => {
                            let p = pool as usize;
                            if world.pools[p].wake_at == Some(now) {
                                world.pools[p].wake_at = None;
                            }
                            world.catch_up(p, now);
                            world.dispatch(p, now);
                            None
                        }
                        Ev::JobDone { job } => match world.job_done(job, now) {
                            Some((incident, slot)) => {
                                let generation = live[incident as usize].generation;
                                step(
                                    &mut world,
                                    &mut live,
                                    incident,
                                    generation,
                                    now,
                                    |p, w, now, start| {
                                        p.complete(model, slot, now, start, w, &mut ())
                                    },
                                )
                            }
                            None => None,
                        },
                    }
                }
            };
            if let Some(incident) = finished {
                let rec = &mut live[incident as usize];
                let out = *rec.process.outcome();
                rec.alive = false;
                alive -= 1;
                last_end = now;
                free_live.push(incident);
                let loss = out.cost();
                let vehicle = rec.vehicle as usize;
                let insured = insured_loss(loss, &region.terms, calls_per_vehicle[vehicle]);
                if is_claim(insured) {
                    if calls_per_vehicle[vehicle] == 0 {
                        vehicles_with_calls.push(vehicle as u32);
                    }
                    calls_per_vehicle[vehicle] += 1;
                }
                let downtime_h = out.time_to_access_min / 60.0;
                let names = &scenario.names;
                let by = if let Some(i) = fallback_index(out.resolved_by) {
                    names.fallbacks[i].as_str()
                } else {
                    names.remedies[out.resolved_by as usize].as_str()
                };
                let kind = LogKind::End {
                    time_to_access_min: out.time_to_access_min,
                    resolved_by: by.to_string(),
                    unresolved: out.unresolved(),
                    loss,
                    insured,
                };
                world.note_for(now, incident, kind, |id| {
                    format!(
                        "incident #{id} ends: keys back after {:.1} min by {by}; cost {:.2} (insured {:.2})",
                        out.time_to_access_min, loss, insured
                    )
                });
                for (k, l) in [loss, insured].into_iter().enumerate() {
                    period_losses[s][k].push_incident(l, downtime_h);
                    into.severity[s][k].push_incident(l);
                }
                if record_events {
                    event_losses.push(IncidentLoss {
                        strategy: s as u16,
                        event_id: rec.candidate + 1,
                        time_min: rec.start,
                        ground_up: loss,
                        insured,
                    });
                }
                into.tally.record_one(s, &out);
            }
        }
        // The main loop ends at the first event of the queue once the period is over and no
        // incident is left; a lazy pool's wake-ups before then are simulated here (its other
        // calls all come within the period).
        let end = PERIOD_MIN.max(last_end);
        for p in 0..region.pools.len() {
            world.catch_up(p, end);
        }
        into.events += world.events;
        if let Some(log) = world.log.take() {
            log_out = log;
        }
    }
    into.losses.push((period_no, period_losses));
    (event_losses, log_out)
}

/// Runs the closure on a live incident's process with the world set up as its scheduler.
/// Returns the incident if it ended.
fn step(
    world: &mut World,
    live: &mut [Live],
    incident: u32,
    generation: u32,
    now: f64,
    f: impl FnOnce(&mut Process, &mut World, f64, f64) -> Option<Outcome>,
) -> Option<u32> {
    let rec = &mut live[incident as usize];
    if !rec.alive || rec.generation != generation {
        return None; // a stale event of an incident that has ended
    }
    world.current = incident;
    world.current_generation = generation;
    world.current_priority = rec.priority;
    world.current_key = rec.key;
    world.current_jobs = rec.jobs;
    let out = f(&mut rec.process, world, now, rec.start);
    rec.jobs = world.current_jobs;
    out.map(|_| incident)
}

/// A lockout arrives at `now`: draw its situation, start its process.
#[allow(clippy::too_many_arguments)]
fn arrive(
    model: &crate::model::Model,
    arrival: &ArrivalDraws,
    j: u64,
    now: f64,
    world: &mut World,
    live: &mut Vec<Live>,
    free_live: &mut Vec<u32>,
    alive: &mut u64,
) -> Option<u32> {
    let (key, vehicle, priority) = (arrival.key, arrival.vehicle, arrival.priority);
    let mut sit = Situation::realise(model, &arrival.situation);
    // The arrival's time decides night and weekend.
    let mut facts: Facts = sit.facts;
    facts.set(Fact::Night, Calendar::is_night(now));
    facts.set(Fact::Weekend, Calendar::is_weekend(now));
    sit.facts = facts;
    // The scenario's own facts come after, so their rules see the arrival's time too.
    if !model.user_facts.order.is_empty() {
        let draws = FactDraws::draw_keyed(key, &model.user_facts);
        sit.add_user_facts(model, &draws, Some(Calendar::hour_of_day(now)));
    }
    let slot = free_live.last().copied().unwrap_or(live.len() as u32);
    if world.log.is_some() {
        // The incident's stable id: its SPLT EventId, the candidate index + 1.
        if world.log_ids.len() <= slot as usize {
            world.log_ids.resize(slot as usize + 1, 0);
        }
        world.log_ids[slot as usize] = j + 1;
    }
    world.note_for(now, slot, LogKind::Arrival, |id| {
        format!(
            "arrival: incident #{id} (vehicle {vehicle}{}), facts: {}",
            if priority { ", priority" } else { "" },
            sit.facts.names(world.fact_names).join(" ")
        )
    });
    let mut rec = Live {
        process: Process::new(&sit, key),
        candidate: j,
        start: now,
        alive: true,
        generation: 0,
        priority,
        vehicle,
        key,
        jobs: [NO_JOB; MAX_RACE],
    };
    let id = match free_live.pop() {
        Some(id) => {
            rec.generation = live[id as usize].generation.wrapping_add(1);
            live[id as usize] = rec;
            id
        }
        None => {
            live.push(rec);
            (live.len() - 1) as u32
        }
    };
    *alive += 1;
    let generation = live[id as usize].generation;
    world.horizons.push_back(Horizon {
        time: now + model.horizon_min,
        incident: id,
        generation,
    });
    step(world, live, id, generation, now, |p, w, now, start| {
        p.begin(model, now, start, w, &mut ())
    })
}

/// An incident's give-up horizon. Every incident of a strategy has the same horizon after its
/// arrival, so horizons come due in arrival order: a FIFO instead of the heap.
#[derive(Debug, Clone, Copy)]
pub(super) struct Horizon {
    pub(super) time: f64,
    pub(super) incident: u32,
    pub(super) generation: u32,
}

/// Where the next event of a period comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Queue,
    Horizon,
    Arrival,
    OtherCall(usize),
}
