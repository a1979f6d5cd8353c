//! Calibration targets as plain data: what `lockout calibrate` compares the model with (a
//! statistic of the simulated incidents under one strategy, the value a source observed, how
//! uncertain it is and how far the model and the source may differ), and the settings of the
//! fit. Read from a targets file by `crate::scenario::targets`.

/// A statistic of the incidents simulated under the calibrated strategy. "Counted" incidents
/// are those not ended by a remedy of [`Targets::not_counted`] (a trunk that opened at the
/// first press is not a lockout to the drivers a survey asks).
#[derive(Debug, Clone, PartialEq)]
pub enum Statistic {
    /// Share of counted incidents ended by one of the remedies (bit per remedy index) or, with
    /// `fallback`, by a fallback.
    ResolvedShare {
        /// Bit per remedy index.
        remedies: u64,
        /// Whether incidents a fallback ended count too.
        fallback: bool,
    },
    /// Share of counted incidents at a place (its index in [`crate::model::Place::ALL`]).
    PlaceShare {
        /// Place index.
        place: usize,
    },
    /// Mean wait, minutes, of the remedy's responder from the call to arrival, over the calls
    /// whose responder arrived (a call cancelled before arrival has no arrival time).
    MeanWaitMin {
        /// Remedy index.
        remedy: usize,
    },
    /// Share of the remedy's arrivals within `minutes` of the call: a point of the response-
    /// time distribution (its quantile of that order is `minutes`).
    WaitWithinShare {
        /// Remedy index.
        remedy: usize,
        /// Minutes from the call.
        minutes: f64,
        /// Index of this threshold among [`Targets::wait_thresholds`].
        threshold: usize,
    },
    /// The quantile of order `order` of the remedy's waits from call to arrival, minutes (the
    /// lower empirical quantile, from a quantile sketch: within 0.4% of it).
    WaitQuantileMin {
        /// Remedy index.
        remedy: usize,
        /// Order, in (0, 1).
        order: f64,
    },
    /// Calls to the remedies (every start, arrived or cancelled) per vehicle-year: the
    /// incident rate × the strategy's incident-rate multiplier × calls per incident.
    CallsPerVehicleYear {
        /// Bit per remedy index.
        remedies: u64,
    },
    /// Counted incidents per vehicle-year: the incident rate × the strategy's multiplier × the
    /// counted share.
    CountedPerVehicleYear,
}

impl Statistic {
    /// The statistic's name in a targets file and in `calibration.csv`.
    pub fn name(&self) -> &'static str {
        match self {
            Statistic::ResolvedShare { .. } => "resolved_share",
            Statistic::PlaceShare { .. } => "place_share",
            Statistic::MeanWaitMin { .. } => "mean_wait_min",
            Statistic::WaitQuantileMin { .. } => "wait_quantile_min",
            Statistic::WaitWithinShare { .. } => "wait_within_share",
            Statistic::CallsPerVehicleYear { .. } => "calls_per_vehicle_year",
            Statistic::CountedPerVehicleYear => "counted_per_vehicle_year",
        }
    }

    /// The statistic's unit, as `calibration.csv` writes it.
    pub fn unit(&self) -> &'static str {
        match self {
            Statistic::ResolvedShare { .. }
            | Statistic::PlaceShare { .. }
            | Statistic::WaitWithinShare { .. } => "share",
            Statistic::MeanWaitMin { .. } | Statistic::WaitQuantileMin { .. } => "min",
            Statistic::CallsPerVehicleYear { .. } | Statistic::CountedPerVehicleYear => {
                "per vehicle-year"
            }
        }
    }
}

/// One observed value and the statistic it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Name, as written (a row of `calibration.csv`).
    pub name: String,
    /// What is simulated.
    pub statistic: Statistic,
    /// The observed value, in the statistic's unit.
    pub observed: f64,
    /// The observation's standard error (the source's sampling or spread).
    pub observed_se: f64,
    /// Standard deviation of what the model and the source do not share (another country,
    /// year or definition), added in quadrature to `observed_se`.
    pub discrepancy_sd: f64,
    /// Where the observation comes from.
    pub source: String,
}

