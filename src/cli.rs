//! The command line: `run`, `check`, `explain`, `plot`. The only module that knows about argv.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::TraceEvent;
use crate::model::outcome::FALLBACK;
use crate::model::{Facts, Place, Scenario};
use crate::report::manifest::{self, Manifest, ScenarioInfo};
use crate::report::output::{self, StagedDir};
use crate::report::shard::{self, RunIdentity, ShardState};
use crate::report::tables;
use crate::runner::{self, Amount, CHUNK_INCIDENTS, RunOptions};
use crate::scenario::{self, Loaded, Override};

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
    Run {
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
        #[arg(long, default_value_t = runner::DEFAULT_MAX_INCIDENTS, allow_negative_numbers = true, value_parser = parse_count)]
        max_incidents: u64,
        /// For a scenario with a [region]: simulated periods (default: the region's `periods`).
        #[arg(long, allow_negative_numbers = true, value_parser = parse_count)]
        periods: Option<u64>,
        /// For a region run: also write the Oasis ORD tables (ord/ept.csv, ord/alt.csv,
        /// ord/summary-info.csv).
        #[arg(long)]
        ord: bool,
        /// With --ord: also stream every incident's loss to ord/splt.csv, in period order.
        #[arg(long, requires = "ord")]
        event_table: bool,
    },
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
        #[arg(long)]
        out: Option<PathBuf>,
        /// Skip the staffing figure.
        #[arg(long)]
        no_plots: bool,
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

