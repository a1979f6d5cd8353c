//! A JSON Schema (draft-07) of the scenario format, for editors that complete and check TOML
//! (taplo, Even Better TOML), and the field kinds `--set` uses for fields a file leaves at
//! their default.
//!
//! Written by hand beside the serde types of [`super::spec`] and [`super::region_spec`]: the
//! custom deserialisers (durations such as `"30 min"`, distributions as a bare value or a
//! one-key table naming the family, `requires` as a list or a list of lists, policy steps as a
//! name or `{ race = [...] }`) would be mis-described by a derived schema. A test validates
//! every shipped scenario against it, and files with known mistakes against it, so the schema
//! and the loader agree. The loader stays the authority: cross-field rules (shares summing to
//! 1, names that resolve, one baseline) are not in the schema.

use serde_json::{Map, Value, json};

use crate::model::{Fact, Place, SpareKeyLocation};

/// The `$id`-less schema's title.
pub const TITLE: &str = "lockout scenario";

/// A duration written with its unit, as `parse_duration` reads it.
pub const DURATION_PATTERN: &str =
    r"^\s*\+?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)\s*(s|sec|min|h|d)\s*$";

/// The name of a fact a scenario declares: a lowercase word.
pub const FACT_NAME_PATTERN: &str = "^[a-z][a-z0-9_]*$";

