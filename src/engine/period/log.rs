//! The event log of one period, for `lockout explain --period`.

use super::world::World;

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
        /// Ground-up loss, in the scenario's currency.
        loss: f64,
        /// Insured loss (after the policy terms), in the scenario's currency.
        insured: f64,
    },
    /// Anything else (other calls).
    Other,
}

impl World<'_> {
    /// Logs a line that concerns no incident (another call).
    pub(super) fn note(&mut self, now: f64, line: impl FnOnce() -> String) {
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
    pub(super) fn note_for(
        &mut self,
        now: f64,
        slot: u32,
        kind: LogKind,
        line: impl FnOnce(u64) -> String,
    ) {
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
}