/// The exit code for an error: 1 when the machine failed us (a file could not be written or
/// read for a reason other than its content), 2 when the input is wrong (the scenario, an
/// option, an output path lockout must not touch, a damaged or foreign file).
pub fn exit_code(e: &anyhow::Error) -> u8 {
    use crate::report::output::OutputError;
    use crate::report::plots::PlotError;
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
        Command::Run {
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
        } => {
            let loaded = load(&scenario, &set)?;
            let out = out.unwrap_or_else(|| default_out_dir(&scenario));
            let sc = &loaded.scenario;
            runner::check_run_options(
                sc,
                incidents,
                periods,
                threads,
                shard.as_deref(),
                max_incidents,
            )
            .map_err(anyhow::Error::msg)?;
            if let Some(region) = &sc.region {
                if incidents.is_some() {
                    usage!(
                        "{} is a region scenario: use --periods; --incidents applies to incident-level runs",
                        loaded.path
                    );
                }
                let periods = periods.unwrap_or(region.periods);
                if let Some(shard) = &shard {
                    let shard = runner::Shard::parse(shard).map_err(UsageError)?;
                    if precision.is_some() {
                        usage!(
                            "--precision cannot be combined with --shard: where a precision run stops depends on all of its results"
                        );
                    }
                    return region_shard_command(
                        &loaded,
                        seed.unwrap_or(sc.seed),
                        periods,
                        shard,
                        threads,
                        &out,
                    );
                }
                if let Some(relative) = precision {
                    return region_precision_command(
                        &loaded,
                        seed.unwrap_or(sc.seed),
                        relative,
                        periods,
                        threads,
                        &out,
                        !no_plots,
                    );
                }
                return region_run_command(
                    &loaded,
                    seed.unwrap_or(sc.seed),
                    periods,
                    threads,
                    &out,
                    !no_plots,
                    Ord {
                        tables: ord,
                        event_table,
                    },
                );
            }
            if periods.is_some() {
                usage!(
                    "--periods applies to scenarios with a [region] section; {} has none",
                    loaded.path
                );
            }
            let shard = shard
                .as_deref()
                .map(runner::Shard::parse)
                .transpose()
                .map_err(UsageError)?;
            if precision.is_some() && shard.is_some() {
                usage!(
                    "--precision cannot be combined with --shard: where a precision run stops depends on all of its results"
                );
            }
            let amount = match precision {
                Some(relative) => Amount::Precision {
                    relative,
                    min_incidents: incidents.unwrap_or(0),
                    max_incidents,
                },
                None => Amount::Incidents(incidents.unwrap_or(sc.incidents)),
            };
            let opts = RunOptions {
                seed: seed.unwrap_or(sc.seed),
                amount,
                shard,
                threads,
                progress: !quiet(),
            };
            run_command(&loaded, &opts, &out, !no_plots)
        }
        Command::Merge {
            parts,
            out,
            no_plots,
        } => merge_command(&parts, &out, !no_plots),
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
            let opts = crate::sweep::SweepOptions {
                incidents,
                periods,
                seed,
                threads,
                plots: !no_plots,
            };
            crate::sweep::run_sweep(&scenario, &set, &opts, &out)
        }
        Command::Check { scenario, set } => {
            let loaded = load(&scenario, &set)?;
            print!("{}", describe(&loaded.scenario));
            Ok(())
        }
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
                && *r != sc.names.fallback
            {
                usage!(
                    "--remedy {r}: no such remedy (remedies: {}; or the fallback, \"{}\")",
                    sc.names.remedies.join(", "),
                    sc.names.fallback
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
    use crate::report::plots::{FIGURE_NAMES, REGION_FIGURE_NAMES, SWEEP_FIGURE_NAMES};
    // A sweep directory (from `lockout sweep`) has sweep.csv and no summary.csv.
    if dir.join("sweep.csv").is_file() && !dir.join("summary.csv").exists() {
        let names: Vec<String> = SWEEP_FIGURE_NAMES
            .iter()
            .flat_map(|n| [format!("{n}.png"), format!("{n}.svg")])
            .collect();
        output::check_may_write(dir, &names)?;
        let written = crate::report::plots::draw_sweep_figures(dir)
            .with_context(|| format!("cannot draw the figures of {}", dir.display()))?;
        output::record_written(dir, &written)?;
        println!("redrew the sweep figures in {}", dir.display());
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

/// `results/<scenario file stem>/`.
pub fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("results").join(stem)
}

fn run_command(loaded: &Loaded, opts: &RunOptions, out: &Path, plots: bool) -> anyhow::Result<()> {
    let sc = &loaded.scenario;
    // Refuse an unusable --out before simulating anything.
    let staged = StagedDir::create(out)?;
    let result = runner::run(sc, opts)?;
    let secs = result.wall_time.as_secs_f64();
    let simulated = result.simulated.end - result.simulated.start;
    let mut manifest = manifest_for(loaded, opts.seed, result.incidents, result.threads, secs);
    manifest.incidents_per_second = simulated as f64 / secs;
    manifest.evaluations_per_second = (simulated * sc.strategies.len() as u64) as f64 / secs;
    if let (
        Amount::Precision {
            relative,
            max_incidents,
            ..
        },
        Some((reached, met)),
    ) = (opts.amount, result.precision)
    {
        manifest.precision_target = Some(relative);
        manifest.precision_reached = Some(reached);
        manifest.precision_met = Some(met);
        manifest.max_incidents = Some(max_incidents);
    }
    if let Some(shard) = opts.shard {
        // A shard writes its partial state and manifest, never tables or figures.
        manifest.shard = Some(shard);
        let state = ShardState {
            format: shard::STATE_FORMAT.into(),
            identity: identity_of(loaded, opts.seed, result.incidents),
            shard,
            simulated: [result.simulated.start, result.simulated.end],
            threads: result.threads,
            wall_time_s: secs,
            tally: result.tally,
            region: None,
        };
        let dir = write_shard(staged, &state, &manifest)?;
        say!(
            "{}: shard {}/{} simulated incidents {}..{} of {} in {:.2} s; merge all {} parts with `lockout merge`; wrote {}",
            sc.name,
            shard.index,
            shard.count,
            result.simulated.start,
            result.simulated.end,
            result.incidents,
            secs,
            shard.count,
            dir.display()
        );
        return Ok(());
    }
    let dir = write_results(staged, sc, &result.tally, &manifest, plots)?;
    print_headline(sc, &result.tally, opts.seed, result.incidents, secs, &dir);
    if let Some((reached, met)) = result.precision {
        say!(
            "precision: largest 95% half-width {:.4} of the mean after {} incidents ({})",
            reached,
            result.incidents,
            if met {
                "target met"
            } else {
                "stopped at --max-incidents before the target"
            }
        );
    }
    Ok(())
}

/// One shard of a region run: its contiguous share of the periods, written as partial state.
fn region_shard_command(
    loaded: &Loaded,
    seed: u64,
    periods: u64,
    shard: runner::Shard,
    threads: usize,
    out: &Path,
) -> anyhow::Result<()> {
    let sc = &loaded.scenario;
    let region = sc.region.as_ref().expect("checked by the caller");
    let staged = StagedDir::create(out)?;
    let share = shard.chunks(periods);
    let started = std::time::Instant::now();
    let (partial, threads) = if share.is_empty() {
        (crate::region::Partial::empty(sc, region), threads)
    } else {
        crate::region::simulate_periods(
            sc,
            region,
            seed,
            share.start + 1..=share.end,
            threads,
            !quiet(),
        )?
    };
    let secs = started.elapsed().as_secs_f64();
    let mut identity = identity_of(loaded, seed, 0);
    identity.periods = Some(periods);
    let state = ShardState {
        format: shard::STATE_FORMAT.into(),
        identity,
        shard,
        simulated: [share.start + 1, share.end + 1],
        threads,
        wall_time_s: secs,
        tally: crate::tally::RunTally::new_unpaired(sc),
        region: Some(partial),
    };
    let mut manifest = manifest_for(loaded, seed, 0, threads, secs);
    manifest.periods = Some(periods);
    manifest.shard = Some(shard);
    let dir = write_shard(staged, &state, &manifest)?;
    say!(
        "{}: shard {}/{} simulated periods {}..={} of {periods} in {secs:.2} s; wrote {}",
        sc.name,
        shard.index,
        shard.count,
        share.start + 1,
        share.end,
        dir.display()
    );
    Ok(())
}

/// A region run with `--precision`: `periods` is the cap.
fn region_precision_command(
    loaded: &Loaded,
    seed: u64,
    relative: f64,
    max_periods: u64,
    threads: usize,
    out: &Path,
    plots: bool,
) -> anyhow::Result<()> {
    let sc = &loaded.scenario;
    let region = sc.region.as_ref().expect("checked by the caller");
    let staged = StagedDir::create(out)?;
    let (run, reached, met) = crate::region::run_until_precise(
        sc,
        region,
        seed,
        relative,
        max_periods,
        threads,
        !quiet(),
    )?;
    let mut manifest = region_manifest(loaded, seed, &run);
    manifest.precision_target = Some(relative);
    manifest.precision_reached = Some(reached);
    manifest.precision_met = Some(met);
    let dir = commit_region_results(staged, sc, &run, &manifest, plots, false)?;
    say!(
        "{}: {} periods; largest 95% half-width of the AAL {:.4} of it ({}); wrote {}",
        sc.name,
        run.periods,
        reached,
        if met {
            "target met"
        } else {
            "stopped at --periods before the target"
        },
        dir.display()
    );
    print_region_headline(sc, region, &run, &dir);
    Ok(())
}

fn region_manifest(loaded: &Loaded, seed: u64, run: &crate::region::RegionRun) -> Manifest {
    let sc = &loaded.scenario;
    let secs = run.wall_time.as_secs_f64();
    let incidents = run.tally.strategy(sc.baseline).time.count();
    let mut manifest = manifest_for(loaded, seed, incidents, run.threads, secs);
    manifest.periods = Some(run.periods);
    manifest.events_per_second = Some(run.events as f64 / secs);
    manifest
}

/// Writes a finished region run's tables, run.json and (if `plots`) figures into `staged`,
/// then puts it in place.
fn commit_region_results(
    staged: StagedDir,
    sc: &Scenario,
    run: &crate::region::RegionRun,
    manifest: &Manifest,
    plots: bool,
    ord_tables: bool,
) -> anyhow::Result<PathBuf> {
    let region = sc.region.as_ref().expect("a region run");
    write_region_tables(staged.path(), sc, region, run, ord_tables)?;
    write_manifest(staged.path(), manifest)?;
    if plots {
        crate::report::page::render_all(staged.path()).context("cannot draw the figures")?;
    }
    Ok(staged.commit()?)
}

/// Writes the core tables and the region tables of a finished region run into `dir`.
fn write_region_tables(
    dir: &Path,
    sc: &Scenario,
    region: &crate::model::region::Region,
    run: &crate::region::RegionRun,
    ord: bool,
) -> anyhow::Result<()> {
    // Each table is written by `write` into its file; an error names the file.
    let table = |name: &str,
                 write: &dyn Fn(std::io::BufWriter<std::fs::File>) -> anyhow::Result<()>|
     -> anyhow::Result<()> {
        let path = dir.join(name);
        write(output::create(&path)?).with_context(|| format!("cannot write {}", path.display()))
    };
    tables::write_all(dir, sc, &run.tally)?;
    table("responders.csv", &|w| {
        crate::report::region_tables::write_responders(w, sc, run)?;
        Ok(())
    })?;
    table("waits.csv", &|w| {
        crate::report::region_tables::write_waits(w, sc, run)?;
        Ok(())
    })?;
    let series = run.loss_series(sc, region);
    let rps = crate::region::losses::STANDARD_RETURN_PERIODS;
    use crate::report::loss_tables as l;
    let (currency, price_year) = (&sc.currency, sc.price_year);
    table("ylt.csv", &|w| {
        l::write_ylt(w, &series, currency, price_year)?;
        Ok(())
    })?;
    table("ep_curve.csv", &|w| {
        l::write_ep_curve(w, &series, &rps, currency, price_year)?;
        Ok(())
    })?;
    table("insurer_cost.csv", &|w| {
        l::write_insurer_cost(w, &series, currency, price_year)?;
        Ok(())
    })?;
    if ord {
        output::create_dir_all(&dir.join("ord"))?;
        table("ord/ept.csv", &|w| {
            l::write_ord_ept(w, &series, &rps)?;
            Ok(())
        })?;
        table("ord/alt.csv", &|w| {
            l::write_ord_alt(w, &series)?;
            Ok(())
        })?;
        table("ord/summary-info.csv", &|w| {
            l::write_ord_summary_info(w, &series)?;
            Ok(())
        })?;
    }
    Ok(())
}

/// Which Oasis ORD files a region run writes.
#[derive(Debug, Clone, Copy)]
struct Ord {
    /// ept.csv, alt.csv, summary-info.csv.
    tables: bool,
    /// splt.csv, streamed.
    event_table: bool,
}

fn region_run_command(
    loaded: &Loaded,
    seed: u64,
    periods: u64,
    threads: usize,
    out: &Path,
    plots: bool,
    ord: Ord,
) -> anyhow::Result<()> {
    let sc = &loaded.scenario;
    let region = sc.region.as_ref().expect("checked by the caller");
    let staged = StagedDir::create(out)?;
    let splt_path = staged.path().join("ord/splt.csv");
    let mut splt = if ord.event_table {
        output::create_dir_all(&staged.path().join("ord"))?;
        let f = output::create(&splt_path)?;
        Some(
            crate::report::loss_tables::SpltWriter::new(f)
                .with_context(|| format!("cannot write {}", splt_path.display()))?,
        )
    } else {
        None
    };
    let sink = splt
        .as_mut()
        .map(|w| w as &mut dyn crate::region::EventSink);
    let run = crate::region::run(sc, region, seed, periods, threads, !quiet(), sink);
    let run = if ord.event_table {
        run.with_context(|| format!("cannot write {}", splt_path.display()))?
    } else {
        run?
    };
    if let Some(w) = splt {
        use std::io::Write as _;
        w.finish()
            .and_then(|mut f| f.flush().map_err(Into::into))
            .with_context(|| format!("cannot write {}", splt_path.display()))?;
    }
    let secs = run.wall_time.as_secs_f64();
    let manifest = region_manifest(loaded, seed, &run);
    let dir = commit_region_results(staged, sc, &run, &manifest, plots, ord.tables)?;
    say!(
        "{}: {periods} periods x {} strategies, seed {seed}, {:.2} s ({:.3e} events/s); wrote {}",
        sc.name,
        sc.strategies.len(),
        secs,
        run.events as f64 / secs,
        dir.display()
    );
    print_region_headline(sc, region, &run, &dir);
    Ok(())
}

fn merge_command(parts: &[PathBuf], out: &Path, plots: bool) -> anyhow::Result<()> {
    let staged = StagedDir::create(out)?;
    // A part that cannot be read or does not fit is bad input (exit code 2), whatever the cause.
    let as_input = |e: anyhow::Error| UsageError(format!("{e:#}"));
    let states = parts
        .iter()
        .map(|dir| Ok((dir.display().to_string(), shard::read_state(dir)?)))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(as_input)?;
    let id = shard::check_parts(&states).map_err(as_input)?;
    // The scenario is needed for names and money settings: it must be the very same file.
    let overrides = id
        .overrides
        .iter()
        .map(|o| Override::parse(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)?;
    let loaded = scenario::load(Path::new(&id.scenario_path), &overrides)?;
    if loaded.sha256 != id.scenario_sha256 {
        usage!(
            "{} has changed since the shards were run (sha256 {} now, {} then)",
            id.scenario_path,
            loaded.sha256,
            id.scenario_sha256
        );
    }
    let sc = &loaded.scenario;
    shard::validate_parts(&states, sc).map_err(as_input)?;
    let threads = states.iter().map(|(_, s)| s.threads).sum();
    let secs: f64 = states.iter().map(|(_, s)| s.wall_time_s).sum();
    if let (Some(region), Some(periods)) = (&sc.region, id.periods) {
        let partial = shard::merge_region(states, sc, region).map_err(as_input)?;
        let run = partial
            .finish(periods, threads, std::time::Duration::from_secs_f64(secs))
            .map_err(as_input)?;
        let mut manifest = region_manifest(&loaded, id.seed, &run);
        manifest.merged_shards = Some(parts.len() as u64);
        let dir = commit_region_results(staged, sc, &run, &manifest, plots, false)?;
        say!(
            "{}: merged {} parts, {periods} periods; wrote {}",
            sc.name,
            parts.len(),
            dir.display()
        );
        print_region_headline(sc, region, &run, &dir);
        return Ok(());
    }
    let tally = shard::merge_tallies(&states).map_err(as_input)?;
    let mut manifest = manifest_for(&loaded, id.seed, id.incidents, threads, secs);
    manifest.merged_shards = Some(states.len() as u64);
    let dir = write_results(staged, sc, &tally, &manifest, plots)?;
    print_headline(sc, &tally, id.seed, id.incidents, secs, &dir);
    Ok(())
}

fn identity_of(loaded: &Loaded, seed: u64, incidents: u64) -> RunIdentity {
    RunIdentity {
        scenario_path: loaded.path.clone(),
        scenario_sha256: loaded.sha256.clone(),
        overrides: loaded.overrides.clone(),
        seed,
        incidents,
        periods: None,
        lockout_version: env!("CARGO_PKG_VERSION").into(),
        math_backend: manifest::MATH_BACKEND.into(),
        generator: crate::engine::streams::GENERATOR.into(),
    }
}

fn manifest_for(loaded: &Loaded, seed: u64, incidents: u64, threads: usize, secs: f64) -> Manifest {
    let sc = &loaded.scenario;
    Manifest {
        scenario: ScenarioInfo {
            name: sc.name.clone(),
            description: sc.description.clone(),
            path: loaded.path.clone(),
            sha256: loaded.sha256.clone(),
        },
        overrides: loaded.overrides.clone(),
        seed,
        incidents,
        threads,
        chunk_incidents: CHUNK_INCIDENTS,
        strategies: sc.strategies.iter().map(|s| s.name.clone()).collect(),
        baseline: sc.strategies[sc.baseline].name.clone(),
        generator: crate::engine::streams::GENERATOR.into(),
        math_backend: manifest::MATH_BACKEND.into(),
        lockout_version: env!("CARGO_PKG_VERSION").into(),
        platform: manifest::platform(),
        currency: sc.currency.clone(),
        price_year: sc.price_year,
        value_of_time_per_hour: sc.value_of_time_per_hour,
        confidence_level: crate::stats::CI_LEVEL,
        quantile_method: manifest::QUANTILE_METHOD.into(),
        wall_time_s: secs,
        incidents_per_second: incidents as f64 / secs,
        evaluations_per_second: (incidents * sc.strategies.len() as u64) as f64 / secs,
        shard: None,
        merged_shards: None,
        precision_target: None,
        precision_reached: None,
        precision_met: None,
        max_incidents: None,
        periods: None,
        events_per_second: None,
    }
}

/// Writes a shard's partial state and manifest (never tables or figures) into `staged` and
/// puts it in place.
fn write_shard(
    staged: StagedDir,
    state: &ShardState,
    manifest: &Manifest,
) -> anyhow::Result<PathBuf> {
    output::write(
        &staged.path().join(shard::STATE_FILE),
        &shard::state_file_bytes(state)?,
    )?;
    write_manifest(staged.path(), manifest)?;
    Ok(staged.commit()?)
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(manifest)? + "\n";
    output::write(&dir.join("run.json"), json.as_bytes())?;
    Ok(())
}

/// Writes tables, run.json and (unless `plots` is false) figures and the report page into
/// `staged`, then puts it in place of its target.
fn write_results(
    staged: StagedDir,
    sc: &Scenario,
    tally: &crate::tally::RunTally,
    manifest: &Manifest,
    plots: bool,
) -> anyhow::Result<PathBuf> {
    tables::write_all(staged.path(), sc, tally)?;
    write_manifest(staged.path(), manifest)?;
    if plots {
        crate::report::page::render_all(staged.path()).context("cannot draw the figures")?;
    }
    Ok(staged.commit()?)
}

fn print_headline(
    sc: &Scenario,
    tally: &crate::tally::RunTally,
    seed: u64,
    incidents: u64,
    secs: f64,
    dir: &Path,
) {
    if quiet() {
        return;
    }
    let rows = tables::summarise(sc, tally);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}: {} incidents x {} strategies, seed {}, {:.2} s ({:.3e} evaluations/s)",
        sc.name,
        incidents,
        sc.strategies.len(),
        seed,
        secs,
        (incidents * sc.strategies.len() as u64) as f64 / secs
    );
    let _ = write!(out, "{}", headline_table(&rows));
    let _ = writeln!(
        out,
        "n = {} incidents per strategy; {} confidence intervals{}; money in {} at {} prices; all columns in {}",
        runner::thousands(incidents),
        ci_label(),
        if tally.paired {
            ", differences paired incident by incident"
        } else {
            ""
        },
        sc.currency,
        sc.price_year,
        dir.join("summary.csv").display()
    );
}

/// "95%": the confidence level of every interval lockout reports.
fn ci_label() -> String {
    format!("{}%", crate::stats::CI_LEVEL * 100.0)
}

/// The headline table of an incident-level run, from the `summary.csv` rows: mean time to
/// access, mean total cost and its difference from the baseline, each with its interval, and
/// the expected annual cost per vehicle (money in the scenario's currency).
pub fn headline_table(rows: &[tables::StrategySummary]) -> String {
    let ci = format!("{} CI", ci_label());
    let header = [
        "strategy".to_string(),
        "time (min)".into(),
        ci.clone(),
        "total cost".into(),
        ci.clone(),
        "vs baseline".into(),
        ci,
        "annual/vehicle".into(),
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let (diff, diff_ci) = if r.baseline {
                ("baseline".to_string(), String::new())
            } else {
                (
                    number(r.total_cost_diff[0], 2),
                    interval(r.total_cost_diff[1], r.total_cost_diff[2], 2),
                )
            };
            vec![
                r.strategy.clone(),
                number(r.time[0], 1),
                interval(r.time[2], r.time[3], 1),
                number(r.total_cost[0], 2),
                interval(r.total_cost[1], r.total_cost[2], 2),
                diff,
                diff_ci,
                number(r.annual_cost_per_vehicle[0], 2),
            ]
        })
        .collect();
    text_table(&header, &body)
}