/// The JSON Schema of a scenario file.
pub fn json_schema() -> Value {
    let facts: Vec<&str> = Fact::ALL.iter().map(|f| f.name()).collect();
    let literals: Vec<String> = facts
        .iter()
        .map(|f| f.to_string())
        .chain(facts.iter().map(|f| format!("!{f}")))
        .collect();
    let places: Vec<&str> = Place::ALL.iter().map(|p| p.name()).collect();
    let spare: Map<String, Value> = SpareKeyLocation::ALL
        .iter()
        .map(|l| {
            (
                l.name().to_string(),
                json!({ "$ref": "#/definitions/probability" }),
            )
        })
        .collect();
    let prob = |desc: &str, default: f64| json!({ "$ref": "#/definitions/probability", "description": desc, "default": default });
    let remedy = remedy_schema(&prob);
    let region = region_schema(&prob);
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": TITLE,
        "description": "A lockout scenario: the population, remedies, policies and prevention strategies of car lockouts (see the README's Scenario format). `lockout check FILE` applies the rules a schema cannot express.",
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "currency", "price_year", "incident_rate_per_vehicle_year", "value_of_time_per_hour", "horizon", "fallback"],
        "properties": {
            "name": { "type": "string", "minLength": 1, "description": "Human name, used in titles." },
            "description": { "type": "string", "description": "What the scenario represents.", "default": "" },
            "currency": { "type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code of every money figure, e.g. USD." },
            "price_year": { "type": "integer", "minimum": 1900, "maximum": 2200, "description": "The year whose prices the money figures are in." },
            "incidents": { "type": "integer", "minimum": 1, "default": 1_000_000, "description": "Default number of incidents for `lockout run`." },
            "seed": { "type": "integer", "minimum": 0, "default": 42, "description": "Default seed." },
            "incident_rate_per_vehicle_year": { "type": "number", "minimum": 0, "description": "Lockouts per vehicle-year under the baseline strategy." },
            "value_of_time_per_hour": { "type": "number", "minimum": 0, "description": "Money per hour of waiting." },
            "horizon": { "$ref": "#/definitions/duration", "description": "Give up after this long without access; the fallback then ends the incident." },
            "fallback": {
                "description": "What ends an incident that reaches the horizon or runs out of remedies: one [fallback], or several [[fallback]] of which the first whose `when` holds is taken (the last, the default, has no `when`).",
                "anyOf": [
                    { "$ref": "#/definitions/fallback" },
                    { "type": "array", "items": { "$ref": "#/definitions/fallback" }, "minItems": 1, "maxItems": 16 }
                ]
            },
            "vehicle": {
                "type": "array",
                "description": "Vehicle segments; shares sum to 1.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "share"],
                    "properties": {
                        "name": { "type": "string" },
                        "share": { "$ref": "#/definitions/probability", "description": "Share of incidents in this segment." },
                        "keyless_trunk_button": prob("Keyless trunk button: opens when the fob is within about 1 m.", 0.0),
                        "fold_down_seats": prob("Rear seats fold down to reach the trunk.", 0.0),
                        "seat_release_in_cabin": prob("The seat release is in the cabin.", 0.0),
                        "interior_trunk_release": prob("A trunk release reachable from the cabin.", 0.0),
                        "app_unlock": prob("App remote unlock with an active subscription.", 0.0),
                        "key_cylinder": prob("A physical key blade and a usable lock cylinder.", 0.0),
                        "faults": {
                            "type": "object",
                            "description": "Probabilities of faults that block routes.",
                            "additionalProperties": false,
                            "properties": {
                                "fob_battery_dead": prob("The fob's battery is dead.", 0.0),
                                "linkage_rod_broken": prob("The linkage rod to the latch is broken.", 0.0),
                                "lock_cylinder_rusty": prob("The lock cylinder is rusty.", 0.0),
                                "latch_wire_broken": prob("The latch or its release wire is broken.", 0.0)
                            }
                        }
                    }
                }
            },
            "driver": {
                "type": "array",
                "description": "Driver profiles; shares sum to 1.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "share", "policy"],
                    "properties": {
                        "name": { "type": "string" },
                        "share": { "$ref": "#/definitions/probability" },
                        "door_left_unlocked": prob("A door was left unlocked.", 0.0),
                        "spare_key": {
                            "type": "object",
                            "description": "Where the spare key is, location to probability (summing to 1); missing: no spare.",
                            "additionalProperties": false,
                            "properties": spare
                        },
                        "roadside_member": prob("Has a roadside-assistance membership.", 0.0),
                        "smartphone_app": prob("Has a smartphone with the car's app.", 0.0),
                        "temperament": { "enum": ["calm", "flustered"], "default": "calm" },
                        "policy": { "type": "string", "description": "A key of [policy]." }
                    }
                }
            },
            "context": {
                "type": "array",
                "description": "Where and when; shares sum to 1.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["place", "share"],
                    "properties": {
                        "name": { "type": "string", "description": "Name for tables and paths (default: the place)." },
                        "place": { "enum": places },
                        "share": { "$ref": "#/definitions/probability" },
                        "night": prob("Probability of night.", 0.0),
                        "weekend": prob("Probability of a weekend.", 0.0),
                        "phone_coverage": prob("Probability the phone has coverage.", 1.0),
                        "car_cellular_coverage": prob("Probability the car has cellular coverage.", 1.0),
                        "parked_long": prob("Parked so long that remote unlock no longer works.", 0.0),
                        "keys_in_cabin": prob("The keys are in the cabin rather than the trunk.", 0.0)
                    }
                }
            },
            "fact": {
                "type": "object",
                "description": "The scenario's own facts by name (at most 32), usable wherever the built-in facts are.",
                "propertyNames": { "pattern": FACT_NAME_PATTERN },
                "additionalProperties": { "$ref": "#/definitions/user_fact" }
            },
            "remedy": {
                "type": "object",
                "description": "Remedies by name.",
                "additionalProperties": { "$ref": "#/definitions/remedy" }
            },
            "policy": {
                "type": "object",
                "description": "Decision policies by name.",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["steps"],
                    "properties": {
                        "steps": { "type": "array", "items": { "$ref": "#/definitions/step" } }
                    }
                }
            },
            "strategy": {
                "type": "array",
                "description": "Prevention strategies; exactly one has baseline = true.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name"],
                    "properties": {
                        "name": { "type": "string" },
                        "description": { "type": "string", "default": "" },
                        "baseline": { "type": "boolean", "default": false },
                        "annual_cost": { "type": "number", "default": 0.0, "description": "Per vehicle and year; negative for a saving (dropping a membership)." },
                        "lockout_share": { "type": "number", "minimum": 0, "maximum": 1, "default": 1.0, "description": "Share of annual_cost attributable to lockouts (a membership that also covers breakdowns); only this share is charged." },
                        "uptake": { "type": "number", "minimum": 0, "maximum": 1, "default": 1.0, "description": "Share of the targeted vehicles that adopt the strategy; the annual cost is charged per adopting vehicle." },
                        "target": {
                            "type": "object",
                            "additionalProperties": false,
                            "description": "The sub-population the strategy can apply to: a vehicle is targeted when it is in every list given (default: every vehicle).",
                            "properties": {
                                "segments": { "type": "array", "items": { "type": "string" }, "description": "Vehicle segment names." },
                                "profiles": { "type": "array", "items": { "type": "string" }, "description": "Driver profile names." },
                                "contexts": { "type": "array", "items": { "type": "string" }, "description": "Context names (or places)." },
                                "facts": { "$ref": "#/definitions/conditions" }
                            }
                        },
                        "incident_rate_multiplier": { "type": "number", "minimum": 0, "default": 1.0 },
                        "disable": { "type": "array", "items": { "type": "string" }, "description": "Remedy names made unavailable." },
                        "set": { "type": "object", "description": "Path (as for --set) to new value." }
                    }
                }
            },
            "region": { "$ref": "#/definitions/region" },
            "uncertainty": {
                "type": "object",
                "additionalProperties": false,
                "description": "Uncertain parameters for `lockout uncertainty`: each a numeric field (a --set path) with a distribution and its source.",
                "properties": {
                    "draws": { "type": "integer", "minimum": 2, "default": 200, "description": "Parameter draws (default for --draws)." },
                    "incidents": { "type": "integer", "minimum": 2, "default": 50000, "description": "Incidents per draw under every strategy (default for --incidents)." },
                    "samples": { "type": "string", "description": "A joint sample: a CSV file (relative to the scenario) with a column per parameter path and one row per parameter set; draw d takes row d. Replaces the parameters' distributions." },
                    "parameter": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["path", "source"],
                            "properties": {
                                "path": { "type": "string", "description": "A numeric field, as for --set: incident_rate_per_vehicle_year, remedy.locksmith.success, strategy.\"waist-pouch habit\".incident_rate_multiplier." },
                                "distribution": {
                                    "description": "The distribution of its value: numbers, or durations for a duration field (absent with a joint sample file).",
                                    "anyOf": [ { "$ref": "#/definitions/money_dist" }, { "$ref": "#/definitions/duration_dist" } ]
                                },
                                "source": { "type": "string", "minLength": 1, "description": "Row ids of docs/sources.md, or `assumption` and why." }
                            }
                        }
                    }
                }
            }
        },
        "definitions": {
            "probability": { "type": "number", "minimum": 0, "maximum": 1 },
            "duration": {
                "type": "string",
                "pattern": DURATION_PATTERN,
                "description": "A duration with its unit: \"30 s\", \"25 min\", \"1.5 h\", \"2 d\"."
            },
            "money": { "type": "number", "description": "Money in the scenario currency." },
            "duration_dist": dist_schema("duration"),
            "money_dist": dist_schema("money"),
            "fact_literal": {
                "description": "A fact, or !fact for must-not: a built-in fact, or one the scenario declares in [fact].",
                "anyOf": [ { "enum": literals }, { "type": "string", "pattern": "^!?[a-z][a-z0-9_]*$" } ]
            },
            "fact": {
                "description": "A built-in fact, or one the scenario declares in [fact].",
                "anyOf": [ { "enum": facts }, { "type": "string", "pattern": FACT_NAME_PATTERN } ]
            },
            "user_fact": {
                "type": "object",
                "additionalProperties": false,
                "required": ["probability"],
                "properties": {
                    "description": { "type": "string", "description": "What the fact means." },
                    "source": { "type": "string", "description": "Where its probabilities come from." },
                    "level": { "enum": ["vehicle", "driver", "context"], "description": "The level whose values a table of probabilities names." },
                    "probability": {
                        "description": "One probability for every incident, or a table giving one for every segment, driver profile or context (by name) of `level`.",
                        "anyOf": [
                            { "$ref": "#/definitions/probability" },
                            { "type": "object", "additionalProperties": { "$ref": "#/definitions/probability" } }
                        ]
                    },
                    "given": {
                        "type": "array",
                        "description": "Ordered rules: the first whose facts all hold gives the probability instead. They may test built-in facts and declared facts, but the declared facts may not depend on each other in a cycle.",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["when", "probability"],
                            "properties": {
                                "when": { "type": "array", "items": { "$ref": "#/definitions/fact_literal" } },
                                "probability": { "$ref": "#/definitions/probability" }
                            }
                        }
                    },
                    "by_hour": {
                        "type": "array",
                        "description": "24 probabilities by hour of the day from 00:00, used instead of `probability` when the incident's time is known (region scenarios only).",
                        "minItems": 24,
                        "maxItems": 24,
                        "items": { "$ref": "#/definitions/probability" }
                    }
                }
            },
            "remedy": remedy,
            "conditions": {
                "description": "Facts that must all hold, or a list of such lists of which one must hold.",
                "anyOf": [
                    { "type": "array", "items": { "$ref": "#/definitions/fact_literal" } },
                    { "type": "array", "items": { "type": "array", "items": { "$ref": "#/definitions/fact_literal" } } }
                ]
            },
            "fallback": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "duration"],
                "properties": {
                    "name": { "type": "string" },
                    "when": { "$ref": "#/definitions/conditions", "description": "Facts that must hold when the incident gives up for this fallback to be taken." },
                    "duration": { "$ref": "#/definitions/duration_dist", "description": "Time from giving up to access." },
                    "cost": { "$ref": "#/definitions/money_dist" }
                }
            },
            "step": {
                "description": "A remedy name, or a table with `race` (several started at once) or `remedy` (one), and optionally `when` (the step runs only if these facts hold when its turn comes), `escalate` and `escalate_after` (when the next step starts without waiting for this one to end).",
                "anyOf": [
                    { "type": "string" },
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "anyOf": [ { "required": ["race"] }, { "required": ["remedy"] } ],
                        "properties": {
                            "race": { "type": "array", "items": { "type": "string" }, "minItems": 1, "maxItems": 8 },
                            "remedy": { "type": "string" },
                            "when": { "$ref": "#/definitions/conditions" },
                            "escalate": { "enum": ["on_failure", "at_once"], "description": "on_failure: the next step starts when any attempt of this one fails; at_once: it starts with this one." },
                            "escalate_after": { "$ref": "#/definitions/duration", "description": "The next step starts after this long without access, counted from this step's start." }
                        }
                    }
                ]
            },
            "region": region
        }
    })
}

