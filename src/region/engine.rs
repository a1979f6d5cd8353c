//! One period of a region: a single event queue, a clock, responder pools with queues, and the
//! incident processes of the lockouts that arrive.
//!
//! Arrivals are drawn by inverting the cumulative intensity, which is exact because the profile is
//! constant within each hour: one exponential draw per arrival, no rejected candidates.
//! Common random numbers across strategies: candidate arrivals come from one stream per period
//! at the highest strategy's rate, each kept by its own uniform with probability
//! multiplier / highest multiplier, so a strategy's rate multiplier keeps the other strategies'
//! arrivals; arrival `j` draws everything from streams keyed by (seed, period, j, tag).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::dist::unit_uniform;
use crate::engine::queue::{EventQueue, SimTime};
use crate::engine::streams::{self, StreamRng};
use crate::engine::{Process, Scheduler, Situation, SituationDraws};
use crate::losses::{Partial, PeriodAccumulator, PoolTally, SeverityTally, insured_loss, is_claim};
use crate::model::outcome::Outcome;
use crate::model::region::{Calendar, PERIOD_MIN, Pool, Region};
use crate::model::{Fact, Facts, MAX_RACE, Scenario};
use crate::tally::RunTally;

const TAG_CANDIDATES: u64 = 0x5_0000;
const TAG_OTHER_CALLS: u64 = 0x5_1000;
const TAG_ARRIVAL: u64 = 0x5_2000;
const TAG_TRAVEL: u64 = 0x5_3000;
const NO_JOB: u32 = u32::MAX;

/// Everything one period produced, per strategy.
#[derive(Debug, Clone)]
pub struct PeriodResult {
    /// Period number, from 1.
    pub period_no: u64,
    /// Incident statistics (unpaired: strategies see different arrivals).
    pub tally: RunTally,
    /// Per strategy: ground-up and insured losses.
    pub losses: Vec<[PeriodAccumulator; 2]>,
    /// Per strategy: claim severities, ground-up and insured.
    pub severity: Vec<[SeverityTally; 2]>,
    /// Per strategy and pool.
    pub pools: Vec<Vec<PoolTally>>,
    /// Events processed in time order (arrivals, other calls and the queue's events; all
    /// strategies).
    pub events: u64,
    /// Every incident with its losses, in the order they ended, when asked for (the event
    /// table); empty otherwise.
    pub event_losses: Vec<EventLoss>,
}

impl PeriodResult {
    /// This period's results as a [`Partial`] of one period, ready to be merged into a run's.
    pub fn into_partial(self) -> Partial {
        Partial {
            losses: vec![(self.period_no, self.losses)],
            tally: self.tally,
            severity: self.severity,
            pools: self.pools,
            events: self.events,
        }
    }
}

/// One line of a period's event log (`lockout explain --period`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Minutes from the period's start.
    pub time_min: f64,
    /// The incident concerned, by its stable id: the arrival's candidate index + 1, which is
    /// its `EventId` in `ord/splt.csv` (none for another call).
    pub event_id: Option<u64>,
    /// What happened, for filters and summaries.
    pub kind: LogKind,
    /// The line as printed.
    pub text: String,
}

/// What a log line records.
#[derive(Debug, Clone, PartialEq)]
pub enum LogKind {
    /// A lockout arrives.
    Arrival,
    /// An incident calls a pool.
    Call,
    /// A responder is dispatched to an incident after waiting in the queue.
    Dispatch {
        /// Minutes from call to dispatch.
        queue_wait_min: f64,
    },
    /// An incident calls a responder off.
    Abandon,
    /// An incident ends.
    End {
        /// Minutes from the lockout to access.
        time_to_access_min: f64,
        /// The remedy that got the keys back, or the fallback.
        resolved_by: String,
        /// Whether the fallback ended it.
        unresolved: bool,
        /// Ground-up loss.
        loss: f64,
        /// Insured loss.
        insured: f64,
    },
    /// Anything else (other calls).
    Other,
}

/// One incident's losses, for the event-level table (ORD SPLT).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventLoss {
    /// Strategy index.
    pub strategy: u16,
    /// Event id within the period: the arrival's candidate index + 1.
    pub event_id: u64,
    /// Arrival time, minutes from the period's start.
    pub time_min: f64,
    /// Ground-up loss.
    pub ground_up: f64,
    /// Insured loss.
    pub insured: f64,
}