/// Prints the headline table of a region run (unless `--quiet`): per strategy the average
/// annual loss per vehicle-year (ground-up, and insured when the region has policy terms) and
/// for the whole region, each with its interval, and the mean time to access. The numbers are
/// those of `insurer_cost.csv` and `summary.csv`.
fn print_region_headline(
    sc: &Scenario,
    region: &crate::model::region::Region,
    run: &crate::region::RegionRun,
    dir: &Path,
) {
    if quiet() {
        return;
    }
    let rows = tables::summarise(sc, &run.tally);
    let series = run.loss_series(sc, region);
    let _ = write!(
        std::io::stdout().lock(),
        "{}",
        region_headline_table(region, &series, &rows)
    );
    say!(
        "n = {} periods of {} vehicles; {} confidence intervals; AAL: average annual loss; money in {} at {} prices; all columns in {} and summary.csv",
        runner::thousands(run.periods),
        runner::thousands(region.vehicles),
        ci_label(),
        sc.currency,
        sc.price_year,
        dir.join("insurer_cost.csv").display()
    );
}

/// The headline table of a region run from its loss series and `summary.csv` rows (money in
/// the scenario's currency).
pub fn region_headline_table(
    region: &crate::model::region::Region,
    series: &[crate::region::losses::LossSeries],
    rows: &[tables::StrategySummary],
) -> String {
    use crate::region::losses::{Perspective, insurer_cost};
    let ci = format!("{} CI", ci_label());
    let mut header = vec![
        "strategy".to_string(),
        "AAL/vehicle-year".into(),
        ci.clone(),
    ];
    if region.insured {
        header.extend(["insured AAL/vehicle-year".into(), ci.clone()]);
    }
    header.extend(["region AAL".into(), "time (min)".into(), ci.clone()]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let cost = |p: Perspective| {
                series
                    .iter()
                    .find(|s| s.strategy == r.strategy && s.perspective == p)
                    .map(insurer_cost)
            };
            let mut line = vec![r.strategy.clone()];
            let mut perspectives = vec![Perspective::GroundUp];
            if region.insured {
                perspectives.push(Perspective::Insured);
            }
            for p in perspectives {
                match cost(p) {
                    Some(ic) => {
                        // The pure premium is total loss / exposure = AAL / (exposure per
                        // period); its interval is the AAL's, scaled the same way.
                        let per_vehicle_year = ic.n_periods as f64 / ic.exposure_vehicle_years;
                        line.extend([
                            number(ic.pure_premium_per_vehicle_year, 2),
                            interval(
                                ic.aal_ci95_low * per_vehicle_year,
                                ic.aal_ci95_high * per_vehicle_year,
                                2,
                            ),
                        ]);
                    }
                    None => line.extend([String::new(), String::new()]),
                }
            }
            line.push(cost(Perspective::GroundUp).map_or(String::new(), |ic| number(ic.aal, 0)));
            line.extend([number(r.time[0], 1), interval(r.time[2], r.time[3], 1)]);
            line
        })
        .collect();
    text_table(&header, &body)
}