fn remedy_schema(prob: &dyn Fn(&str, f64) -> Value) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "label": { "type": "string" },
            "available": { "type": "boolean", "default": true },
            "requires": { "$ref": "#/definitions/conditions" },
            "success": prob("Probability it works once tried.", 1.0),
            "wait": { "$ref": "#/definitions/duration_dist", "description": "Waiting time before work starts (a call-out's arrival)." },
            "duration": { "$ref": "#/definitions/duration_dist", "description": "Working time." },
            "duration_by_spare_key": {
                "type": "object",
                "additionalProperties": false,
                "properties": SpareKeyLocation::ALL.iter().map(|l| (l.name().to_string(), json!({ "$ref": "#/definitions/duration_dist" }))).collect::<Map<String, Value>>()
            },
            "cost": { "$ref": "#/definitions/money_dist", "description": "Price paid when it completes." },
            "charge_on_failure": { "type": "boolean", "default": true },
            "cancel_fee": { "$ref": "#/definitions/money_dist", "description": "Paid when another route wins a race." },
            "damage": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["kind", "probability", "cost"],
                    "properties": {
                        "kind": { "type": "string" },
                        "probability": { "$ref": "#/definitions/probability" },
                        "cost": { "$ref": "#/definitions/money_dist" }
                    }
                }
            },
            "grants_access": { "type": "boolean", "default": true },
            "sets": { "type": "array", "items": { "$ref": "#/definitions/fact" } },
            "clears": { "type": "array", "items": { "$ref": "#/definitions/fact" } },
            "adjust": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["when"],
                    "properties": {
                        "when": { "type": "array", "items": { "$ref": "#/definitions/fact_literal" } },
                        "wait_factor": { "type": "number", "minimum": 0, "default": 1.0 },
                        "duration_factor": { "type": "number", "minimum": 0, "default": 1.0 },
                        "cost_factor": { "type": "number", "minimum": 0, "default": 1.0 },
                        "add_cost": { "type": "number", "minimum": 0, "default": 0.0 },
                        "success": { "$ref": "#/definitions/probability", "description": "Replaces the success probability." }
                    }
                }
            }
        }
    })
}