// `repr(C)` (a 4-byte tag, then the fields) so that a popped event is copied whole: with the
// default layout the compiler moved it through the stack in overlapping pieces, which stalled
// every pop on store forwarding (seen in `perf annotate`).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
enum Ev {
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
    /// A responder of `pool` busy with another call is free while calls wait.
    Wake {
        pool: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobState {
    Queued,
    Active,
    Cancelled,
    Done,
}

/// A lockout call to a pool.
#[derive(Debug, Clone, Copy)]
struct Job {
    pool: u16,
    /// The incident and slot it serves.
    incident: u32,
    slot: u8,
    call_time: f64,
    dispatch_time: f64,
    work_min: f64,
    /// Drawn when the call is made, from the call's own stream, whether or not it is dispatched.
    travel_min: f64,
    state: JobState,
}

struct Live {
    process: Process,
    /// The arrival's candidate index in the period.
    candidate: u64,
    start: f64,
    alive: bool,
    /// Bumped when the record is reused, so events of an ended incident are recognised.
    generation: u32,
    priority: bool,
    vehicle: u32,
    key: u64,
    jobs: [u32; MAX_RACE],
}

/// A pool's responders and queue. The queue is first-come first-served, priority lockout calls
/// first: `high` and `normal` hold lockout jobs (called-off ones stay until they reach the
/// front), and the other calls that wait are those from `first_waiting` to `next_call`, in call
/// order, so they need no record. A normal lockout call and another call are served in the
/// order they called (the lockout call first on a tie, as the main loop makes it).
struct PoolState {
    /// Responders busy, on lockout calls or other calls.
    busy: u32,
    high: VecDeque<u32>,
    normal: VecDeque<u32>,
    /// Lockout calls waiting (not called off). While there are none, the pool's other calls
    /// are simulated lazily ([`World::catch_up`]); while there are some, in the main loop.
    lockouts_queued: u32,
    /// Index of the pool's first other call still waiting (`next_call` when none waits).
    first_waiting: usize,
    /// Index of the pool's next other call not yet simulated.
    next_call: usize,
    /// When each responder busy with another call is free again (`f64::to_bits` of the time,
    /// which orders non-negative times; a min-heap). Such a call ends without an event of its
    /// own: its responder is released when the pool is next looked at, and a wake-up event is
    /// scheduled only while calls wait.
    other_free_at: BinaryHeap<Reverse<u64>>,
    /// The earliest pending wake-up event of the pool, if any.
    wake_at: Option<f64>,
}

impl PoolState {
    /// Calls waiting: lockout calls not called off, and other calls.
    #[inline]
    fn queued(&self) -> u64 {
        u64::from(self.lockouts_queued) + (self.next_call - self.first_waiting) as u64
    }

    /// Releases the responders whose other calls have ended by `now`.
    #[inline]
    fn release(&mut self, now: f64) {
        while let Some(&Reverse(t)) = self.other_free_at.peek()
            && f64::from_bits(t) <= now
        {
            self.other_free_at.pop();
            self.busy -= 1;
        }
    }

    /// The pool's next other call, `call`, comes at `now`. When nobody waits and a responder is
    /// free (the usual case) it is dispatched at once and this returns true; otherwise it joins
    /// the queue.
    // Always inlined: it is the catch-up loop's body (plain `inline` left it a call, 2% more
    // instructions per metro period).
    #[inline(always)]
    fn other_call(
        &mut self,
        pool: &Pool,
        tally: &mut PoolTally,
        call: &OtherCall,
        now: f64,
    ) -> bool {
        let nobody_waits = self.queued() == 0;
        self.next_call += 1; // the call is in the queue now
        self.release(now);
        if nobody_waits && self.busy < pool.count && pool.on_shift(now) {
            // It was in the queue for an instant, as every call is.
            tally.longest_queue = tally.longest_queue.max(1);
            self.first_waiting += 1;
            self.start_other_call(tally, call, now);
            return true;
        }
        tally.longest_queue = tally.longest_queue.max(self.queued());
        false
    }

    /// Sends a free responder to another call at `now`: busy until the call is done, then
    /// released without an event (see `other_free_at`).
    #[inline]
    fn start_other_call(&mut self, tally: &mut PoolTally, call: &OtherCall, now: f64) {
        self.busy += 1;
        let done = now + call.travel_min + call.service_min;
        self.other_free_at.push(Reverse(done.to_bits()));
        tally.busy_min.push(done - now);
    }
}

/// The region's scheduler: pool-bound attempts become calls to a pool; others complete after
/// their own wait and work.
struct World<'a> {
    region: &'a Region,
    /// Per pool, the period's other calls in time order.
    other_calls: &'a [Vec<OtherCall>],
    /// Whether pools without waiting lockout calls simulate their other calls lazily (off while
    /// an event log is kept, so the log stays in time order).
    lazy: bool,
    /// The event log of `lockout explain --period`, when asked for.
    log: Option<Vec<LogEntry>>,
    /// With a log: each live slot's incident, as its event id (see [`LogEntry::event_id`]).
    log_ids: Vec<u64>,
    queue: EventQueue<Ev>,
    /// Give-up horizons of incidents, in time order; those of ended incidents are dropped
    /// when they reach the front.
    horizons: VecDeque<Horizon>,
    jobs: Vec<Job>,
    free_jobs: Vec<u32>,
    pools: Vec<PoolState>,
    /// This strategy's pool statistics, recorded into the run's accumulator.
    tallies: &'a mut [PoolTally],
    /// The incident whose process is running now, and its record.
    current: u32,
    current_generation: u32,
    current_key: u64,
    current_priority: bool,
    current_jobs: [u32; MAX_RACE],
    events: u64,
}

impl<'a> World<'a> {
    /// Whether pool `p`'s other calls are events of the main loop now. Otherwise they are
    /// simulated when the pool is next looked at ([`World::catch_up`]).
    #[inline]
    fn is_eager(&self, p: usize) -> bool {
        !self.lazy || self.pools[p].lockouts_queued > 0
    }