/// `x` with `decimals` decimals and thousands separators (`-1,234.50`); `n/a` when not finite.
fn number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
    let whole = whole
        .parse::<u64>()
        .map_or_else(|_| whole.to_string(), runner::thousands);
    // No "-0.00": a value that rounds to zero has no sign.
    let negative = x < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    format!("{}{whole}{fraction}", if negative { "-" } else { "" })
}

/// `[low, high]`.
fn interval(low: f64, high: f64, decimals: usize) -> String {
    format!("[{}, {}]", number(low, decimals), number(high, decimals))
}

/// Rows of cells as a text table: the first column left-aligned, the others right-aligned,
/// padded by display width (so names with accents, CJK or emoji keep the columns straight).
pub fn text_table(header: &[String], body: &[Vec<String>]) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in body {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(body.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w - cell.width());
            if i == 0 {
                line += &format!("{cell}{pad}");
            } else {
                line += &format!("  {pad}{cell}");
            }
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// A short description of the compiled model, for `lockout check`.
pub fn describe(sc: &Scenario) -> String {
    let n = &sc.names;
    let mut s = String::new();
    let base = &sc.strategies[sc.baseline];
    s += &format!("{}: ok\n", sc.name);
    if !sc.description.is_empty() {
        s += &format!("  {}\n", sc.description);
    }
    s += &format!(
        "  {} vehicle segments: {}\n  {} driver profiles: {}\n  {} contexts: {}\n",
        n.segments.len(),
        n.segments.join(", "),
        n.drivers.len(),
        n.drivers.join(", "),
        n.contexts.len(),
        n.contexts.join(", ")
    );
    s += &format!(
        "  {} remedies: {}\n",
        n.remedies.len(),
        n.remedies.join(", ")
    );
    for (p, policy) in n.policies.iter().zip(&base.model.policies) {
        let steps: Vec<String> = policy
            .steps
            .iter()
            .map(|st| {
                let names: Vec<&str> = st
                    .remedies
                    .iter()
                    .map(|r| n.remedies[*r].as_str())
                    .collect();
                if names.len() == 1 {
                    names[0].to_string()
                } else {
                    format!("race({})", names.join(" | "))
                }
            })
            .collect();
        s += &format!("  policy {p}: {}\n", steps.join(" -> "));
    }
    s += &format!(
        "  horizon {} min, then fallback \"{}\"\n",
        base.model.horizon_min, n.fallback
    );
    s += &format!(
        "  incident rate {} per vehicle-year; value of time {} {}/h; prices in {} {}\n",
        sc.incident_rate_per_vehicle_year,
        sc.value_of_time_per_hour,
        sc.currency,
        sc.currency,
        sc.price_year
    );
    s += &format!("  {} strategies:\n", sc.strategies.len());
    for (i, st) in sc.strategies.iter().enumerate() {
        s += &format!(
            "    {}{}: {} {}/year, incident rate x{}\n",
            st.name,
            if i == sc.baseline { " (baseline)" } else { "" },
            st.annual_cost,
            sc.currency,
            st.incident_rate_multiplier
        );
    }
    if let Some(region) = &sc.region {
        s += &format!(
            "  region: {} vehicles, {} periods of 365 days (mean arrivals per period {:.0}), priority share {}\n",
            region.vehicles,
            region.periods,
            region.vehicles as f64 * sc.incident_rate_per_vehicle_year,
            region.priority_share
        );
        for pool in &region.pools {
            let serves: Vec<&str> = region
                .remedy_pool
                .iter()
                .enumerate()
                .filter(|(_, p)| p.is_some_and(|p| region.pools[p].name == pool.name))
                .map(|(r, _)| n.remedies[r].as_str())
                .collect();
            s += &format!(
                "    pool {}: {} responders{}, serves {}, other calls {:.2}/h\n",
                pool.name,
                pool.count,
                match pool.shift {
                    Some((a, b)) => format!(
                        " on shift {:02}:{:02}-{:02}:{:02}",
                        (a / 60.0) as u32,
                        (a % 60.0) as u32,
                        (b / 60.0) as u32,
                        (b % 60.0) as u32
                    ),
                    None => " around the clock".into(),
                },
                serves.join(", "),
                pool.other_calls_per_min * 60.0
            );
        }
        if region.insured {
            s += &format!(
                "    policy terms: deductible {}, limit per incident {}, annual call limit {}\n",
                region.terms.deductible,
                region
                    .terms
                    .limit_per_incident
                    .map_or("none".into(), |l| l.to_string()),
                region
                    .terms
                    .annual_call_limit
                    .map_or("none".into(), |l| l.to_string())
            );
        }
        s += &format!("  defaults: {} periods, seed {}\n", region.periods, sc.seed);
    } else {
        s += &format!("  defaults: {} incidents, seed {}\n", sc.incidents, sc.seed);
    }
    s
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

/// Parses `I` or an inclusive range `A..B`.
fn parse_incidents(text: &str) -> anyhow::Result<(u64, u64, bool)> {
    let t = text.trim();
    if let Some((a, b)) = t.split_once("..") {
        let a: u64 = a
            .trim()
            .parse()
            .with_context(|| format!("--incident {t}: bad start"))?;
        let b: u64 = b
            .trim()
            .trim_start_matches('=')
            .parse()
            .with_context(|| format!("--incident {t}: bad end"))?;
        if b < a {
            usage!("--incident {t}: the range is empty");
        }
        Ok((a, b, true))
    } else {
        let i: u64 = t
            .parse()
            .with_context(|| format!("--incident {t}: expected an index or A..B"))?;
        Ok((i, i, false))
    }
}

fn strategy_index(sc: &Scenario, strategy: Option<&str>) -> anyhow::Result<usize> {
    Ok(match strategy {
        None => sc.baseline,
        Some(name) => sc.strategy_index(name).with_context(|| {
            let names = || sc.strategies.iter().map(|s| s.name.as_str());
            format!(
                "unknown strategy \"{name}\" (strategies: {}){}",
                names().collect::<Vec<_>>().join(", "),
                crate::suggest::hint(name, names(), '"')
            )
        })?,
    })
}

/// One incident of a period, gathered from the event log.
struct PeriodIncident {
    id: u64,
    arrival_min: f64,
    calls: u32,
    queue_wait_min: f64,
    abandoned: u32,
    end: Option<crate::region::engine::LogKind>,
}

impl PeriodIncident {
    fn resolved_by(&self) -> Option<(&str, bool)> {
        match &self.end {
            Some(crate::region::engine::LogKind::End {
                resolved_by,
                unresolved,
                ..
            }) => Some((resolved_by.as_str(), *unresolved)),
            _ => None,
        }
    }

    fn selected(&self, f: &ExplainFilter) -> bool {
        let by = self.resolved_by();
        f.from_min.is_none_or(|t| self.arrival_min >= t)
            && f.to_min.is_none_or(|t| self.arrival_min <= t)
            && f.remedy
                .as_deref()
                .is_none_or(|r| by.is_some_and(|b| b.0 == r))
            && match f.outcome {
                None => true,
                Some(OutcomeFilter::Resolved) => by.is_some_and(|b| !b.1),
                Some(OutcomeFilter::Unresolved) => by.is_some_and(|b| b.1),
                Some(OutcomeFilter::Queued) => self.queue_wait_min > 0.0,
                Some(OutcomeFilter::Abandoned) => self.abandoned > 0,
            }
    }

    fn summary_line(&self, currency: &str) -> String {
        let mut t = format!("incident #{} at {}", self.id, clock(self.arrival_min));
        if let Some(crate::region::engine::LogKind::End {
            time_to_access_min,
            resolved_by,
            unresolved,
            loss,
            insured,
        }) = &self.end
        {
            t += &format!(
                ": keys back after {time_to_access_min:.1} min by {resolved_by}{}",
                if *unresolved { " (unresolved)" } else { "" }
            );
            if self.calls > 0 {
                t += &format!(
                    "; {} call{}, {:.1} min in queues",
                    self.calls,
                    if self.calls == 1 { "" } else { "s" },
                    self.queue_wait_min
                );
            }
            if self.abandoned > 0 {
                t += &format!(", {} called off", self.abandoned);
            }
            t += &format!("; loss {currency} {loss:.2} (insured {insured:.2})");
        }
        t
    }
}

/// `day 3 14:05` for minutes from a period's start.
fn clock(t: f64) -> String {
    let day = (t / 1440.0) as u64;
    let minute = t - day as f64 * 1440.0;
    format!(
        "day {:3} {:02}:{:02}",
        day + 1,
        (minute / 60.0) as u32,
        (minute % 60.0) as u32
    )
}

fn explain_period(
    sc: &Scenario,
    region: &crate::model::region::Region,
    seed: u64,
    period: u64,
    s: usize,
    format: Format,
    filter: &ExplainFilter,
) -> anyhow::Result<()> {
    use crate::region::engine::LogKind;
    if period == 0 {
        usage!("--period counts from 1");
    }
    let (_, log) =
        crate::region::engine::simulate_period_logged(sc, region, seed, period, Some(s), false);
    // Incidents by id, in order of arrival.
    let mut incidents: Vec<PeriodIncident> = Vec::new();
    let mut index: std::collections::HashMap<u64, usize> = Default::default();
    for e in &log {
        let Some(id) = e.event_id else { continue };
        let k = *index.entry(id).or_insert_with(|| {
            incidents.push(PeriodIncident {
                id,
                arrival_min: e.time_min,
                calls: 0,
                queue_wait_min: 0.0,
                abandoned: 0,
                end: None,
            });
            incidents.len() - 1
        });
        let inc = &mut incidents[k];
        match &e.kind {
            LogKind::Call => inc.calls += 1,
            LogKind::Dispatch { queue_wait_min } => inc.queue_wait_min += queue_wait_min,
            LogKind::Abandon => inc.abandoned += 1,
            LogKind::End { .. } => inc.end = Some(e.kind.clone()),
            LogKind::Arrival | LogKind::Other => {}
        }
    }
    let chosen: std::collections::HashSet<u64> = incidents
        .iter()
        .filter(|i| i.selected(filter))
        .map(|i| i.id)
        .collect();
    let lines: Vec<&crate::region::engine::LogEntry> = log
        .iter()
        .filter(|e| match e.event_id {
            Some(id) => chosen.contains(&id),
            None => !filter.any(),
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Text => {
            writeln!(
                out,
                "period {period} (seed {seed}), strategy \"{}\": {} of {} incidents{}; incidents numbered by their ord/splt.csv EventId (minutes from the period's start, a Monday 00:00)",
                sc.strategies[s].name,
                chosen.len(),
                incidents.len(),
                if filter.summary {
                    String::new()
                } else {
                    format!(", {} events", lines.len())
                },
            )?;
            if filter.summary {
                for i in incidents.iter().filter(|i| chosen.contains(&i.id)) {
                    writeln!(out, "  {}", i.summary_line(&sc.currency))?;
                }
            } else {
                for e in &lines {
                    writeln!(
                        out,
                        "  {}  {:10.1}  {}",
                        clock(e.time_min),
                        e.time_min,
                        e.text
                    )?;
                }
            }
        }
        Format::Json => {
            let items: Vec<serde_json::Value> = if filter.summary {
                incidents
                    .iter()
                    .filter(|i| chosen.contains(&i.id))
                    .map(|i| {
                        let mut v = serde_json::json!({
                            "event_id": i.id,
                            "arrival_min": i.arrival_min,
                            "calls": i.calls,
                            "queue_wait_min": i.queue_wait_min,
                            "abandoned_calls": i.abandoned,
                        });
                        if let Some(LogKind::End {
                            time_to_access_min,
                            resolved_by,
                            unresolved,
                            loss,
                            insured,
                        }) = &i.end
                        {
                            v["time_to_access_min"] = (*time_to_access_min).into();
                            v["resolved_by"] = resolved_by.clone().into();
                            v["unresolved"] = (*unresolved).into();
                            v["loss"] = (*loss).into();
                            v["insured_loss"] = (*insured).into();
                        }
                        v
                    })
                    .collect()
            } else {
                lines
                    .iter()
                    .map(|e| {
                        serde_json::json!({ "time_min": e.time_min, "event_id": e.event_id, "event": e.text })
                    })
                    .collect()
            };
            writeln!(out, "{}", serde_json::to_string(&items)?)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn explain_command(
    sc: &Scenario,
    incident: &str,
    incidents: u64,
    s: usize,
    seed: u64,
    format: Format,
    filter: &ExplainFilter,
) -> anyhow::Result<()> {
    let (first, last, is_range) = parse_incidents(incident)?;
    if last >= incidents {
        usage!(
            "--incident {incident}: the run has {incidents} incidents, numbered 0 to {} (--incidents; default: the scenario's `incidents`)",
            incidents.saturating_sub(1)
        );
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if format == Format::Json && is_range {
        writeln!(out, "[")?;
    }
    let mut json_items = Vec::new();
    for index in first..=last {
        let replay = runner::replay(sc, seed, index, s);
        let o = &replay.outcome;
        let keep = filter
            .remedy
            .as_deref()
            .is_none_or(|r| remedy_name(sc, o.resolved_by) == r)
            && match filter.outcome {
                Some(OutcomeFilter::Resolved) => !o.unresolved(),
                Some(OutcomeFilter::Unresolved) => o.unresolved(),
                _ => true,
            };
        if !keep {
            continue;
        }
        match format {
            Format::Text if filter.summary => writeln!(
                out,
                "incident {index}: {:.1} min to access by {}{}; cost {} {:.2}",
                o.time_to_access_min,
                remedy_name(sc, o.resolved_by),
                if o.unresolved() { " (unresolved)" } else { "" },
                sc.currency,
                o.cost()
            )?,
            Format::Text => write!(out, "{}", explain_text(sc, seed, index, s, &replay))?,
            Format::Json => json_items.push(explain_json(sc, seed, index, s, &replay)),
        }
    }
    for (k, v) in json_items.iter().enumerate() {
        let sep = if is_range && k + 1 < json_items.len() {
            ","
        } else {
            ""
        };
        writeln!(out, "{}{sep}", serde_json::to_string(v)?)?;
    }
    if format == Format::Json && is_range {
        writeln!(out, "]")?;
    }
    out.flush()?;
    Ok(())
}

fn remedy_name(sc: &Scenario, r: u16) -> &str {
    if r == FALLBACK {
        &sc.names.fallback
    } else {
        &sc.names.remedies[r as usize]
    }
}

/// Why remedy `r` was skipped under strategy `s` with `facts`: the availability switch, or
/// each precondition that failed.
fn skip_reason(sc: &Scenario, s: usize, r: u16, facts: Facts) -> String {
    use crate::model::Fact;
    let remedy = &sc.strategies[s].model.remedies[r as usize];
    if !remedy.available {
        let elsewhere = sc
            .strategies
            .iter()
            .any(|o| o.model.remedies[r as usize].available);
        return if elsewhere {
            format!(
                "unavailable under strategy \"{}\" (its `disable` or `set` switches it off)",
                sc.strategies[s].name
            )
        } else {
            "unavailable: `available = false` in the scenario".into()
        };
    }
    let unmet = |c: &crate::model::Condition| -> Vec<String> {
        Fact::ALL
            .iter()
            .filter_map(|f| {
                let bit = f.bit();
                if c.need & bit != 0 && facts.0 & bit == 0 {
                    Some(format!("needs {}", f.name()))
                } else if c.forbid & bit != 0 && facts.0 & bit != 0 {
                    Some(format!("needs !{} but {} holds", f.name(), f.name()))
                } else {
                    None
                }
            })
            .collect()
    };
    match remedy.requires.as_slice() {
        [] => "skipped".into(),
        [one] => format!("precondition unmet: {}", unmet(one).join(", ")),
        many => format!(
            "no alternative of `requires` holds: {}",
            many.iter()
                .map(|c| format!("[{}]", unmet(c).join(", ")))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

/// The facts in force before each trace event (they change when a remedy with `sets` or
/// `clears` succeeds), as the engine saw them.
fn facts_along(sc: &Scenario, s: usize, rp: &runner::Replay) -> Vec<Facts> {
    let model = &sc.strategies[s].model;
    let mut facts = rp.situation.facts;
    rp.trace
        .iter()
        .map(|(_, ev)| {
            let before = facts;
            match ev {
                TraceEvent::Start { facts: f } => facts = *f,
                TraceEvent::Completed {
                    remedy,
                    success: true,
                    ..
                } if *remedy != FALLBACK => {
                    let r = &model.remedies[*remedy as usize];
                    facts = Facts((facts.0 | r.sets) & !r.clears);
                }
                _ => {}
            }
            if let TraceEvent::Start { facts: f } = ev {
                *f
            } else {
                before
            }
        })
        .collect()
}

fn explain_text(sc: &Scenario, seed: u64, index: u64, s: usize, rp: &runner::Replay) -> String {
    let n = &sc.names;
    let sit = &rp.situation;
    let c = &sc.currency;
    let mut t = format!(
        "incident {index} (seed {seed}), strategy \"{}\"\n  vehicle \"{}\", driver \"{}\" (policy {}), context {}, spare key: {}\n  facts: {}\n",
        sc.strategies[s].name,
        n.segments[sit.segment as usize],
        n.drivers[sit.driver as usize],
        n.policies[sit.policy as usize],
        n.contexts[sit.context as usize],
        sit.spare_key.name(),
        sit.facts.names().join(", ")
    );
    let facts = facts_along(sc, s, rp);
    for ((time, ev), facts) in rp.trace.iter().zip(facts) {
        let line = match ev {
            TraceEvent::Start { .. } => "lockout: keys locked in".to_string(),
            TraceEvent::Skipped { remedy } => {
                format!(
                    "{} skipped: {}",
                    remedy_name(sc, *remedy),
                    skip_reason(sc, s, *remedy, facts)
                )
            }
            TraceEvent::Started {
                remedy,
                wait_min,
                work_min,
            } => format!(
                "start {}: wait {:.1} min, work {:.1} min",
                remedy_name(sc, *remedy),
                wait_min,
                work_min
            ),
            TraceEvent::Completed {
                remedy,
                success,
                cost,
                damage_cost,
            } => format!(
                "{} {}; paid {c} {cost:.2}{}",
                remedy_name(sc, *remedy),
                if *success { "worked" } else { "failed" },
                if *damage_cost > 0.0 {
                    format!(", damage {c} {damage_cost:.2}")
                } else {
                    String::new()
                }
            ),
            TraceEvent::Cancelled { remedy, fee } => {
                format!("cancel {}: fee {c} {fee:.2}", remedy_name(sc, *remedy))
            }
            TraceEvent::StepsExhausted => "every step tried without access: give up".into(),
            TraceEvent::HorizonReached => "give-up horizon reached".into(),
            TraceEvent::FallbackStarted { duration_min, cost } => format!(
                "fallback {}: {duration_min:.1} min, {c} {cost:.2}",
                n.fallback
            ),
            TraceEvent::Access { by } => format!("keys in hand (by {})", remedy_name(sc, *by)),
        };
        t += &format!("  {time:8.1} min  {line}\n");
    }
    let o = &rp.outcome;
    let time_cost = sc.value_of_time_per_hour / 60.0 * o.time_to_access_min;
    t += &format!(
        "  outcome: {:.1} min to access; cost {c} {:.2} (direct {:.2}, damage {:.2}); time cost {c} {:.2}; total {c} {:.2}{}\n",
        o.time_to_access_min,
        o.cost(),
        o.cost_direct,
        o.cost_damage,
        time_cost,
        o.cost() + time_cost,
        if o.unresolved() {
            " (unresolved: fallback)"
        } else {
            ""
        }
    );
    t
}

fn explain_json(
    sc: &Scenario,
    seed: u64,
    index: u64,
    s: usize,
    rp: &runner::Replay,
) -> serde_json::Value {
    let n = &sc.names;
    let sit = &rp.situation;
    let facts = |f: &Facts| serde_json::json!(f.names());
    let facts_before = facts_along(sc, s, rp);
    let trace: Vec<serde_json::Value> = rp
        .trace
        .iter()
        .zip(facts_before)
        .map(|((time, ev), before)| {
            let mut v = serde_json::to_value(ev).expect("trace events serialise");
            let obj = v.as_object_mut().expect("tagged enum");
            for key in ["remedy", "by"] {
                if let Some(r) = obj.get(key).and_then(|x| x.as_u64()) {
                    obj.insert(key.into(), remedy_name(sc, r as u16).into());
                }
            }
            if let TraceEvent::Start { facts: f } = ev {
                obj.insert("facts".into(), facts(f));
            }
            if let TraceEvent::Skipped { remedy } = ev {
                obj.insert("reason".into(), skip_reason(sc, s, *remedy, before).into());
            }
            obj.insert("time_min".into(), (*time).into());
            v
        })
        .collect();
    let o = &rp.outcome;
    let time_cost = sc.value_of_time_per_hour / 60.0 * o.time_to_access_min;
    serde_json::json!({
        "incident": index,
        "seed": seed,
        "strategy": sc.strategies[s].name,
        "situation": {
            "vehicle_segment": n.segments[sit.segment as usize],
            "driver_profile": n.drivers[sit.driver as usize],
            "context": n.contexts[sit.context as usize],
            "place": Place::ALL[sit.place as usize].name(),
            "spare_key": sit.spare_key.name(),
            "policy": n.policies[sit.policy as usize],
            "facts": facts(&sit.facts),
        },
        "trace": trace,
        "result": {
            "time_to_access_min": o.time_to_access_min,
            "cost": o.cost(),
            "cost_direct": o.cost_direct,
            "cost_damage": o.cost_damage,
            "time_cost": time_cost,
            "total_cost": o.cost() + time_cost,
            "resolved_by": remedy_name(sc, o.resolved_by),
            "unresolved": o.unresolved(),
            "currency": sc.currency,
        },
        "outcome": o,
    })
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
