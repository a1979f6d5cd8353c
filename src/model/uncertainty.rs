//! Uncertain parameters as plain data: which scenario fields are unknown, how their values are
//! distributed, and where each distribution comes from. `lockout uncertainty` draws a value of
//! each per parameter draw and compiles the scenario with them (see `crate::scenario`).

use crate::dist::{Dist, DistSpec};

/// One uncertain parameter.
#[derive(Debug, Clone)]
pub struct UncertainParameter {
    /// The field's path as written in the scenario (the column of `draws.csv`).
    pub path: String,
    /// Whether the field is a duration (values in minutes), else a plain number.
    pub duration: bool,
    /// Its distribution, in base units (minutes for a duration): the one written in the file,
    /// or with a joint sample the empirical distribution of its column.
    pub spec: DistSpec,
    /// The distribution written in the file, if any: the prior `lockout calibrate` fits (with
    /// a joint sample, which then holds the posterior, it is not drawn from).
    pub prior: Option<DistSpec>,
    /// The compiled sampler of `spec`.
    pub dist: Dist,
    /// Where the distribution comes from (row ids of `docs/sources.md`, or an assumption).
    pub source: String,
}

impl UncertainParameter {
    /// The value's quantile of order `p` (`0 < p < 1`).
    pub fn quantile(&self, p: f64) -> f64 {
        self.spec.quantile(p)
    }
}

/// A scenario's `[uncertainty]`.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    /// Default number of parameter draws.
    pub draws: u64,
    /// Default number of incidents per draw.
    pub incidents: u64,
    /// The parameters, in file order (the order of the columns of `draws.csv`).
    pub parameters: Vec<UncertainParameter>,
    /// A joint sample replacing independent draws: row d gives draw d's values (in parameter
    /// order; durations in minutes).
    pub samples: Option<JointSample>,
}

/// A joint sample file's parameter sets.
#[derive(Debug, Clone)]
pub struct JointSample {
    /// The file as named in the scenario.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// One row per parameter set, a value per parameter in parameter order.
    pub rows: Vec<Vec<f64>>,
}
