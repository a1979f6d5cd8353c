//! Streaming statistics: exact, associative, mergeable accumulators.
//!
//! The runner folds tens of millions of simulated outcomes into accumulators, one per fixed
//! chunk of incidents, and then merges the chunk accumulators, on however many threads (or
//! shards, stored as JSON) the run used. For the published numbers to be *bit-identical* whatever
//! the grouping, merging must be exactly associative and commutative. Floating-point addition
//! is neither (`(a + b) + c != a + (b + c)` in general), so no accumulator here keeps a running
//! `f64` sum. Instead:
//!
//! * [`Moments`] quantises every value once, on entry, to fixed point (`q = round(x · 2^20)`,
//!   a resolution of 2^-20 ≈ 9.5e-7 of the value's unit). The rounding of one value does not
//!   depend on what was pushed before, and the state (`n`, `Σq`, `Σq²`) is integers, so
//!   merging is integer addition: exact, associative and commutative. Mean, variance and
//!   confidence intervals are derived in `f64` from the exact sums only when read.
//! * [`QuantileSketch`] is a histogram with a fixed bucket layout (log-linear, HDR-style), so
//!   its state is a vector of integer counts plus the exact minimum and maximum. Merging adds
//!   counts element-wise and takes min/max, which are again exact, associative and
//!   commutative. Quantiles are read from the counts with a guaranteed relative error of at
//!   most 1/256 ≈ 0.39%.
//!
//! Both accumulators have a fixed size (memory does not grow with the number of samples) and
//! their `push` neither allocates nor calls transcendental functions.
//!
//! This module depends on nothing else in the crate (only `std` and `serde`).

pub mod importance;
pub mod moments;
pub mod sketch;
#[cfg(test)]
mod testutil;

pub use moments::i128_string;
pub use moments::{
    CI_LEVEL, FixedSum, Moments, checked, inverse_normal_cdf, normal_cdf, quantise, z_value,
};
pub use sketch::QuantileSketch;
