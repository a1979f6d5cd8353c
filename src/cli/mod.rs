//! The command line: arguments (clap), exit codes and the dispatch of every command; the
//! commands that write results, explain, the headline tables and check's description live in
//! the submodules. The only module that knows about argv.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::TraceEvent;
use crate::model::outcome::fallback_index;
use crate::model::{Facts, Place, Scenario};
use crate::report::output::{self, StagedDir};
use crate::report::schema::{self, Manifest, ScenarioInfo};
use crate::report::shard::{self, RunIdentity, ShardState};
use crate::report::tables;
use crate::run::incidents::{Amount, Replay, RunOptions};
use crate::run::progress::thousands;
use crate::scenario::{self, Loaded, Override};
use crate::units::{CHUNK_INCIDENTS, Shard};

/// Discrete-event Monte Carlo simulator of car lockouts.
#[derive(Debug, Parser)]
#[command(name = "lockout", version = version_text(), about, long_about = None)]
pub struct Cli {
    /// Print no progress bars, headline tables or summaries (errors still go to stderr).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `lockout --version`: the package version, the git commit it was built from and that commit's
/// date (see build.rs; "unknown" outside a git checkout). run.json records only the package
/// version, so results do not change with every commit.
fn version_text() -> &'static str {
    if env!("LOCKOUT_GIT_DATE").is_empty() {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (commit ",
            env!("LOCKOUT_GIT_COMMIT"),
            ")"
        )
    } else {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (commit ",
            env!("LOCKOUT_GIT_COMMIT"),
            ", ",
            env!("LOCKOUT_GIT_DATE"),
            ")"
        )
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write tables, run.json, figures and a report page.
    Run(RunArgs),
    /// Run a scenario for each value of one numeric field, with common random numbers, and
    /// write the headline statistics of every run to sweep.csv.
    Sweep {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The swept field, `PATH=A..B[:STEP]` (inclusive), plus any fixed `PATH=VALUE`.
        #[arg(long = "set", value_name = "PATH=A..B[:STEP]", required = true)]
        set: Vec<String>,
        /// Incidents per run (incident-level scenarios; default: the scenario's).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        incidents: Option<u64>,
        /// Periods per run (region scenarios; default: the region's).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        periods: Option<u64>,
        /// Seed (default: the scenario's), the same for every value.
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        seed: Option<u64>,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = parse_count_usize)]
        threads: usize,
        /// Output directory (default: results/<scenario file stem>-sweep/).
        // The doc comment is the --help text, written for the terminal: no HTML.
        #[allow(rustdoc::invalid_html_tags)]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Skip the staffing figure.
        #[arg(long)]
        no_plots: bool,
    },
    /// Fit the scenario's uncertain parameters ([uncertainty], whose distributions are the
    /// priors) to observed statistics in a targets file: calibration.csv, parameters.csv,
    /// sets.csv and the joint sample posterior.csv for `[uncertainty] samples`.
    Calibrate {
        /// The scenario file (TOML), with an [uncertainty] section.
        scenario: PathBuf,
        /// The targets file (TOML): what was observed, with its uncertainty and source.
        #[arg(long)]
        targets: PathBuf,
        /// Seed (default: the scenario's).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        seed: Option<u64>,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = parse_count_usize)]
        threads: usize,
        /// Output directory (default: results/<scenario file stem>-calibration/).
        #[allow(rustdoc::invalid_html_tags)]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a numeric field: path=value (repeatable), before the sets' values.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Skip drawing the figure and the report page.
        #[arg(long)]
        no_plots: bool,
    },
    /// every strategy for each draw: the probability that each strategy is the cheapest, EVPI
    /// and sensitivity (draws.csv, decision.csv, sensitivity.csv).
    Uncertainty {
        /// The scenario file (TOML), with an [uncertainty] section.
        scenario: PathBuf,
        /// Parameter draws (default: the section's `draws`).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        draws: Option<u64>,
        /// Incidents per draw, under every strategy (default: the section's `incidents`).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        incidents: Option<u64>,
        /// Seed (default: the scenario's).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        seed: Option<u64>,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = parse_count_usize)]
        threads: usize,
        /// Output directory (default: results/<scenario file stem>-uncertainty/).
        #[allow(rustdoc::invalid_html_tags)]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a numeric field: path=value (repeatable), before the draws' values.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Skip drawing figures and the report page.
        #[arg(long)]
        no_plots: bool,
        /// Simulate only part K of N of the draws (contiguous; part 1 also the one-way runs)
        /// and write its partial state, for `lockout merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
    },
    /// Combine the shard directories of one run into the results of the whole run.
    Merge {
        /// The shard directories (all N parts).
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Results directory; replaced atomically.
        #[arg(long)]
        out: PathBuf,
        /// Skip drawing figures and the report page.
        #[arg(long)]
        no_plots: bool,
    },
    /// Validate a scenario and describe the model.
    Check {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Also check a targets file of `lockout calibrate` against the scenario.
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Override a numeric field: path=value (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Print the event trace of incidents exactly as a run sees them.
    Explain {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Incident index, or an inclusive range `A..B` (incident-level scenarios).
        #[arg(long, required_unless_present = "period", conflicts_with = "period")]
        incident: Option<String>,
        /// Period number from 1 (region scenarios): print that period's event log.
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        period: Option<u64>,
        /// Incidents of the run being explained (default: the scenario's `incidents`): an
        /// incident beyond it is refused.
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        incidents: Option<u64>,
        /// Periods of the region run being explained (default: the region's `periods`).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        periods: Option<u64>,
        /// Strategy name (default: the baseline).
        #[arg(long)]
        strategy: Option<String>,
        /// Seed (default: the scenario's `seed`).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        seed: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Override a numeric field: path=value (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Only incidents whose keys this remedy got back (or the fallback's name).
        #[arg(long, value_name = "NAME")]
        remedy: Option<String>,
        /// Only incidents with this outcome.
        #[arg(long, value_enum)]
        outcome: Option<OutcomeFilter>,
        /// With --period: only incidents arriving at or after this time of the period (minutes,
        /// or a duration such as "3 d" or "36 h").
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// With --period: only incidents arriving at or before this time of the period.
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// One line per incident instead of the event trace.
        #[arg(long)]
        summary: bool,
    },
    /// Redraw the figures and the report page of an existing results directory.
    Plot {
        /// A results directory written by `lockout run` (or a sweep directory).
        dir: PathBuf,
    },
    /// Print a shell completion script to stdout, e.g. `lockout completions bash >
    /// ~/.local/share/bash-completion/completions/lockout`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, e.g. `lockout man > ~/.local/share/man/man1/lockout.1`.
    Man,
    /// Write a commented starter scenario to PATH (never over an existing file).
    New {
        /// Where to write it, e.g. scenarios/my-fleet.toml.
        path: PathBuf,
    },
    /// Print a JSON Schema of the scenario format, for editors that complete and check TOML.
    Schema,
}

/// `lockout run`'s arguments as given; `cli/plan.rs` checks them against the scenario.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Number of incidents (default: the scenario's `incidents`).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
    incidents: Option<u64>,
    /// Seed (default: the scenario's `seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
    seed: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = parse_count_usize)]
    threads: usize,
    /// Results directory (default: `results/<scenario file stem>/`); replaced atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a numeric field of the scenario: path=value (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Skip drawing figures and the report page.
    #[arg(long)]
    no_plots: bool,
    /// Simulate only part K of N of the incidents (K from 1) and write its partial state
    /// for `lockout merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Keep simulating batches until every strategy's 95% interval half-width of mean time
    /// and mean total cost is within this fraction of the mean (0.01 = 1%).
    #[arg(long, value_name = "R")]
    precision: Option<f64>,
    /// With --precision: stop after this many incidents even if the target is not met.
    #[arg(long, default_value_t = crate::run::incidents::DEFAULT_MAX_INCIDENTS, allow_negative_numbers = true, value_parser = parse_count)]
    max_incidents: u64,
    /// For a scenario with a [region]: simulated periods (default: the region's `periods`).
    // The doc comment is the --help text, written for the terminal: `[region]` is the TOML
    // table, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
    periods: Option<u64>,
    /// For a region run: also write the Oasis ORD tables (ord/ept.csv, ord/alt.csv,
    /// ord/summary-info.csv).
    #[arg(long)]
    ord: bool,
    /// With --ord: also stream every incident's loss to ord/splt.csv, in period order.
    #[arg(long, requires = "ord")]
    event_table: bool,
}