    /// Brings a lazy pool `p` up to just before `until`: simulates its other calls and the
    /// moments a responder on another call is free while other calls wait, in time order.
    ///
    /// This is exact. While no lockout call waits in a pool, its other calls touch nothing but
    /// the pool: they never start or end a lockout job and schedule no event, and every other
    /// event that looks at the pool (a lockout call, a job done or called off, a shift start,
    /// a wake-up) catches the pool up to its own time first. So simulating them late, in a
    /// tight loop of their own, gives what the main loop would have given, and skips the main
    /// loop's choice of the next event for most of a busy pool's calls. Ties keep the main
    /// loop's order: a wake-up before another call, both after events of the queue at the
    /// same time (`until` is excluded).
    fn catch_up(&mut self, p: usize, until: f64) {
        if self.is_eager(p) {
            return; // the main loop has simulated every other call before now
        }
        // Only other calls wait here, so this is a queue of its own: no job records, no events
        // and no event log (a kept log makes every pool eager).
        let pool = &self.region.pools[p];
        let calls: &'a [OtherCall] = &self.other_calls[p];
        let state = &mut self.pools[p];
        let tally = &mut self.tallies[p];
        loop {
            let call_at = calls.get(state.next_call).map_or(f64::INFINITY, |c| c.time);
            if state.first_waiting < state.next_call {
                // Calls wait: the next moment one can go is when a responder is free.
                let wake_at = state
                    .other_free_at
                    .peek()
                    .map_or(f64::INFINITY, |&Reverse(t)| f64::from_bits(t));
                if wake_at <= call_at {
                    if wake_at >= until {
                        return;
                    }
                    self.events += 1;
                    state.release(wake_at);
                    if pool.on_shift(wake_at) {
                        while state.busy < pool.count && state.first_waiting < state.next_call {
                            let call = &calls[state.first_waiting];
                            state.first_waiting += 1;
                            state.start_other_call(tally, call, wake_at);
                        }
                    }
                    continue;
                }
            }
            if call_at >= until {
                return;
            }
            self.events += 1;
            state.other_call(pool, tally, &calls[state.next_call], call_at);
        }
    }

    fn new_job(&mut self, job: Job) -> u32 {
        match self.free_jobs.pop() {
            Some(id) => {
                self.jobs[id as usize] = job;
                id
            }
            None => {
                self.jobs.push(job);
                (self.jobs.len() - 1) as u32
            }
        }
    }

    /// Logs a line that concerns no incident (another call).
    fn note(&mut self, now: f64, line: impl FnOnce() -> String) {
        if let Some(log) = &mut self.log {
            log.push(LogEntry {
                time_min: now,
                event_id: None,
                kind: LogKind::Other,
                text: line(),
            });
        }
    }

