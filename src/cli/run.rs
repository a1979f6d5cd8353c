//! `run` and `merge`: simulate (or combine shard parts), then write the results directory
//! through a staged directory created before any work is done.

use super::*;

pub(super) fn run_command(
    loaded: &Loaded,
    opts: &RunOptions,
    out: &Path,
    plots: bool,
) -> anyhow::Result<()> {
    let sc = &loaded.scenario;
    // Refuse an unusable --out before simulating anything.
    let staged = StagedDir::create(out)?;
    let result = crate::run::incidents::run(sc, opts)?;
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
pub(super) fn region_shard_command(
    loaded: &Loaded,
    seed: u64,
    periods: u64,
    shard: Shard,
    threads: usize,
    out: &Path,
) -> anyhow::Result<()> {
    let sc = &loaded.scenario;
    let region = sc.region.as_ref().expect("checked by the caller");
    let staged = StagedDir::create(out)?;
    let share = shard.chunks(periods);
    let started = std::time::Instant::now();
    let (partial, threads) = if share.is_empty() {
        (crate::losses::Partial::empty(sc, region), threads)
    } else {
        crate::run::periods::simulate_periods(
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
pub(super) fn region_precision_command(
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
    let (run, reached, met) = crate::run::periods::run_until_precise(
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

fn region_manifest(loaded: &Loaded, seed: u64, run: &crate::losses::RegionRun) -> Manifest {
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
    run: &crate::losses::RegionRun,
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
    run: &crate::losses::RegionRun,
    ord: bool,
) -> anyhow::Result<()> {
    // Each table is written by `write` into its file; an error names the file.
    let table = |name: &str,
                 write: &dyn Fn(std::io::BufWriter<std::fs::File>) -> anyhow::Result<()>|
     -> anyhow::Result<()> {
        let path = dir.join(name);
        write(output::create(&path)?).with_context(|| format!("cannot write {}", path.display()))
    };
    tables::write_all(
        dir,
        sc,
        &run.tally,
        Some(&tables::PeriodTotals::of(run, sc.value_of_time_per_hour)),
    )?;
    table("responders.csv", &|w| {
        crate::report::region_tables::write_responders(w, sc, run)?;
        Ok(())
    })?;
    table("waits.csv", &|w| {
        crate::report::region_tables::write_waits(w, sc, run)?;
        Ok(())
    })?;
    let series = run.loss_series(sc, region);
    let rps = crate::losses::STANDARD_RETURN_PERIODS;
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
pub(super) struct Ord {
    /// ept.csv, alt.csv, summary-info.csv.
    pub(super) tables: bool,
    /// splt.csv, streamed.
    pub(super) event_table: bool,
}

pub(super) fn region_run_command(
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
        .map(|w| w as &mut dyn crate::losses::EventSink);
    let run = crate::run::periods::run(sc, region, seed, periods, threads, !quiet(), sink);
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

pub(super) fn merge_command(parts: &[PathBuf], out: &Path, plots: bool) -> anyhow::Result<()> {
    let staged = StagedDir::create(out)?;
    // A part that cannot be read or does not fit is bad input (exit code 2), whatever the cause.
    let as_input = |e: anyhow::Error| UsageError(format!("{e:#}"));
    let states = parts
        .iter()
        .map(|dir| Ok((dir.display().to_string(), shard::read_state(dir)?)))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(as_input)?;
    let id = shard::check_parts(&states).map_err(as_input)?;
    let loaded = load_recorded(&id.scenario_path, &id.overrides, &id.scenario_sha256)?;
    let sc = &loaded.scenario;
    shard::validate_parts(&states, sc).map_err(as_input)?;
    let threads = states.iter().map(|(_, s)| s.threads).sum();
    let secs: f64 = states.iter().map(|(_, s)| s.wall_time_s).sum();
    if let (Some(region), Some(periods)) = (&sc.region, id.periods) {
        let partial = shard::merge_region(states, sc, region).map_err(as_input)?;
        let run = partial
            .finish(periods, threads, std::time::Duration::from_secs_f64(secs))
            .map_err(|e| as_input(e.into()))?;
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

/// Loads the scenario the parts of a run recorded, with their `--set` overrides: it is needed
/// for names and money settings, so it must be the very same file (`sha256`).
pub(super) fn load_recorded(
    path: &str,
    overrides: &[String],
    sha256: &str,
) -> anyhow::Result<Loaded> {
    let overrides = overrides
        .iter()
        .map(|o| Override::parse(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)?;
    let loaded = scenario::load(Path::new(path), &overrides)?;
    if loaded.sha256 != sha256 {
        usage!(
            "{path} has changed since the shards were run (sha256 {} now, {sha256} then)",
            loaded.sha256
        );
    }
    Ok(loaded)
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
        math_backend: schema::MATH_BACKEND.into(),
        generator: crate::engine::streams::GENERATOR.into(),
    }
}

/// Today's date in UTC (`YYYY-MM-DD`), or that of `SOURCE_DATE_EPOCH` (seconds since 1970)
/// when it is set and valid: the reproducible-builds convention, which lets a reference run be
/// remade byte for byte on another day.
pub(crate) fn run_date_utc() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn manifest_for(loaded: &Loaded, seed: u64, incidents: u64, threads: usize, secs: f64) -> Manifest {
    let sc = &loaded.scenario;
    Manifest {
        scenario: scenario_info(loaded),
        overrides: loaded.overrides.clone(),
        seed,
        incidents,
        threads,
        chunk_incidents: CHUNK_INCIDENTS,
        strategies: sc.strategies.iter().map(|s| s.name.clone()).collect(),
        baseline: sc.strategies[sc.baseline].name.clone(),
        generator: crate::engine::streams::GENERATOR.into(),
        math_backend: schema::MATH_BACKEND.into(),
        lockout_version: env!("CARGO_PKG_VERSION").into(),
        run_date: run_date_utc(),
        platform: schema::platform(),
        currency: sc.currency.clone(),
        price_year: sc.price_year,
        value_of_time_per_hour: sc.value_of_time_per_hour,
        confidence_level: crate::stats::CI_LEVEL,
        quantile_method: schema::QUANTILE_METHOD.into(),
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
    tables::write_all(staged.path(), sc, tally, None)?;
    write_manifest(staged.path(), manifest)?;
    if plots {
        crate::report::page::render_all(staged.path()).context("cannot draw the figures")?;
    }
    Ok(staged.commit()?)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_453), (2025, 12, 31));
        assert_eq!(civil_from_days(20_818), (2026, 12, 31));
        assert_eq!(civil_from_days(20_793), (2026, 12, 6));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
