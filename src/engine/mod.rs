//! The simulation engine: the event queue and clock, random streams, and one incident as a
//! discrete-event simulation.

pub mod incident;
pub mod queue;
pub mod streams;

pub use incident::{
    AttemptDraws, Process, Scheduler, Scratch, Situation, SituationDraws, Trace, TraceEvent,
    simulate,
};
