//! The scenario file format: plain serde types mirroring the TOML, unknown fields rejected.
//!
//! These types only say what a file may contain. Cross-field rules (shares summing to 1, names
//! that must resolve, one baseline) live in [`super::compile`], which turns a `ScenarioSpec`
//! into the model the engine runs.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dist::{Duration, DurationDist, MoneyDist};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Human name, used in titles.
    pub name: String,
    /// One or two sentences saying what the scenario represents.
    #[serde(default)]
    pub description: String,
    /// ISO 4217 code of every money figure (e.g. `USD`).
    pub currency: String,
    /// The year whose prices the money figures are in.
    pub price_year: i32,
    /// Default number of incidents for `lockout run`.
    #[serde(default = "default_incidents")]
    pub incidents: u64,
    /// Default seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Lockouts per vehicle-year under the baseline strategy.
    pub incident_rate_per_vehicle_year: f64,
    /// Money per hour of waiting (turns time to access into `time_cost`).
    pub value_of_time_per_hour: f64,
    /// After this long without access the driver gives up and the fallback ends the incident.
    pub horizon: Duration,
    /// What ends an incident that reaches the horizon or runs out of remedies: one `[fallback]`,
    /// or several `[[fallback]]` of which the first whose `when` holds is taken (the last has
    /// no `when`: the default).
    pub fallback: Fallbacks,
    /// Vehicle segments.
    #[serde(default)]
    pub vehicle: Vec<VehicleSpec>,
    /// Driver profiles.
    #[serde(default)]
    pub driver: Vec<DriverSpec>,
    /// Contexts: where and when the lockout happens.
    #[serde(default)]
    pub context: Vec<ContextSpec>,
    /// The scenario's own facts by name: what each means, where it comes from and how it is
    /// drawn (usable wherever the built-in facts are).
    #[serde(default)]
    pub fact: BTreeMap<String, FactSpec>,
    /// Remedies by name (ordered by name in every table).
    #[serde(default)]
    pub remedy: BTreeMap<String, RemedySpec>,
    /// Decision policies by name.
    #[serde(default)]
    pub policy: BTreeMap<String, PolicySpec>,
    /// Prevention strategies to compare; exactly one has `baseline = true`.
    #[serde(default)]
    pub strategy: Vec<StrategySpec>,
    /// A region or fleet to simulate period by period against shared responders.
    #[serde(default)]
    pub region: Option<super::region_spec::RegionSpec>,
    /// Parameters whose values are uncertain, for `lockout uncertainty`.
    #[serde(default)]
    pub uncertainty: Option<UncertaintySpec>,
}

/// `[uncertainty]`: the scenario's uncertain parameters and the defaults of `lockout
/// uncertainty`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintySpec {
    /// Parameter draws (default 200).
    #[serde(default = "default_draws")]
    pub draws: u64,
    /// Incidents simulated per draw under every strategy (default 50,000).
    #[serde(default = "default_draw_incidents")]
    pub incidents: u64,
    /// The uncertain parameters, each with its distribution and source.
    #[serde(default)]
    pub parameter: Vec<ParameterSpec>,
    /// A joint sample (CSV, relative to the scenario file): one row per parameter set, a column
    /// per parameter path; replaces the parameters' own distributions, which stay as the priors
    /// `lockout calibrate` fits (it writes such a file).
    #[serde(default)]
    pub samples: Option<String>,
}

fn default_draws() -> u64 {
    200
}
fn default_draw_incidents() -> u64 {
    50_000
}

/// One uncertain parameter: a numeric field of the scenario (a `--set` path) and the
/// distribution of its value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    /// The field, as a `--set` path (`incident_rate_per_vehicle_year`,
    /// `remedy.locksmith.success`, `strategy."waist-pouch habit".incident_rate_multiplier`).
    pub path: String,
    /// Its distribution: a family table of numbers, or of durations for a duration field
    /// (absent when `samples` gives the values).
    #[serde(default)]
    pub distribution: Option<toml::Value>,
    /// Where the distribution comes from: row ids of `docs/sources.md`, or `assumption` with a
    /// reason.
    pub source: String,
}

fn default_incidents() -> u64 {
    1_000_000
}
fn default_seed() -> u64 {
    42
}

