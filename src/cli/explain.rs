//! `lockout explain`: single incidents replayed exactly as a run saw them, and a region
//! period's event log, with filters and the reason each remedy was skipped.

use super::*;
use crate::engine::StepCause;

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

pub(super) fn strategy_index(sc: &Scenario, strategy: Option<&str>) -> anyhow::Result<usize> {
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
    end: Option<crate::engine::period::LogKind>,
}

impl PeriodIncident {
    fn resolved_by(&self) -> Option<(&str, bool)> {
        match &self.end {
            Some(crate::engine::period::LogKind::End {
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
        if let Some(crate::engine::period::LogKind::End {
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

pub(super) fn explain_period(
    sc: &Scenario,
    region: &crate::model::region::Region,
    seed: u64,
    period: u64,
    s: usize,
    format: Format,
    filter: &ExplainFilter,
) -> anyhow::Result<()> {
    use crate::engine::period::LogKind;
    if period == 0 {
        usage!("--period counts from 1");
    }
    let (_, log) =
        crate::engine::period::simulate_period_logged(sc, region, seed, period, Some(s), false);
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
    let lines: Vec<&crate::engine::period::LogEntry> = log
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

pub(super) fn explain_command(
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
        let replay = crate::run::incidents::replay(sc, seed, index, s);
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
    if let Some(i) = fallback_index(r) {
        &sc.names.fallbacks[i]
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
        let user = sc.names.facts.iter().enumerate();
        Fact::ALL
            .iter()
            .map(|f| (f.bit(), f.name()))
            .chain(user.map(|(i, n)| (crate::model::user_fact_bit(i), n.as_str())))
            .filter_map(|(bit, name)| {
                if c.need & bit != 0 && facts.0 & bit == 0 {
                    Some(format!("needs {name}"))
                } else if c.forbid & bit != 0 && facts.0 & bit != 0 {
                    Some(format!("needs !{name} but {name} holds"))
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
fn facts_along(sc: &Scenario, s: usize, rp: &Replay) -> Vec<Facts> {
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
                } if fallback_index(*remedy).is_none() => {
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

/// Why a step started, in words.
fn step_cause(why: StepCause) -> String {
    match why {
        StepCause::First => "the first step".into(),
        StepCause::PreviousEnded => "everything started before has ended without access".into(),
        StepCause::NothingToTry => "the step before had nothing to try".into(),
        StepCause::RacerFailed => {
            "an attempt of the step before failed (escalate on failure)".into()
        }
        StepCause::NoAccessAfter { min } => {
            format!("no access {min:.1} min after the step before started (escalate_after)")
        }
        StepCause::WithPrevious => "started with the step before (escalate at once)".into(),
    }
}

fn explain_text(sc: &Scenario, seed: u64, index: u64, s: usize, rp: &Replay) -> String {
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
        sit.facts.names(&n.facts).join(", ")
    );
    match rp.adoption {
        Some((false, _)) => {
            t += &format!(
                "  not targeted by \"{}\": the incident runs as under the baseline \"{}\"\n",
                sc.strategies[s].name, sc.strategies[sc.baseline].name
            )
        }
        Some((true, false)) => {
            t += &format!(
                "  targeted by \"{}\" but does not adopt it (uptake {}): the incident runs as under the baseline \"{}\"\n",
                sc.strategies[s].name, sc.strategies[s].uptake, sc.strategies[sc.baseline].name
            )
        }
        Some((true, true)) => {
            t += &format!(
                "  targeted by \"{}\" and adopts it (uptake {})\n",
                sc.strategies[s].name, sc.strategies[s].uptake
            )
        }
        None => {}
    }
    let facts = facts_along(sc, ran_under(sc, s, rp), rp);
    for ((time, ev), facts) in rp.trace.iter().zip(facts) {
        let line = match ev {
            TraceEvent::Start { .. } => "lockout: keys locked in".to_string(),
            TraceEvent::Skipped { remedy } => {
                format!(
                    "{} skipped: {}",
                    remedy_name(sc, *remedy),
                    skip_reason(sc, ran_under(sc, s, rp), *remedy, facts)
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
            TraceEvent::StepStarted { step, why } => {
                format!("step {} starts: {}", step + 1, step_cause(*why))
            }
            TraceEvent::StepPassedOver { step } => {
                format!("step {} passed over: its `when` does not hold", step + 1)
            }
            TraceEvent::StepsExhausted => "every step tried without access: give up".into(),
            TraceEvent::HorizonReached => "give-up horizon reached".into(),
            TraceEvent::FallbackStarted {
                fallback,
                duration_min,
                cost,
            } => format!(
                "fallback {}: {duration_min:.1} min, {c} {cost:.2}",
                n.fallbacks[*fallback as usize]
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

/// The strategy whose model the replay ran: the baseline's for a vehicle a partly adopted
/// strategy does not reach, else `s`.
fn ran_under(sc: &Scenario, s: usize, rp: &Replay) -> usize {
    match rp.adoption {
        Some((_, false)) => sc.baseline,
        _ => s,
    }
}

fn explain_json(sc: &Scenario, seed: u64, index: u64, s: usize, rp: &Replay) -> serde_json::Value {
    let n = &sc.names;
    let sit = &rp.situation;
    let facts = |f: &Facts| serde_json::json!(f.names(&n.facts));
    let facts_before = facts_along(sc, ran_under(sc, s, rp), rp);
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
                obj.insert(
                    "reason".into(),
                    skip_reason(sc, ran_under(sc, s, rp), *remedy, before).into(),
                );
            }
            obj.insert("time_min".into(), (*time).into());
            v
        })
        .collect();
    let o = &rp.outcome;
    let time_cost = sc.value_of_time_per_hour / 60.0 * o.time_to_access_min;
    let mut json = serde_json::json!({
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
    });
    if let (Some((targeted, adopted)), Some(obj)) = (rp.adoption, json.as_object_mut()) {
        obj.insert("targeted".into(), targeted.into());
        obj.insert("adopted".into(), adopted.into());
    }
    json
}