/// Which incidents `explain` shows, by how they ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutcomeFilter {
    /// The keys came back by a remedy.
    Resolved,
    /// The fallback ended it (horizon reached or every step tried).
    Unresolved,
    /// Region: a call waited in a responder queue.
    Queued,
    /// Region: a call was called off (another route won).
    Abandoned,
}

/// `explain`'s filters and layout.
#[derive(Debug, Clone, Default)]
struct ExplainFilter {
    remedy: Option<String>,
    outcome: Option<OutcomeFilter>,
    from_min: Option<f64>,
    to_min: Option<f64>,
    summary: bool,
}

impl ExplainFilter {
    fn any(&self) -> bool {
        self.remedy.is_some()
            || self.outcome.is_some()
            || self.from_min.is_some()
            || self.to_min.is_some()
    }
}

/// Output format of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable.
    Text,
    /// JSON with full-precision values.
    Json,
}

/// Entry point used by `main`: runs the command, prints any error, returns the exit code
/// (0 success, 2 bad input or usage, 1 a failure while running or writing, 128 + the signal
/// number when interrupted: 130 for Ctrl-C).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = crate::report::output::install_interrupt_cleanup() {
        eprintln!(
            "warning: cannot handle interrupts ({e}); an interrupted run may leave a hidden staging directory, which the next run removes"
        );
    }
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Output piped into `head` and closed early: not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// A command-line value or combination of options that cannot be used (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Set from `--quiet` by [`execute`]: progress bars, headline tables and summaries are not
/// printed. The output a command exists for (`check`, `explain`, `completions`, `man`) and
/// errors are.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// `println!` unless `--quiet`: for progress reports, headlines and summaries.
macro_rules! say {
    ($($arg:tt)*) => {
        if !quiet() {
            println!($($arg)*);
        }
    };
}

