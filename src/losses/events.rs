//! The event table's claims, and the sink the report layer implements to receive them while
//! a run proceeds.

/// One claim of a region run as the event table (ORD SPLT) lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventLoss {
    /// Period, from 1.
    pub period: u64,
    /// The period's weight: 1/P for P equally likely periods.
    pub weight: f64,
    /// The incident's id within its period (the SPLT's EventId).
    pub event_id: u64,
    /// Year within the simulation (from 1), and the local month (1-12), day (1-31), hour
    /// (0-23) and minute (0-59) of the arrival.
    pub year: u32,
    /// Month, 1-12.
    pub month: u8,
    /// Day of the month, 1-31.
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute, 0-59.
    pub minute: u8,
    /// The strategy and perspective ([`summary_id`](super::summary_id)).
    pub summary_id: u32,
    /// The loss, in the scenario's currency.
    pub loss: f64,
}

/// Receives every claim of a region run in period order while the run proceeds, so that the
/// event table stays bounded in memory without the engine writing files (the report layer
/// writes it as `ord/splt.csv`).
pub trait EventSink {
    /// One claim; an error is the writer's (the run stops with it).
    fn claim(&mut self, event: &EventLoss) -> std::io::Result<()>;
}