fn region_schema(prob: &dyn Fn(&str, f64) -> Value) -> Value {
    json!({
        "type": "object",
        "description": "Simulate period by period against shared responders.",
        "additionalProperties": false,
        "required": ["vehicles"],
        "properties": {
            "vehicles": { "type": "integer", "minimum": 1 },
            "periods": { "type": "integer", "minimum": 1, "default": 1000 },
            "hour_profile": { "type": "array", "items": { "type": "number", "minimum": 0 }, "minItems": 24, "maxItems": 24 },
            "weekday_profile": { "type": "array", "items": { "type": "number", "minimum": 0 }, "minItems": 7, "maxItems": 7 },
            "month_profile": { "type": "array", "items": { "type": "number", "minimum": 0 }, "minItems": 12, "maxItems": 12 },
            "priority_share": prob("Share of incidents served first (a child or pet locked in).", 0.0),
            "pool": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "count", "serves", "travel"],
                    "properties": {
                        "name": { "type": "string" },
                        "count": { "type": "integer", "minimum": 0 },
                        "serves": { "type": "array", "items": { "type": "string" } },
                        "shift": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["start", "end"],
                            "properties": {
                                "start": { "type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$" },
                                "end": { "type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$" }
                            }
                        },
                        "travel": { "$ref": "#/definitions/duration_dist" },
                        "other_calls_per_hour": { "type": "number", "minimum": 0, "default": 0.0 },
                        "other_call_service": { "$ref": "#/definitions/duration_dist" }
                    }
                }
            },
            "policy_terms": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "deductible": { "type": "number", "minimum": 0, "default": 0.0 },
                    "limit_per_incident": { "type": "number", "minimum": 0 },
                    "annual_call_limit": { "type": "integer", "minimum": 0 }
                }
            }
        }
    })
}