/// Returns early with a [`UsageError`].
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(UsageError(format!($($arg)*)).into())
    };
}

/// `lockout calibrate`: the uncertain parameters fitted to observed statistics.
pub mod calibrate;
mod describe;
mod explain;
mod headline;
mod plan;
mod run;
/// `lockout sweep`: one run per value of a field.
mod sweep;
/// `lockout uncertainty`: parameter draws, the decision over them, sensitivity.
pub mod uncertainty;

pub use describe::describe;
use explain::{explain_command, explain_period, strategy_index};
use headline::{print_headline, print_region_headline};
use run::merge_command;

/// The exit code for an error: 1 when the machine failed us (a file could not be written or
/// read for a reason other than its content), 2 when the input is wrong (the scenario, an
/// option, an output path lockout must not touch, a damaged or foreign file).
pub fn exit_code(e: &anyhow::Error) -> u8 {
    use crate::report::figures::read::PlotError;
    use crate::report::output::OutputError;
    for cause in e.chain() {
        if cause.is::<UsageError>() || cause.is::<scenario::ScenarioError>() {
            return 2;
        }
        if let Some(o) = cause.downcast_ref::<OutputError>() {
            return if o.is_bad_input() { 2 } else { 1 };
        }
        if let Some(p) = cause.downcast_ref::<PlotError>() {
            return match p {
                PlotError::Io { .. } | PlotError::Font { .. } | PlotError::Draw { .. } => 1,
                PlotError::Output(o) if !o.is_bad_input() => 1,
                _ => 2,
            };
        }
        // csv's errors do not expose the I/O error they wrap as their source.
        if cause.is::<std::io::Error>()
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(csv::Error::is_io_error)
        {
            return 1;
        }
    }
    2
}