    /// Logs a line about the incident in live slot `slot`; `line` gets its event id.
    fn note_for(&mut self, now: f64, slot: u32, kind: LogKind, line: impl FnOnce(u64) -> String) {
        if let Some(log) = &mut self.log {
            let id = self.log_ids[slot as usize];
            log.push(LogEntry {
                time_min: now,
                event_id: Some(id),
                kind,
                text: line(id),
            });
        }
    }

    /// Puts lockout job `id` of pool `p`, called at `now`, at the back of its queue.
    fn enqueue(&mut self, p: usize, id: u32, priority: bool, now: f64) {
        let queued = self.pools[p].queued();
        let (incident, name) = (self.jobs[id as usize].incident, &self.region.pools[p].name);
        self.note_for(now, incident, LogKind::Call, |id| {
            format!(
                "incident #{id} calls {name}{}; {queued} waiting before it",
                if priority { " (priority)" } else { "" },
            )
        });
        let state = &mut self.pools[p];
        if priority {
            state.high.push_back(id);
        } else {
            state.normal.push_back(id);
        }
        state.lockouts_queued += 1;
        self.tallies[p].longest_queue = self.tallies[p].longest_queue.max(state.queued());
    }

    /// Pool `p`'s next other call, at `now`, in the main loop. When nobody waits and a
    /// responder is free (the usual case) it is dispatched at once, with no event for its end;
    /// otherwise it joins the queue.
    fn other_call(&mut self, p: usize, now: f64) {
        let pool = &self.region.pools[p];
        let state = &mut self.pools[p];
        let call = &self.other_calls[p][state.next_call];
        let queued = state.queued();
        let name = &pool.name;
        if state.other_call(pool, &mut self.tallies[p], call, now) {
            self.note(now, || {
                format!(
                    "another call calls {name}; 0 waiting before it; dispatched at once, on scene at {:.1}, done at {:.1}",
                    now + call.travel_min,
                    now + call.travel_min + call.service_min
                )
            });
            return;
        }
        self.note(now, || {
            format!("another call calls {name}; {queued} waiting before it")
        });
        self.dispatch(p, now);
    }

    /// Sends a free responder of pool `p` to its waiting other call `index` at `now`
    /// ([`PoolState::start_other_call`]), logged.
    fn start_waiting_call(&mut self, p: usize, index: usize, now: f64) {
        let call = &self.other_calls[p][index];
        self.pools[p].start_other_call(&mut self.tallies[p], call, now);
        let name = &self.region.pools[p].name;
        self.note(now, || {
            format!(
                "{name} dispatched to another call after {:.1} min in the queue; on scene at {:.1}, done at {:.1}",
                now - call.time,
                now + call.travel_min,
                now + call.travel_min + call.service_min
            )
        });
    }

    /// Sends free, on-shift responders to the longest-waiting calls (priority first). While
    /// calls still wait in an eager pool, makes sure a wake-up event comes when the first
    /// responder on another call is free (responders on lockout calls end with an event of
    /// their own; a lazy pool's wake-ups come in [`World::catch_up`]).
    #[inline]
    fn dispatch(&mut self, p: usize, now: f64) {
        let state = &mut self.pools[p];
        state.release(now);
        // Most calls find nobody waiting: decide that without a call.
        if state.queued() == 0 {
            return;
        }
        if state.busy < self.region.pools[p].count {
            self.dispatch_waiting(p, now);
        }
        // A lazy pool's wake-ups come in its catch-up.
        if !self.is_eager(p) {
            return;
        }
        let state = &mut self.pools[p];
        if state.queued() > 0
            && let Some(&Reverse(t)) = state.other_free_at.peek()
        {
            let t = f64::from_bits(t);
            if state.wake_at.is_none_or(|w| t < w) {
                state.wake_at = Some(t);
                self.queue
                    .schedule(SimTime::from_min(t), Ev::Wake { pool: p as u16 });
            }
        }
    }