/// The fallbacks as written: `[fallback]` (one) or `[[fallback]]` (several, in order).
#[derive(Debug, Clone)]
pub struct Fallbacks {
    /// The fallbacks in file order.
    pub list: Vec<FallbackSpec>,
    /// Whether written as `[[fallback]]` (field paths then carry an index).
    pub is_array: bool,
}

impl<'de> Deserialize<'de> for Fallbacks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let v = toml::Value::deserialize(d)?;
        match v {
            toml::Value::Table(_) => Ok(Fallbacks {
                list: vec![FallbackSpec::deserialize(v).map_err(D::Error::custom)?],
                is_array: false,
            }),
            toml::Value::Array(items) => Ok(Fallbacks {
                list: items
                    .into_iter()
                    .map(FallbackSpec::deserialize)
                    .collect::<Result<_, _>>()
                    .map_err(D::Error::custom)?,
                is_array: true,
            }),
            _ => Err(D::Error::custom(
                "fallback is a table [fallback], or several [[fallback]] tables",
            )),
        }
    }
}

/// A fallback that ends an incident at the horizon or when the steps run out (for example a tow
/// to the dealer to open the trunk, or a new key when the keys are lost).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackSpec {
    /// What it is, for tables and traces.
    pub name: String,
    /// Facts that must hold when the incident gives up for this fallback to be the one taken
    /// (same form as a remedy's `requires`); the last fallback has none.
    #[serde(default)]
    pub when: Requires,
    /// Time from giving up to access.
    pub duration: DurationDist,
    /// What it costs.
    #[serde(default)]
    pub cost: Option<MoneyDist>,
}

/// A vehicle segment: its share of incidents and the probability of each feature and fault.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleSpec {
    /// Segment name.
    pub name: String,
    /// Share of incidents in this segment.
    pub share: f64,
    /// Keyless/proximity trunk button: opens when the fob is within about 1 m of the trunk.
    #[serde(default)]
    pub keyless_trunk_button: f64,
    /// Rear seats fold down to reach the trunk from the cabin.
    #[serde(default)]
    pub fold_down_seats: f64,
    /// The fold-down release is in the cabin (on some cars it is inside the trunk).
    #[serde(default)]
    pub seat_release_in_cabin: f64,
    /// An interior trunk release reachable from the cabin.
    #[serde(default)]
    pub interior_trunk_release: f64,
    /// Smartphone-app remote unlock with an active subscription.
    #[serde(default)]
    pub app_unlock: f64,
    /// A physical key blade and a usable (possibly hidden) lock cylinder.
    #[serde(default)]
    pub key_cylinder: f64,
    /// Probabilities of faults that block routes.
    #[serde(default)]
    pub faults: FaultsSpec,
}

/// Fault probabilities of a vehicle segment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSpec {
    /// The fob's battery is dead: no button, no proximity detection.
    #[serde(default)]
    pub fob_battery_dead: f64,
    /// The linkage rod from cylinder or release to the latch is broken.
    #[serde(default)]
    pub linkage_rod_broken: f64,
    /// The lock cylinder is dirty or rusty (rust remover may free it).
    #[serde(default)]
    pub lock_cylinder_rusty: f64,
    /// The latch or its release wire is broken: electric release does nothing.
    #[serde(default)]
    pub latch_wire_broken: f64,
}

/// A driver profile: key habits and temperament.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverSpec {
    /// Profile name.
    pub name: String,
    /// Share of incidents with this profile.
    pub share: f64,
    /// A door was left unlocked (the cabin is open).
    #[serde(default)]
    pub door_left_unlocked: f64,
    /// Where the spare key is: `none`, `wallet`, `partner`, `home`, `office`, `magnetic_box`,
    /// each with its probability (they sum to 1). Missing: no spare key.
    #[serde(default)]
    pub spare_key: BTreeMap<String, f64>,
    /// Has a roadside-assistance membership.
    #[serde(default)]
    pub roadside_member: f64,
    /// Has a smartphone with the car's app.
    #[serde(default)]
    pub smartphone_app: f64,
    /// `calm` (safe routes first) or `flustered` (DIY first); a fact remedies can test.
    #[serde(default)]
    pub temperament: Option<String>,
    /// The decision policy this driver follows (a key of `[policy]`).
    pub policy: String,
}