/// Runs one command.
pub fn execute(cli: Cli) -> anyhow::Result<()> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Run(args) => plan::RunPlan::from_args(args)?.execute(),
        Command::Merge {
            parts,
            out,
            no_plots,
        } => {
            if parts.iter().any(|p| uncertainty::is_uncertainty_part(p)) {
                uncertainty::merge_uncertainty(&parts, &out, !no_plots)
            } else {
                merge_command(&parts, &out, !no_plots)
            }
        }
        Command::Sweep {
            scenario,
            set,
            incidents,
            periods,
            seed,
            threads,
            out,
            no_plots,
        } => {
            let out = out.unwrap_or_else(|| {
                let mut d = default_out_dir(&scenario).into_os_string();
                d.push("-sweep");
                PathBuf::from(d)
            });
            let opts = sweep::SweepOptions {
                incidents,
                periods,
                seed,
                threads,
                plots: !no_plots,
            };
            sweep::run_sweep(&scenario, &set, &opts, &out)
        }
        Command::Uncertainty {
            scenario,
            draws,
            incidents,
            seed,
            threads,
            out,
            set,
            no_plots,
            shard,
        } => uncertainty::uncertainty_command(uncertainty::UncertaintyArgs {
            scenario,
            draws,
            incidents,
            seed,
            threads,
            out,
            set,
            plots: !no_plots,
            shard,
        }),
        Command::Check {
            scenario,
            targets,
            set,
        } => {
            let loaded = match &targets {
                Some(t) => calibrate::load_with_targets(&scenario, t, &set)?.0,
                None => load(&scenario, &set)?,
            };
            print!("{}", describe(&loaded.scenario));
            if let Some(t) = &targets {
                println!("targets {}: accepted", t.display());
            }
            Ok(())
        }
        Command::Calibrate {
            scenario,
            targets,
            seed,
            threads,
            out,
            set,
            no_plots,
        } => calibrate::calibrate_command(calibrate::CalibrateArgs {
            scenario,
            targets,
            seed,
            threads,
            out,
            set,
            plots: !no_plots,
        }),
        Command::Explain {
            scenario,
            incident,
            strategy,
            seed,
            format,
            set,
            period,
            incidents,
            periods,
            remedy,
            outcome,
            from,
            to,
            summary,
        } => {
            let loaded = load(&scenario, &set)?;
            let sc = &loaded.scenario;
            let s = strategy_index(sc, strategy.as_deref())?;
            let seed = seed.unwrap_or(sc.seed);
            if let Some(r) = &remedy
                && !sc.names.remedies.contains(r)
                && !sc.names.fallbacks.contains(r)
            {
                usage!(
                    "--remedy {r}: no such remedy (remedies: {}; or a fallback: {})",
                    sc.names.remedies.join(", "),
                    sc.names.fallbacks.join(", ")
                );
            }
            if period.is_none() && (from.is_some() || to.is_some()) {
                usage!("--from and --to choose a time window of a period: use them with --period");
            }
            if sc.region.is_none()
                && matches!(
                    outcome,
                    Some(OutcomeFilter::Queued | OutcomeFilter::Abandoned)
                )
            {
                usage!(
                    "--outcome queued and abandoned concern responder queues: region scenarios only"
                );
            }
            let filter = ExplainFilter {
                remedy,
                outcome,
                from_min: from
                    .as_deref()
                    .map(|t| parse_time_of_period("--from", t))
                    .transpose()?,
                to_min: to
                    .as_deref()
                    .map(|t| parse_time_of_period("--to", t))
                    .transpose()?,
                summary,
            };
            match (period, incident, &sc.region) {
                (Some(k), _, Some(region)) => {
                    let periods = periods.unwrap_or(region.periods);
                    if k > periods {
                        usage!(
                            "--period {k} is beyond the run's {periods} periods (--periods; default: the region's `periods`)"
                        );
                    }
                    explain_period(sc, region, seed, k, s, format, &filter)
                }
                (Some(_), _, None) => {
                    usage!(
                        "--period applies to region scenarios; use --incident for {}",
                        loaded.path
                    )
                }
                (None, _, Some(_)) => usage!(
                    "{} is a region scenario: explain one period with --period K (K from 1)",
                    loaded.path
                ),
                (None, Some(incident), None) => {
                    let incidents = incidents.unwrap_or(sc.incidents);
                    explain_command(sc, &incident, incidents, s, seed, format, &filter)
                }
                (None, None, None) => usage!("give --incident I (or --period K for a region)"),
            }
        }
        Command::Plot { dir } => plot_command(&dir),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Generated into memory: clap_complete panics on a failed write (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "lockout", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)?;
            Ok(out.flush()?)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            Ok(out.flush()?)
        }
        Command::New { path } => new_command(&path),
        Command::Schema => {
            let text = serde_json::to_string_pretty(&scenario::schema::json_schema())?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{text}")?;
            out.flush()?;
            Ok(())
        }
    }
}