    #[inline(never)]
    fn dispatch_waiting(&mut self, p: usize, now: f64) {
        let pool = &self.region.pools[p];
        let calls: &'a [OtherCall] = &self.other_calls[p];
        while self.pools[p].busy < pool.count && pool.on_shift(now) {
            let state = &mut self.pools[p];
            // Called-off lockout jobs leave the queue when they reach its front.
            let jobs = &self.jobs;
            let free_jobs = &mut self.free_jobs;
            let mut front = |queue: &mut VecDeque<u32>| {
                while let Some(&id) = queue.front() {
                    if jobs[id as usize].state != JobState::Cancelled {
                        return Some(id);
                    }
                    queue.pop_front();
                    free_jobs.push(id);
                }
                None
            };
            let lockout = match front(&mut state.high) {
                Some(id) => Some((id, true)),
                None => front(&mut state.normal).map(|id| (id, false)),
            };
            let other_at = if state.first_waiting < state.next_call {
                calls[state.first_waiting].time
            } else {
                f64::INFINITY
            };
            let id = match lockout {
                Some((id, high)) if high || jobs[id as usize].call_time <= other_at => {
                    if high {
                        state.high.pop_front();
                    } else {
                        state.normal.pop_front();
                    }
                    id
                }
                _ if other_at < f64::INFINITY => {
                    let index = state.first_waiting;
                    state.first_waiting += 1;
                    self.start_waiting_call(p, index, now);
                    continue;
                }
                _ => break,
            };
            state.lockouts_queued -= 1;
            state.busy += 1;
            let job = &mut self.jobs[id as usize];
            job.state = JobState::Active;
            job.dispatch_time = now;
            let travel = job.travel_min;
            let done = now + travel + job.work_min;
            let job = *job;
            if let Some(log) = &mut self.log {
                let name = &pool.name;
                let id = self.log_ids[job.incident as usize];
                log.push(LogEntry {
                    time_min: now,
                    event_id: Some(id),
                    kind: LogKind::Dispatch {
                        queue_wait_min: now - job.call_time,
                    },
                    text: format!(
                        "{name} dispatched to incident #{id} after {:.1} min in the queue; on scene at {:.1}, done at {:.1}",
                        now - job.call_time,
                        now + travel,
                        done
                    ),
                });
            }
            let t = &mut self.tallies[p];
            t.dispatched += 1;
            t.queue_wait.push(now - job.call_time);
            t.queue_wait_sketch.push(now - job.call_time);
            t.response_sketch.push(now + travel - job.call_time);
            self.queue
                .schedule(SimTime::from_min(done), Ev::JobDone { job: id });
        }
    }

    /// A responder finished job `id` at `now`; returns the (incident, slot) it served.
    fn job_done(&mut self, id: u32, now: f64) -> Option<(u32, u8)> {
        let job = self.jobs[id as usize];
        if job.state != JobState::Active {
            // Cancelled while active: the responder was freed then; now the id is free too.
            self.free_jobs.push(id);
            return None;
        }
        self.jobs[id as usize].state = JobState::Done;
        self.free_jobs.push(id);
        let p = job.pool as usize;
        self.catch_up(p, now);
        self.pools[p].busy -= 1;
        self.tallies[p].busy_min.push(now - job.dispatch_time);
        self.dispatch(p, now);
        Some((job.incident, job.slot))
    }
}

impl Scheduler for World<'_> {
    fn start(
        &mut self,
        now: f64,
        slot: u8,
        remedy: usize,
        try_no: u8,
        wait_min: f64,
        work_min: f64,
    ) {
        match self.region.remedy_pool[remedy] {
            None => {
                self.current_jobs[slot as usize] = NO_JOB;
                self.queue.schedule(
                    SimTime::from_min(now + wait_min + work_min),
                    Ev::Complete {
                        incident: self.current,
                        generation: self.current_generation,
                        slot,
                    },
                );
            }
            Some(p) => {
                // Each try of a remedy is a call of its own with its own travel time (a first
                // try keeps the key it had before tries were counted here).
                let travel_key = self.current_key
                    ^ ((remedy as u64) << 40)
                    ^ ((slot as u64) << 48)
                    ^ ((try_no as u64) << 56);
                let mut rng = streams::keyed_stream(travel_key, TAG_TRAVEL);
                let travel_min = self.region.pools[p].travel.sample(&mut rng);
                let id = self.new_job(Job {
                    pool: p as u16,
                    incident: self.current,
                    slot,
                    call_time: now,
                    dispatch_time: 0.0,
                    work_min,
                    travel_min,
                    state: JobState::Queued,
                });
                self.current_jobs[slot as usize] = id;
                self.catch_up(p, now);
                self.enqueue(p, id, self.current_priority, now);
                self.dispatch(p, now);
            }
        }
    }