/// A context: place, time of day and week, coverage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// Name for tables and `set` paths (default: the place).
    #[serde(default)]
    pub name: Option<String>,
    /// `home`, `work`, `shopping_centre`, `remote`, or `roadside`.
    pub place: String,
    /// Share of incidents in this context.
    pub share: f64,
    /// Probability the incident is at night.
    #[serde(default)]
    pub night: f64,
    /// Probability the incident is on a weekend.
    #[serde(default)]
    pub weekend: f64,
    /// Probability the driver's phone has coverage.
    #[serde(default = "one")]
    pub phone_coverage: f64,
    /// Probability the car has cellular coverage (needed by app unlock).
    #[serde(default = "one")]
    pub car_cellular_coverage: f64,
    /// Probability the car has been parked so long that remote unlock no longer works.
    #[serde(default)]
    pub parked_long: f64,
    /// Probability the keys are in the cabin rather than in the trunk.
    #[serde(default)]
    pub keys_in_cabin: f64,
}

fn one() -> f64 {
    1.0
}

/// A fact the scenario declares: drawn once per incident, after the built-in facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactSpec {
    /// What it means.
    #[serde(default)]
    pub description: String,
    /// Where its probabilities come from.
    #[serde(default)]
    pub source: String,
    /// `vehicle`, `driver` or `context`: the level whose values `probability` names.
    #[serde(default)]
    pub level: Option<String>,
    /// One probability for every incident, or a table giving one per value of `level` (every
    /// segment, driver profile or context by name).
    pub probability: FactProbability,
    /// Ordered rules `{ when = [facts], probability = p }`: the first whose facts all hold gives
    /// the probability instead.
    #[serde(default)]
    pub given: Vec<GivenSpec>,
    /// 24 probabilities, by hour of the day from 00:00, used instead of `probability` when the
    /// incident's time is known (region scenarios only).
    #[serde(default)]
    pub by_hour: Option<Vec<f64>>,
}

/// A fact's probability as written: one number, or one per value of its level.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FactProbability {
    /// The same for every incident.
    All(f64),
    /// By segment, driver profile or context name.
    ByValue(BTreeMap<String, f64>),
}

/// A rule refining a fact's probability when other facts hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenSpec {
    /// Facts that must all hold (`"!fact"` for must-not).
    pub when: Vec<String>,
    /// The fact's probability when they do.
    pub probability: f64,
}

/// A remedy: preconditions, success, duration, cost and damage risk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemedySpec {
    /// Label for tables (default: the remedy's key).
    #[serde(default)]
    pub label: Option<String>,
    /// Whether the remedy exists in this scenario (strategies may switch it).
    #[serde(default = "yes")]
    pub available: bool,
    /// Preconditions: a list of facts that must all hold (`"!fact"` for must-not), or a list of
    /// such lists of which one must hold.
    #[serde(default)]
    pub requires: Requires,
    /// Probability it works once tried.
    #[serde(default = "one")]
    pub success: f64,
    /// Waiting time before work starts (a call-out's arrival).
    #[serde(default)]
    pub wait: Option<DurationDist>,
    /// Working time.
    #[serde(default)]
    pub duration: Option<DurationDist>,
    /// Working time by spare key location, overriding `duration` where given.
    #[serde(default)]
    pub duration_by_spare_key: BTreeMap<String, DurationDist>,
    /// Price paid when it completes.
    #[serde(default)]
    pub cost: Option<MoneyDist>,
    /// Whether the price is paid even when it fails (a call-out fee is).
    #[serde(default = "yes")]
    pub charge_on_failure: bool,
    /// Fee paid when it is cancelled because another route won a race.
    #[serde(default)]
    pub cancel_fee: Option<MoneyDist>,
    /// Risks of damage, each drawn independently when the attempt completes.
    #[serde(default)]
    pub damage: Vec<DamageSpec>,
    /// Whether success gives access to the keys (otherwise it only changes facts).
    #[serde(default = "yes")]
    pub grants_access: bool,
    /// Facts that become true when it succeeds (e.g. `cabin_open`).
    #[serde(default)]
    pub sets: Vec<String>,
    /// Facts that become false when it succeeds (e.g. `lock_cylinder_rusty`).
    #[serde(default)]
    pub clears: Vec<String>,
    /// Adjustments that apply when all their facts hold (night surcharges, remote waits).
    #[serde(default)]
    pub adjust: Vec<AdjustSpec>,
}