/// The schema, built once.
pub fn cached() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(json_schema)
}

/// A distribution of durations or money: a bare value (fixed), or a one-key table naming the
/// family with its parameters.
fn dist_schema(quantity: &str) -> Value {
    let q = json!({ "$ref": format!("#/definitions/{quantity}") });
    let number = json!({ "type": "number" });
    let params = |names: &[(&str, &Value)], required: &[&str]| {
        let props: Map<String, Value> = names
            .iter()
            .map(|(n, s)| (n.to_string(), (*s).clone()))
            .collect();
        json!({ "type": "object", "additionalProperties": false, "required": required, "properties": props })
    };
    let families = json!({
        "fixed": q,
        "uniform": params(&[("min", &q), ("max", &q)], &["min", "max"]),
        "triangular": params(&[("min", &q), ("mode", &q), ("max", &q)], &["min", "mode", "max"]),
        "normal": params(&[("mean", &q), ("sd", &q), ("min", &q), ("max", &q)], &["mean", "sd"]),
        "lognormal": { "anyOf": [
            params(&[("median", &q), ("p90", &q)], &["median", "p90"]),
            params(&[("mean", &q), ("sd", &q)], &["mean", "sd"])
        ] },
        "exponential": params(&[("mean", &q)], &["mean"]),
        "gamma": { "anyOf": [
            params(&[("shape", &number), ("scale", &q)], &["shape", "scale"]),
            params(&[("mean", &q), ("sd", &q)], &["mean", "sd"])
        ] },
        "weibull": params(&[("shape", &number), ("scale", &q)], &["shape", "scale"]),
        "empirical": params(
            &[("values", &json!({ "type": "array", "items": q, "minItems": 1 })),
              ("weights", &json!({ "type": "array", "items": number }))],
            &["values"]
        )
    });
    // A mixture's component: its weight and one family (not another mixture).
    let mut component = families.as_object().expect("an object").clone();
    component.insert("weight".into(), json!({ "type": "number", "minimum": 0 }));
    let mut with_mixture = families.as_object().expect("an object").clone();
    with_mixture.insert(
        "mixture".into(),
        json!({
            "type": "array",
            "minItems": 2,
            "items": { "type": "object", "required": ["weight"], "minProperties": 2, "maxProperties": 2,
                       "additionalProperties": false, "properties": component }
        }),
    );
    json!({
        "description": format!("A {quantity} distribution: a bare value (fixed) or a one-key table naming the family, e.g. {{ lognormal = {{ median = ..., p90 = ... }} }}."),
        "anyOf": [
            q,
            { "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": false, "properties": with_mixture }
        ]
    })
}