/// `lockout new PATH`: the starter scenario, written atomically, never over an existing file.
fn new_command(path: &Path) -> anyhow::Result<()> {
    if path.extension().is_none_or(|e| e != "toml") {
        usage!(
            "{}: a scenario file ends in .toml (e.g. scenarios/my-fleet.toml)",
            path.display()
        );
    }
    output::write_new_file(path, scenario::STARTER.as_bytes())?;
    println!(
        "wrote {0}; edit it, then `lockout check {0}` and `lockout run {0}`",
        path.display()
    );
    Ok(())
}

/// A time of the period for `--from`/`--to`: minutes, or a duration with its unit.
fn parse_time_of_period(option: &str, text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    let minutes = match t.parse::<f64>() {
        Ok(m) => m,
        Err(_) => {
            crate::dist::parse_duration(t).map_err(|e| UsageError(format!("{option} {t}: {e}")))?
        }
    };
    if !(minutes.is_finite() && minutes >= 0.0) {
        usage!(
            "{option} {t}: give minutes from the period's start (>= 0), or a duration such as \"3 d\""
        );
    }
    Ok(minutes)
}

fn load(path: &Path, set: &[String]) -> anyhow::Result<Loaded> {
    let overrides = set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)?;
    Ok(scenario::load(path, &overrides)?)
}