    fn cancel(&mut self, now: f64, slot: u8) {
        let id = self.current_jobs[slot as usize];
        if id == NO_JOB {
            return;
        }
        let job = self.jobs[id as usize];
        let p = job.pool as usize;
        self.catch_up(p, now);
        let name = &self.region.pools[p].name;
        self.note_for(now, job.incident, LogKind::Abandon, |id| {
            format!(
                "incident #{id} calls off {name} ({}): abandoned",
                if job.state == JobState::Queued {
                    "still queued"
                } else {
                    "en route or on scene"
                }
            )
        });
        match job.state {
            JobState::Queued => {
                self.jobs[id as usize].state = JobState::Cancelled;
                self.pools[p].lockouts_queued -= 1;
                self.tallies[p].abandoned += 1;
            }
            JobState::Active => {
                // Called off en route or on scene: the responder is free at once. The job's
                // id is recycled when its pending JobDone event arrives.
                self.jobs[id as usize].state = JobState::Cancelled;
                self.pools[p].busy -= 1;
                self.tallies[p].busy_min.push(now - job.dispatch_time);
                self.tallies[p].abandoned += 1;
                self.dispatch(p, now);
            }
            JobState::Cancelled | JobState::Done => {}
        }
        self.current_jobs[slot as usize] = NO_JOB;
    }
}

/// Simulates period `period_no` (from 1) of run `seed` under every strategy.
pub fn simulate_period(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    period_no: u64,
) -> PeriodResult {
    simulate_period_logged(scenario, region, seed, period_no, None, false).0
}

/// [`simulate_period`], optionally only for strategy `log_strategy`, returning its event log:
/// arrivals, calls, dispatches with their waits, abandonments, incidents ending.
pub fn simulate_period_logged(
    scenario: &Scenario,
    region: &Region,
    seed: u64,
    period_no: u64,
    log_strategy: Option<usize>,
    record_events: bool,
) -> (PeriodResult, Vec<LogEntry>) {
    let mut into = Partial::empty(scenario, region);
    let (event_losses, log) = simulate_period_into(
        scenario,
        region,
        seed,
        period_no,
        log_strategy,
        record_events,
        &mut into,
    );
    let (_, losses) = into
        .losses
        .pop()
        .expect("the period's losses were recorded");
    let result = PeriodResult {
        period_no,
        tally: into.tally,
        losses,
        severity: into.severity,
        pools: into.pools,
        events: into.events,
        event_losses,
    };
    (result, log)
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
) -> (Vec<EventLoss>, Vec<LogEntry>) {
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
                let by = if out.unresolved() {
                    names.fallback.as_str()
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
                    event_losses.push(EventLoss {
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
            sit.facts.names().join(" ")
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
struct Horizon {
    time: f64,
    incident: u32,
    generation: u32,
}

/// Where the next event of a period comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Queue,
    Horizon,
    Arrival,
    OtherCall(usize),
}

/// What a lockout candidate draws for itself, from streams keyed by (seed, period, candidate):
/// the same under every strategy that keeps it.
struct ArrivalDraws {
    /// The arrival's stream key.
    key: u64,
    /// Its situation's uniforms.
    situation: SituationDraws,
    /// The vehicle it happens to (for the annual call limit).
    vehicle: u32,
    /// Whether its calls are priority calls.
    priority: bool,
}

impl ArrivalDraws {
    fn draw(region: &Region, seed: u64, period_no: u64, j: u64) -> ArrivalDraws {
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
struct Candidate {
    time: f64,
    keep: f64,
}

/// Another (non-lockout) call to a pool, with its draws.
#[derive(Debug, Clone, Copy)]
struct OtherCall {
    time: f64,
    service_min: f64,
    travel_min: f64,
}

/// A period's external events, drawn once and shared by every strategy (common random numbers,
/// and the draws are not repeated per strategy). Each stream is a Poisson process of intensity
/// `rate · profile(t)` drawn by inversion ([`Calendar::advance`]), in time order.
/// Their size is that of one period's arrivals, whatever the number of periods.
struct PeriodDraws {
    /// Lockout candidates at the highest strategy's rate; candidate `j` is at index `j`.
    candidates: Vec<Candidate>,
    /// Each candidate's own draws, at the same index.
    arrivals: Vec<ArrivalDraws>,
    /// Per pool, its other calls.
    other_calls: Vec<Vec<OtherCall>>,
}

impl PeriodDraws {
    /// Candidates draw (keep uniform, gap to the next); other calls draw (service time, travel
    /// time, gap to the next), each in that order, from the period's streams.
    fn draw(region: &Region, seed: u64, period_no: u64, max_rate: f64) -> PeriodDraws {
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