/// What kind of value a field holds, for `--set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number (a probability, a rate, money).
    Number,
    /// A whole number.
    Integer,
    /// A duration string with its unit.
    Duration,
    /// A duration distribution: a duration, or a family table.
    DurationDist,
    /// A money distribution: a number, or a family table.
    MoneyDist,
    /// Anything else (text, flags, lists, tables).
    Other,
}

/// Follows a local `$ref` to its definition.
pub fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    while let Some(r) = node.get("$ref").and_then(Value::as_str) {
        match r
            .strip_prefix("#/definitions/")
            .and_then(|name| root["definitions"].get(name))
        {
            Some(next) => node = next,
            None => break,
        }
    }
    node
}

/// The kind of a field's schema.
pub fn kind(root: &Value, node: &Value) -> Kind {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        match r {
            "#/definitions/duration" => return Kind::Duration,
            "#/definitions/duration_dist" => return Kind::DurationDist,
            "#/definitions/money_dist" => return Kind::MoneyDist,
            _ => {}
        }
    }
    match resolve(root, node).get("type").and_then(Value::as_str) {
        Some("number") => Kind::Number,
        Some("integer") => Kind::Integer,
        _ => Kind::Other,
    }
}

/// The schema of the value under `key` in an object schema: a named property, or the
/// schema of every value of a map. `named` says which.
pub fn property<'a>(root: &'a Value, object: &'a Value, key: &str) -> Option<(&'a Value, bool)> {
    let object = resolve(root, object);
    if let Some(p) = object.get("properties").and_then(|p| p.get(key)) {
        return Some((p, true));
    }
    match object.get("additionalProperties") {
        Some(v) if v.is_object() => Some((v, false)),
        _ => None,
    }
}

/// The schema of the elements of an array schema.
pub fn items<'a>(root: &'a Value, array: &'a Value) -> Option<&'a Value> {
    resolve(root, array).get("items")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_definitions() {
        let root = json_schema();
        let remedy = property(&root, &root, "remedy").unwrap().0;
        let one = property(&root, remedy, "locksmith").unwrap();
        assert!(!one.1, "remedies are a map");
        let k = |key: &str| kind(&root, property(&root, one.0, key).unwrap().0);
        assert_eq!(k("success"), Kind::Number);
        assert_eq!(k("wait"), Kind::DurationDist);
        assert_eq!(k("cancel_fee"), Kind::MoneyDist);
        assert_eq!(k("available"), Kind::Other);
        assert_eq!(
            kind(&root, property(&root, &root, "horizon").unwrap().0),
            Kind::Duration
        );
        assert_eq!(
            kind(&root, property(&root, &root, "seed").unwrap().0),
            Kind::Integer
        );
    }
}
