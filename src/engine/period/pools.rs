//! The responder pools of a period: each pool's responders and queue, lockout jobs, dispatch,
//! the lazy simulation of other calls, and the scheduler that turns an incident's pool-bound
//! remedies into calls to a pool.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::TAG_TRAVEL;
use super::draws::OtherCall;
use super::log::{LogEntry, LogKind};
use super::world::{Ev, World};
use crate::engine::Scheduler;
use crate::engine::queue::SimTime;
use crate::engine::streams;
use crate::losses::PoolTally;
use crate::model::region::Pool;

/// A job slot that holds no job.
pub(super) const NO_JOB: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JobState {
    Queued,
    Active,
    Cancelled,
    Done,
}

/// A lockout call to a pool.
#[derive(Debug, Clone, Copy)]
pub(super) struct Job {
    pub(super) pool: u16,
    /// The incident and slot it serves.
    pub(super) incident: u32,
    pub(super) slot: u8,
    pub(super) call_time: f64,
    pub(super) dispatch_time: f64,
    pub(super) work_min: f64,
    /// Drawn when the call is made, from the call's own stream, whether or not it is dispatched.
    pub(super) travel_min: f64,
    pub(super) state: JobState,
}

/// A pool's responders and queue. The queue is first-come first-served, priority lockout calls
/// first: `high` and `normal` hold lockout jobs (called-off ones stay until they reach the
/// front), and the other calls that wait are those from `first_waiting` to `next_call`, in call
/// order, so they need no record. A normal lockout call and another call are served in the
/// order they called (the lockout call first on a tie, as the main loop makes it).
pub(super) struct PoolState {
    /// Responders busy, on lockout calls or other calls.
    pub(super) busy: u32,
    pub(super) high: VecDeque<u32>,
    pub(super) normal: VecDeque<u32>,
    /// Lockout calls waiting (not called off). While there are none, the pool's other calls
    /// are simulated lazily ([`World::catch_up`]); while there are some, in the main loop.
    pub(super) lockouts_queued: u32,
    /// Index of the pool's first other call still waiting (`next_call` when none waits).
    pub(super) first_waiting: usize,
    /// Index of the pool's next other call not yet simulated.
    pub(super) next_call: usize,
    /// When each responder busy with another call is free again (`f64::to_bits` of the time,
    /// which orders non-negative times; a min-heap). Such a call ends without an event of its
    /// own: its responder is released when the pool is next looked at, and a wake-up event is
    /// scheduled only while calls wait.
    pub(super) other_free_at: BinaryHeap<Reverse<u64>>,
    /// The earliest pending wake-up event of the pool, if any.
    pub(super) wake_at: Option<f64>,
}

impl PoolState {
    /// Calls waiting: lockout calls not called off, and other calls.
    #[inline]
    pub(super) fn queued(&self) -> u64 {
        u64::from(self.lockouts_queued) + (self.next_call - self.first_waiting) as u64
    }

    /// Releases the responders whose other calls have ended by `now`.
    #[inline]
    pub(super) fn release(&mut self, now: f64) {
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
    pub(super) fn other_call(
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
    pub(super) fn start_other_call(&mut self, tally: &mut PoolTally, call: &OtherCall, now: f64) {
        self.busy += 1;
        let done = now + call.travel_min + call.service_min;
        self.other_free_at.push(Reverse(done.to_bits()));
        tally.busy_min.push(done - now);
    }
}

impl<'a> World<'a> {
    /// Whether pool `p`'s other calls are events of the main loop now. Otherwise they are
    /// simulated when the pool is next looked at ([`World::catch_up`]).
    #[inline]
    pub(super) fn is_eager(&self, p: usize) -> bool {
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
    pub(super) fn catch_up(&mut self, p: usize, until: f64) {
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

    pub(super) fn new_job(&mut self, job: Job) -> u32 {
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

    /// Puts lockout job `id` of pool `p`, called at `now`, at the back of its queue.
    pub(super) fn enqueue(&mut self, p: usize, id: u32, priority: bool, now: f64) {
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
    pub(super) fn other_call(&mut self, p: usize, now: f64) {
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
    pub(super) fn start_waiting_call(&mut self, p: usize, index: usize, now: f64) {
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
    pub(super) fn dispatch(&mut self, p: usize, now: f64) {
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
    pub(super) fn dispatch_waiting(&mut self, p: usize, now: f64) {
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
    pub(super) fn job_done(&mut self, id: u32, now: f64) -> Option<(u32, u8)> {
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

    fn escalate_at(&mut self, at: f64, step: u16) {
        self.queue.schedule(
            SimTime::from_min(at),
            Ev::Escalate {
                incident: self.current,
                generation: self.current_generation,
                step,
            },
        );
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