fn yes() -> bool {
    true
}

/// Preconditions as written: all of a list, or any of several lists.
#[derive(Debug, Clone, Default)]
pub enum Requires {
    /// No preconditions.
    #[default]
    Nothing,
    /// All these facts.
    All(Vec<String>),
    /// Any one of these sets of facts.
    AnyOf(Vec<Vec<String>>),
}

/// A damage risk of a remedy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DamageSpec {
    /// What gets damaged (paint, wiring, window, ...).
    pub kind: String,
    /// Probability per attempt.
    pub probability: f64,
    /// Repair cost.
    pub cost: MoneyDist,
}

/// A conditional change to a remedy's parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustSpec {
    /// Facts that must all hold (`"!fact"` for must-not).
    pub when: Vec<String>,
    /// Multiplies the wait.
    #[serde(default = "one")]
    pub wait_factor: f64,
    /// Multiplies the working time.
    #[serde(default = "one")]
    pub duration_factor: f64,
    /// Multiplies the price.
    #[serde(default = "one")]
    pub cost_factor: f64,
    /// Adds to the price (after the factors), in the scenario currency.
    #[serde(default)]
    pub add_cost: f64,
    /// Replaces the success probability.
    #[serde(default)]
    pub success: Option<f64>,
}

/// A decision policy: steps tried in order; a step may race several remedies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// The steps, each a remedy name or `{ race = [names] }`.
    pub steps: Vec<StepSpec>,
}

/// One step of a policy: a remedy name in quotes, or a table
/// `{ race = [names] }` / `{ remedy = name }` with optional `when`, `escalate` and
/// `escalate_after`.
#[derive(Debug, Clone)]
pub struct StepSpec {
    /// The remedies the step starts together (one for a plain step).
    pub remedies: Vec<String>,
    /// Facts that must hold when the step's turn comes, else it is passed over (default:
    /// always runs). Same form as a remedy's `requires`.
    pub when: Requires,
    /// When the next step starts without waiting for this one to end.
    pub escalate: EscalateSpec,
}

/// When the step after this one starts, besides "when this step has ended without access"
/// (the default, and what a step without these fields does).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EscalateSpec {
    /// `escalate = "on_failure"`: as soon as any racer of this step fails.
    pub on_failure: bool,
    /// `escalate = "at_once"`: together with this step.
    pub at_once: bool,
    /// `escalate_after = "30 min"`: after this long without access, counted from this step's
    /// start.
    pub after: Option<Duration>,
}

/// A prevention strategy and how it changes the scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    /// Name as it appears in every table.
    pub name: String,
    /// What it means, for the report.
    #[serde(default)]
    pub description: String,
    /// The strategy the others are compared with.
    #[serde(default)]
    pub baseline: bool,
    /// What the strategy costs per vehicle and year.
    #[serde(default)]
    pub annual_cost: f64,
    /// The share of `annual_cost` attributable to lockouts (a roadside membership also
    /// covers breakdowns): only this share is charged.
    #[serde(default = "one")]
    pub lockout_share: f64,
    /// Who the strategy can apply to (default: every vehicle).
    #[serde(default)]
    pub target: TargetSpec,
    /// The share of targeted vehicles that adopt the strategy (default 1).
    #[serde(default = "one")]
    pub uptake: f64,
    /// Multiplies the incident rate (a waist-pouch habit makes lockouts rarer).
    #[serde(default = "one")]
    pub incident_rate_multiplier: f64,
    /// Remedies this strategy makes unavailable.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Changes to scenario fields: path (e.g. `driver.*.roadside_member`) to new value.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
}

