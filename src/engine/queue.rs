//! A discrete-event queue: events ordered by time, ties broken by insertion order.

use std::cmp::Ordering;

/// A point in simulated time, in minutes from the start of the incident (or period).
/// Never NaN: construction checks it, so ordering is total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimTime(f64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0.0);

    /// A time in minutes; panics on NaN (a NaN time is a bug upstream, never user input).
    #[inline]
    pub fn from_min(min: f64) -> SimTime {
        assert!(!min.is_nan(), "simulated time must not be NaN");
        SimTime(min)
    }

    /// Minutes since the start.
    #[inline]
    pub fn min(self) -> f64 {
        self.0
    }
}

impl Eq for SimTime {}

impl PartialOrd for SimTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SimTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A pending event. `key` packs (time, insertion number) into one integer whose order is theirs:
/// the time's bits mapped so that integer order is `f64::total_cmp` order, above the insertion
/// number. One integer compare per comparison, and 32 bytes per entry for small events.
#[derive(Clone, Copy)]
struct Entry<E> {
    key: i128,
    event: E,
}

impl<E> Entry<E> {
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        self.key < other.key
    }

    #[inline(always)]
    fn time(&self) -> SimTime {
        SimTime(f64::from_bits(
            total_order_bits((self.key >> 64) as i64) as u64
        ))
    }
}

/// The integer whose order is `f64::total_cmp`'s (the same mapping `total_cmp` uses); the
/// mapping is its own inverse.
#[inline(always)]
fn total_order_bits(bits: i64) -> i64 {
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// A priority queue of events, popped in (time, insertion) order. `clear` keeps the capacity, so
/// a queue reused across incidents stops allocating once warm.
///
/// A binary min-heap written out rather than `std::collections::BinaryHeap`: its pop moves the
/// last entry into the root and then reads it back, a store-to-load forwarding stall that was
/// the hottest instruction of the region's event loop. Here the moving entry stays in registers
/// (the "hole" technique) until its slot is found.
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
    now: SimTime,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(16)
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue with room for `n` events.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(n),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// Empties the queue and resets the clock to zero.
    #[inline]
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
        self.now = SimTime::ZERO;
    }

    /// The time of the last popped event.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`; scheduling into the past is a bug and panics.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        assert!(time >= self.now, "event scheduled in the past");
        let key =
            ((total_order_bits(time.0.to_bits() as i64) as i128) << 64) | self.next_seq as i128;
        let entry = Entry { key, event };
        self.next_seq += 1;
        // Sift up: move parents down into the hole until the entry's place is found.
        let mut pos = self.heap.len();
        self.heap.push(entry);
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !entry.before(&self.heap[parent]) {
                break;
            }
            self.heap[pos] = self.heap[parent];
            pos = parent;
        }
        self.heap[pos] = entry;
    }

    /// Removes the earliest event and advances the clock to it.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = match self.heap.first() {
            None => last,
            Some(&top) => {
                // Sift the last entry down from the root: move the earlier child up into the
                // hole until the entry's place is found.
                let len = self.heap.len();
                let mut pos = 0;
                loop {
                    let mut child = 2 * pos + 1;
                    if child >= len {
                        break;
                    }
                    if child + 1 < len && self.heap[child + 1].before(&self.heap[child]) {
                        child += 1;
                    }
                    if !self.heap[child].before(&last) {
                        break;
                    }
                    self.heap[pos] = self.heap[child];
                    pos = child;
                }
                self.heap[pos] = last;
                top
            }
        };
        self.now = top.time();
        Some((self.now, top.event))
    }

    /// The time of the earliest pending event, without removing it.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(Entry::time)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion() {
        let mut q = EventQueue::default();
        q.schedule(SimTime::from_min(5.0), "c");
        q.schedule(SimTime::from_min(1.0), "a");
        q.schedule(SimTime::from_min(5.0), "d");
        q.schedule(SimTime::from_min(1.0), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
        assert_eq!(q.now().min(), 5.0);
    }

    #[test]
    fn agrees_with_sorting_by_time_then_insertion() {
        // Interleaved pushes and pops with many ties and zeros, against a sorted reference.
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut q = EventQueue::default();
        let mut reference: Vec<(f64, u64)> = Vec::new();
        let mut seq = 0u64;
        for _ in 0..20_000 {
            if next() % 3 != 0 || reference.is_empty() {
                let t = q.now().min() + (next() % 8) as f64 * 0.5;
                q.schedule(SimTime::from_min(t), seq);
                reference.push((t, seq));
                seq += 1;
            } else {
                reference.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want = reference.remove(0);
                let (t, e) = q.pop().unwrap();
                assert_eq!((t.min(), e), want);
            }
        }
        assert_eq!(q.len(), reference.len());
    }

    #[test]
    #[should_panic(expected = "past")]
    fn refuses_the_past() {
        let mut q = EventQueue::default();
        q.schedule(SimTime::from_min(5.0), ());
        q.pop();
        q.schedule(SimTime::from_min(4.0), ());
    }
}
