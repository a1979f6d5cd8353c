//! `lockout run`'s validated plan: the arguments as given ([`RunArgs`]) are checked against the
//! loaded scenario and each other, and become one [`RunPlan`] saying exactly what will be
//! simulated and written, before any work is done (ripgrep's low-level to high-level
//! arguments). Executing a plan cannot meet an argument error.

use super::run::{
    Ord, region_precision_command, region_run_command, region_shard_command, run_command,
};
use super::*;

/// What `lockout run` will do.
pub(super) struct RunPlan {
    /// The scenario, with its `--set` overrides applied.
    loaded: Loaded,
    /// The results (or shard) directory.
    out: PathBuf,
    /// Draw figures and the report page.
    plots: bool,
    /// What to simulate.
    work: PlannedWork,
}

/// The simulation a plan runs.
enum PlannedWork {
    /// Incidents: all of them, a shard, or until a precision target.
    Incidents(RunOptions),
    /// A region's periods 1..=`periods`, with the ORD tables if asked.
    Region {
        seed: u64,
        periods: u64,
        threads: usize,
        ord: Ord,
    },
    /// Part of a region's periods, written as partial state.
    RegionShard {
        seed: u64,
        periods: u64,
        shard: Shard,
        threads: usize,
    },
    /// A region's periods until the AAL's precision target, at most `max_periods`.
    RegionPrecision {
        seed: u64,
        relative: f64,
        max_periods: u64,
        threads: usize,
    },
}

impl RunPlan {
    /// Loads the scenario and checks the arguments against it: a usage error names the option
    /// and the rule; the scenario's errors name file, line and field.
    pub(super) fn from_args(args: RunArgs) -> anyhow::Result<RunPlan> {
        let RunArgs {
            scenario,
            incidents,
            seed,
            threads,
            out,
            set,
            no_plots,
            shard,
            precision,
            max_incidents,
            periods,
            ord,
            event_table,
        } = args;
        let loaded = load(&scenario, &set)?;
        let out = out.unwrap_or_else(|| default_out_dir(&scenario));
        let sc = &loaded.scenario;
        crate::run::check_run_options(
            sc,
            incidents,
            periods,
            threads,
            shard.as_deref(),
            max_incidents,
        )
        .map_err(anyhow::Error::msg)?;
        let seed = seed.unwrap_or(sc.seed);
        // The shard's text was checked with the options above.
        let shard = shard
            .as_deref()
            .map(Shard::parse)
            .transpose()
            .map_err(UsageError)?;
        match (&sc.region, incidents, periods) {
            (Some(_), Some(_), _) => usage!(
                "{} is a region scenario: use --periods; --incidents applies to incident-level runs",
                loaded.path
            ),
            (None, _, Some(_)) => usage!(
                "--periods applies to scenarios with a [region] section; {} has none",
                loaded.path
            ),
            _ => {}
        }
        if precision.is_some() && shard.is_some() {
            usage!(
                "--precision cannot be combined with --shard: where a precision run stops depends on all of its results"
            );
        }
        let work = match (&sc.region, shard, precision) {
            (Some(region), Some(shard), _) => PlannedWork::RegionShard {
                seed,
                periods: periods.unwrap_or(region.periods),
                shard,
                threads,
            },
            (Some(region), None, Some(relative)) => PlannedWork::RegionPrecision {
                seed,
                relative,
                max_periods: periods.unwrap_or(region.periods),
                threads,
            },
            (Some(region), None, None) => PlannedWork::Region {
                seed,
                periods: periods.unwrap_or(region.periods),
                threads,
                ord: Ord {
                    tables: ord,
                    event_table,
                },
            },
            (None, shard, precision) => {
                let amount = match precision {
                    Some(relative) => Amount::Precision {
                        relative,
                        min_incidents: incidents.unwrap_or(0),
                        max_incidents,
                    },
                    None => Amount::Incidents(incidents.unwrap_or(sc.incidents)),
                };
                PlannedWork::Incidents(RunOptions {
                    seed,
                    amount,
                    shard,
                    threads,
                    progress: !quiet(),
                })
            }
        };
        Ok(RunPlan {
            loaded,
            out,
            plots: !no_plots,
            work,
        })
    }

    /// Simulates and writes what the plan says.
    pub(super) fn execute(self) -> anyhow::Result<()> {
        let RunPlan {
            loaded,
            out,
            plots,
            work,
        } = self;
        match work {
            PlannedWork::Incidents(opts) => run_command(&loaded, &opts, &out, plots),
            PlannedWork::Region {
                seed,
                periods,
                threads,
                ord,
            } => region_run_command(&loaded, seed, periods, threads, &out, plots, ord),
            PlannedWork::RegionShard {
                seed,
                periods,
                shard,
                threads,
            } => region_shard_command(&loaded, seed, periods, shard, threads, &out),
            PlannedWork::RegionPrecision {
                seed,
                relative,
                max_periods,
                threads,
            } => {
                region_precision_command(&loaded, seed, relative, max_periods, threads, &out, plots)
            }
        }
    }
}