/// `[strategy.target]`: the sub-population a strategy can apply to. Each list that is given
/// restricts it; a vehicle is targeted when it is in every list given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Vehicle segment names.
    #[serde(default)]
    pub segments: Vec<String>,
    /// Driver profile names.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Context names (a context's `name`, or its place when it has none).
    #[serde(default)]
    pub contexts: Vec<String>,
    /// Facts of the lockout (as the baseline draws it) that must all hold, or a list of such
    /// lists of which one must hold, as a remedy's `requires`.
    #[serde(default)]
    pub facts: Requires,
}

impl TargetSpec {
    /// Whether no list is given: the target is everyone.
    pub fn is_everyone(&self) -> bool {
        self.segments.is_empty()
            && self.profiles.is_empty()
            && self.contexts.is_empty()
            && matches!(self.facts, Requires::Nothing)
    }
}

fn strings(v: &toml::Value, what: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what} must be a list of names"))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(String::from)
                .ok_or_else(|| format!("{what} must be a list of names in quotes (found {x})"))
        })
        .collect()
}

impl<'de> Deserialize<'de> for Requires {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const RULE: &str = "requires is a list of facts that must all hold, e.g. [\"cabin_open\", \"!keys_in_cabin\"], or a list of such lists of which one must hold";
        let v = toml::Value::deserialize(d)?;
        let items = v.as_array().ok_or_else(|| serde::de::Error::custom(RULE))?;
        if items.iter().all(|x| x.is_str()) {
            return strings(&v, "requires")
                .map(Requires::All)
                .map_err(serde::de::Error::custom);
        }
        if items.iter().all(|x| x.is_array()) {
            return items
                .iter()
                .map(|x| strings(x, "each alternative of requires"))
                .collect::<Result<Vec<_>, _>>()
                .map(Requires::AnyOf)
                .map_err(serde::de::Error::custom);
        }
        Err(serde::de::Error::custom(RULE))
    }
}

impl<'de> Deserialize<'de> for StepSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        const RULE: &str = "a step is a remedy name in quotes, or a table { race = [\"a\", \"b\"] } or \
                            { remedy = \"a\" }, optionally with when = [facts], escalate = \
                            \"on_failure\" or \"at_once\", and escalate_after = \"30 min\"";
        let v = toml::Value::deserialize(d)?;
        let t = match &v {
            toml::Value::String(s) => {
                return Ok(StepSpec {
                    remedies: vec![s.clone()],
                    when: Requires::Nothing,
                    escalate: EscalateSpec::default(),
                });
            }
            toml::Value::Table(t) => t,
            _ => return Err(D::Error::custom(RULE)),
        };
        const FIELDS: [&str; 5] = ["race", "remedy", "when", "escalate", "escalate_after"];
        if let Some(k) = t.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(D::Error::custom(format!(
                "unknown field `{k}` in a step; {RULE}"
            )));
        }
        let remedies = match (t.get("race"), t.get("remedy")) {
            (Some(race), None) => strings(race, "race").map_err(D::Error::custom)?,
            (None, Some(toml::Value::String(r))) => vec![r.clone()],
            (None, Some(_)) => return Err(D::Error::custom("remedy must be a name in quotes")),
            _ => {
                return Err(D::Error::custom(format!(
                    "a step has `race` or `remedy`, not both nor neither; {RULE}"
                )));
            }
        };
        let when = match t.get("when") {
            None => Requires::Nothing,
            Some(w) => Requires::deserialize(w.clone()).map_err(D::Error::custom)?,
        };
        let mut escalate = EscalateSpec::default();
        match t.get("escalate").map(|e| e.as_str()) {
            None => {}
            Some(Some("on_failure")) => escalate.on_failure = true,
            Some(Some("at_once")) => escalate.at_once = true,
            Some(_) => {
                return Err(D::Error::custom(
                    "escalate is \"on_failure\" (the next step starts when any racer of this \
                     one fails) or \"at_once\" (it starts with this one)",
                ));
            }
        }
        if let Some(after) = t.get("escalate_after") {
            escalate.after = Some(Duration::deserialize(after.clone()).map_err(D::Error::custom)?);
        }
        if escalate.at_once && (escalate.on_failure || escalate.after.is_some()) {
            return Err(D::Error::custom(
                "escalate = \"at_once\" starts the next step at once: escalate_after adds nothing",
            ));
        }
        Ok(StepSpec {
            remedies,
            when,
            escalate,
        })
    }
}