impl Target {
    /// The standard deviation the fit gives the difference between simulated and observed.
    pub fn fit_sd(&self) -> f64 {
        self.observed_se.hypot(self.discrepancy_sd)
    }
}

/// One category of a composition: the answer a survey counted and the remedies that end an
/// incident that way in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Name, as written.
    pub name: String,
    /// Bit per remedy index: an incident one of these ended falls in this category.
    pub remedies: u64,
    /// Bit per remedy index: an incident in which one of these succeeded falls in this
    /// category whatever ended it (a window broken, then the keys reached through it). Checked
    /// before `remedies`, in category order.
    pub via: u64,
    /// Whether incidents a fallback ended fall in this category.
    pub fallback: bool,
    /// The observed share of all answers (the categories need not sum to 1: the rest is
    /// `Composition::unaccounted`).
    pub observed: f64,
}

/// Shares of one survey question fitted together: a multinomial over the named categories,
/// with the survey's sample size, widened by a discrepancy.
///
/// The answers outside the named categories (the survey's unaccounted share) are taken to be
/// missing at random: the fit compares the categories' shares of the named answers with the
/// model's shares of the counted incidents that end in a named category. The discrepancy is a
/// Dirichlet between the model's shares and those of the population surveyed, with
/// concentration `discrepancy_n`: the log-likelihood is `n_eff Σ_k o_k ln p_k`, with `o_k`
/// the observed and `p_k` the simulated shares of the named answers and
/// `1/n_eff = 1/n_named + 1/discrepancy_n` (`n_named` = sample size × the named share), so a
/// share `p` has the standard deviation `sqrt(p(1-p)/n_eff)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Composition {
    /// Name, as written.
    pub name: String,
    /// The categories, in file order.
    pub categories: Vec<Category>,
    /// People (or events) the survey's shares are of.
    pub sample_size: f64,
    /// The Dirichlet concentration of the discrepancy (an equivalent sample size).
    pub discrepancy_n: f64,
    /// Where the shares come from.
    pub source: String,
}

impl Composition {
    /// The category of a counted incident that `resolved_by` ended (`None`: a fallback) with
    /// the remedies `succeeded` (bit per remedy index); `None` when it is in none.
    #[inline]
    pub fn category_of(&self, resolved_by: Option<usize>, succeeded: u64) -> Option<usize> {
        if let Some(k) = self.categories.iter().position(|c| c.via & succeeded != 0) {
            return Some(k);
        }
        self.categories.iter().position(|c| match resolved_by {
            Some(r) => (c.remedies >> r) & 1 != 0,
            None => c.fallback,
        })
    }

    /// Sum of the observed shares (1 − the unaccounted share).
    pub fn named_share(&self) -> f64 {
        self.categories.iter().map(|c| c.observed).sum()
    }

    /// The effective sample size of the named answers, discrepancy included.
    pub fn effective_n(&self) -> f64 {
        let named = self.sample_size * self.named_share();
        1.0 / (1.0 / named + 1.0 / self.discrepancy_n)
    }

    /// The observed share of the named answers in category `k`.
    pub fn observed_of_named(&self, k: usize) -> f64 {
        self.categories[k].observed / self.named_share()
    }
}

/// A targets file, compiled against its scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Index of the strategy whose incidents are compared (default: the baseline).
    pub strategy: usize,
    /// Bit per remedy index: incidents these remedies end are not counted by any share or
    /// rate of counted incidents.
    pub not_counted: u64,
    /// Scalar targets, in file order.
    pub targets: Vec<Target>,
    /// Compositions, in file order.
    pub compositions: Vec<Composition>,
    /// (remedy, minutes) of every `WaitWithinShare` target, in target order.
    pub wait_thresholds: Vec<(usize, f64)>,
    /// Bit per remedy index whose waits a `WaitQuantileMin` target needs in a sketch.
    pub wait_sketches: u64,
    /// Parameter sets per round of the fit.
    pub sets: u64,
    /// Rounds of the fit (the first draws from the prior, each later one from a proposal
    /// fitted to the weighted sets so far).
    pub rounds: u64,
    /// Incidents simulated per parameter set (the same incidents for every set).
    pub incidents: u64,
    /// Rows of the posterior joint sample written.
    pub posterior_draws: u64,
}