/// Redraws the figures and the page of a results directory in place, each file atomically,
/// overwriting only files lockout wrote there (listed in its marker) and adding the new ones to
/// the marker.
fn plot_command(dir: &Path) -> anyhow::Result<()> {
    use crate::report::figures::{FIGURE_NAMES, REGION_FIGURE_NAMES, SWEEP_FIGURE_NAMES};
    // A sweep directory (from `lockout sweep`) has sweep.csv and no summary.csv.
    if dir.join("sweep.csv").is_file() && !dir.join("summary.csv").exists() {
        let names: Vec<String> = SWEEP_FIGURE_NAMES
            .iter()
            .flat_map(|n| [format!("{n}.png"), format!("{n}.svg")])
            .collect();
        output::check_may_write(dir, &names)?;
        let written = crate::report::figures::draw_sweep_figures(dir)
            .with_context(|| format!("cannot draw the figures of {}", dir.display()))?;
        output::record_written(dir, &written)?;
        println!("redrew the sweep figures in {}", dir.display());
        return Ok(());
    }
    // A calibration directory (from `lockout calibrate`) has calibration.csv.
    if dir.join("calibration.csv").is_file() && !dir.join("summary.csv").exists() {
        use crate::report::figures::CALIBRATION_FIGURE_NAMES;
        let mut names: Vec<String> = CALIBRATION_FIGURE_NAMES
            .iter()
            .flat_map(|n| [format!("{n}.png"), format!("{n}.svg")])
            .collect();
        names.push(crate::report::page::REPORT_FILE.to_string());
        output::check_may_write(dir, &names)?;
        let written = crate::report::calibration::render_calibration(dir)
            .with_context(|| format!("cannot draw the figure of {}", dir.display()))?;
        output::record_written(dir, &written)?;
        say!("redrew the figure and report in {}", dir.display());
        return Ok(());
    }
    // An uncertainty directory (from `lockout uncertainty`) has decision.csv.
    if dir.join("decision.csv").is_file() && !dir.join("summary.csv").exists() {
        use crate::report::figures::UNCERTAINTY_FIGURE_NAMES;
        let mut names: Vec<String> = UNCERTAINTY_FIGURE_NAMES
            .iter()
            .flat_map(|n| [format!("{n}.png"), format!("{n}.svg")])
            .collect();
        names.push(crate::report::page::REPORT_FILE.to_string());
        output::check_may_write(dir, &names)?;
        let written = crate::report::uncertainty_page::render_uncertainty(dir)
            .with_context(|| format!("cannot draw the figures of {}", dir.display()))?;
        output::record_written(dir, &written)?;
        say!("redrew figures and report in {}", dir.display());
        return Ok(());
    }
    let mut names: Vec<String> = FIGURE_NAMES
        .iter()
        .chain(REGION_FIGURE_NAMES.iter())
        .flat_map(|n| [format!("{n}.png"), format!("{n}.svg")])
        .collect();
    names.push(crate::report::page::REPORT_FILE.to_string());
    output::check_may_write(dir, &names)?;
    let written = crate::report::page::render_all(dir)
        .with_context(|| format!("cannot draw the figures of {}", dir.display()))?;
    output::record_written(dir, &written)?;
    say!("redrew figures and report in {}", dir.display());
    Ok(())
}

/// The scenario as run.json records it: name, description, the file as given and its SHA-256.
pub(crate) fn scenario_info(loaded: &Loaded) -> ScenarioInfo {
    let sc = &loaded.scenario;
    ScenarioInfo {
        name: sc.name.clone(),
        description: sc.description.clone(),
        path: loaded.path.clone(),
        sha256: loaded.sha256.clone(),
    }
}

/// `results/<scenario file stem>/`.
pub fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("results").join(stem)
}

/// Parses a whole number as TOML writes it: digits with optional `_` separators
/// (`1_000_000`), or an exponent form that is an exact whole number (`1e6`, `2.5e3`).
/// Negative, fractional and out-of-range values are refused with a message that says so.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("{t} is negative: give a whole number of 0 or more"));
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__");
    if plain {
        return digits
            .replace('_', "")
            .parse::<u64>()
            .map_err(|_| format!("{t} is too large (at most {})", u64::MAX));
    }
    if digits.contains(['e', 'E'])
        && !digits.contains('_')
        && let Ok(x) = digits.parse::<f64>()
    {
        // Exact: up to 2^53 every whole f64 is exactly the integer the text says.
        if x.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&x) {
            return Ok(x as u64);
        }
        return Err(format!("{t} is not a whole number"));
    }
    Err(format!(
        "{t} is not a whole number (write it as 1000000, 1_000_000 or 1e6)"
    ))
}

fn parse_count_usize(text: &str) -> Result<usize, String> {
    let n = parse_count(text)?;
    usize::try_from(n).map_err(|_| format!("{n} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn counts_are_read_as_toml_writes_them() {
        assert_eq!(parse_count("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_count("1e6"), Ok(1_000_000));
        assert_eq!(parse_count("2.5e3"), Ok(2500));
        assert_eq!(parse_count("42"), Ok(42));
        for bad in ["2.5", "1e-3", "-1", "1__0", "_1", "1_", "", "1e30", "x"] {
            assert!(parse_count(bad).is_err(), "{bad} accepted");
        }
        assert!(parse_count("-1").unwrap_err().contains("negative"));
    }
}
