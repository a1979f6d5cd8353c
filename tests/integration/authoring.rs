//! Help for scenario authors: `lockout new` writes a starter that passes `check` and never
//! overwrites; `lockout schema` describes the format so that every shipped scenario validates
//! and files with known mistakes do not (checked by [`Validator`], the subset of JSON Schema
//! draft-07 the schema uses, as an editor would).

use crate::testutil::{lockout, minimal, read, root};

/// The schema `lockout schema` prints.
fn schema() -> serde_json::Value {
    let out = lockout().arg("schema").output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("lockout schema prints JSON")
}

/// A TOML document as the JSON an editor validates.
fn as_json(text: &str) -> serde_json::Value {
    let table: toml::Table = toml::from_str(text).expect("TOML");
    serde_json::to_value(table).unwrap()
}

fn errors(validator: &Validator, text: &str) -> Vec<String> {
    validator.errors(&as_json(text))
}

/// A validator of the part of JSON Schema draft-07 that `lockout schema` uses: `type`,
/// `properties`, `required`, `additionalProperties`, `minProperties`/`maxProperties`, `items`,
/// `minItems`/`maxItems`, `minLength`/`maxLength`, `minimum`/`maximum`, `enum`, `pattern`,
/// `anyOf` and local `$ref`s into
/// `definitions`. A keyword outside this set makes it panic, so the schema cannot grow beyond
/// what the test checks. (A full validator crate doubled the test build's cold time.)
struct Validator {
    root: serde_json::Value,
}

impl Validator {
    fn new(root: &serde_json::Value) -> Validator {
        Validator { root: root.clone() }
    }

    /// Every violation, as "what at /json/pointer".
    fn errors(&self, instance: &serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        self.check(&self.root, instance, "", &mut out);
        out
    }

    fn check(
        &self,
        schema: &serde_json::Value,
        v: &serde_json::Value,
        at: &str,
        out: &mut Vec<String>,
    ) {
        use serde_json::Value;
        let Some(schema) = schema.as_object() else {
            return; // `true`
        };
        let fail = |out: &mut Vec<String>, what: String| out.push(format!("{what} at {at}"));
        for (key, rule) in schema {
            match key.as_str() {
                "$schema" | "$id" | "title" | "description" | "default" | "definitions"
                | "examples" => {}
                "$ref" => {
                    let name = rule
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/definitions/"))
                        .expect("a local $ref");
                    self.check(&self.root["definitions"][name], v, at, out);
                }
                "type" => {
                    let types: Vec<&str> = match rule {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        _ => panic!("type {rule}"),
                    };
                    let ok = types.iter().any(|t| match *t {
                        "object" => v.is_object(),
                        "array" => v.is_array(),
                        "string" => v.is_string(),
                        "boolean" => v.is_boolean(),
                        "null" => v.is_null(),
                        "number" => v.is_number(),
                        "integer" => {
                            v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|x| x.fract() == 0.0)
                        }
                        other => panic!("type {other}"),
                    });
                    if !ok {
                        fail(out, format!("{v} is not of type {rule}"));
                    }
                }
                "properties" => {
                    if let Some(obj) = v.as_object() {
                        for (name, sub) in rule.as_object().unwrap() {
                            if let Some(x) = obj.get(name) {
                                self.check(sub, x, &format!("{at}/{name}"), out);
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(obj) = v.as_object() {
                        let known = schema.get("properties").and_then(Value::as_object);
                        for (name, x) in obj {
                            if known.is_some_and(|k| k.contains_key(name)) {
                                continue;
                            }
                            match rule {
                                Value::Bool(false) => {
                                    fail(out, format!("unknown property `{name}`"))
                                }
                                Value::Bool(true) => {}
                                sub => self.check(sub, x, &format!("{at}/{name}"), out),
                            }
                        }
                    }
                }
                "required" => {
                    if let Some(obj) = v.as_object() {
                        for name in rule.as_array().unwrap().iter().filter_map(Value::as_str) {
                            if !obj.contains_key(name) {
                                fail(out, format!("`{name}` is required"));
                            }
                        }
                    }
                }
                "minProperties" | "maxProperties" => {
                    if let Some(obj) = v.as_object() {
                        let n = rule.as_u64().unwrap() as usize;
                        let bad = if key == "minProperties" {
                            obj.len() < n
                        } else {
                            obj.len() > n
                        };
                        if bad {
                            fail(out, format!("{} properties ({key} {n})", obj.len()));
                        }
                    }
                }
                "items" => {
                    if let Some(items) = v.as_array() {
                        for (i, x) in items.iter().enumerate() {
                            self.check(rule, x, &format!("{at}/{i}"), out);
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = v.as_array() {
                        let n = rule.as_u64().unwrap() as usize;
                        let bad = if key == "minItems" {
                            items.len() < n
                        } else {
                            items.len() > n
                        };
                        if bad {
                            fail(out, format!("{} items ({key} {n})", items.len()));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(text) = v.as_str() {
                        let n = rule.as_u64().unwrap() as usize;
                        let len = text.chars().count();
                        let bad = if key == "minLength" { len < n } else { len > n };
                        if bad {
                            fail(out, format!("{v} has {len} characters ({key} {n})"));
                        }
                    }
                }
                "minimum" | "maximum" => {
                    if let Some(x) = v.as_f64() {
                        let bound = rule.as_f64().unwrap();
                        let bad = if key == "minimum" {
                            x < bound
                        } else {
                            x > bound
                        };
                        if bad {
                            fail(out, format!("{x} is beyond its {key} {bound}"));
                        }
                    }
                }
                "enum" => {
                    if !rule.as_array().unwrap().contains(v) {
                        fail(out, format!("{v} is not one of {rule}"));
                    }
                }
                "pattern" => {
                    if let Some(text) = v.as_str() {
                        let re = regex_lite::Regex::new(rule.as_str().unwrap()).unwrap();
                        if !re.is_match(text) {
                            fail(out, format!("{v} does not match {rule}"));
                        }
                    }
                }
                "propertyNames" => {
                    if let Some(obj) = v.as_object() {
                        for name in obj.keys() {
                            let key = Value::String(name.clone());
                            self.check(rule, &key, &format!("{at}/{name}"), out);
                        }
                    }
                }
                "anyOf" => {
                    let ok = rule.as_array().unwrap().iter().any(|sub| {
                        let mut errs = Vec::new();
                        self.check(sub, v, at, &mut errs);
                        errs.is_empty()
                    });
                    if !ok {
                        fail(out, format!("{v} matches none of the alternatives"));
                    }
                }
                other => panic!("keyword `{other}` is not supported by this test's validator"),
            }
        }
    }
}

#[test]
fn new_writes_a_starter_that_passes_check_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my.toml");
    lockout().arg("new").arg(&path).assert().success();
    let text = read(&path);
    assert!(text.starts_with('#'), "the starter is commented");
    lockout()
        .arg("check")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicates::str::contains(": ok"));
    lockout()
        .args(["run", "--incidents", "1000", "--no-plots", "--out"])
        .arg(dir.path().join("out"))
        .arg(&path)
        .assert()
        .success();
    // An existing file, the starter or anyone's, is refused and left alone.
    std::fs::write(&path, "my own notes").unwrap();
    lockout()
        .arg("new")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
    assert_eq!(read(&path), "my own notes");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("lockout-tmp")),
        "{names:?}"
    );
}

#[test]
fn every_shipped_scenario_and_the_starter_validate_against_the_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = Validator::new(&schema);
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let errs = errors(&validator, &read(&path));
            assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked} scenarios");
    let errs = errors(&validator, lockout::scenario::STARTER);
    assert!(errs.is_empty(), "starter: {errs:#?}");
    let errs = errors(
        &validator,
        &minimal("[remedy.b]\nduration = \"2 min\"\n[policy.only]\nsteps = [\"b\"]"),
    );
    assert!(errs.is_empty(), "minimal: {errs:#?}");
    // Declared facts, and their names in conditions.
    let facts = "[fact.child_inside]\ndescription = \"A child is inside\"\nsource = \"x\"\n\
                 level = \"driver\"\nprobability = { driver = 0.1 }\n\
                 given = [{ when = [\"night\"], probability = 0.2 }]\n\
                 [remedy.b]\nduration = \"2 min\"\nrequires = [\"!child_inside\"]\n\
                 sets = [\"child_inside\"]\n[policy.only]\nsteps = [\"b\"]";
    let text = minimal(facts);
    lockout::scenario::from_toml_str(&text, "facts.toml", &[]).expect("check accepts it");
    let errs = errors(&validator, &text);
    assert!(errs.is_empty(), "facts: {errs:#?}");
    let errs = errors(&validator, &text.replace("fact.child_inside", "fact.Child"));
    assert!(!errs.is_empty(), "a fact's name is a lowercase word");
}

#[test]
fn files_with_known_mistakes_fail_validation_as_they_fail_check() {
    let validator = Validator::new(&schema());
    let good = minimal(
        "[remedy.b]\nduration = { lognormal = { median = \"2 min\", p90 = \"5 min\" } }\nrequires = [\"!night\"]\n[policy.only]\nsteps = [{ race = [\"b\"] }]",
    );
    assert!(errors(&validator, &good).is_empty());
    let mistakes = [
        // A wrong type.
        ("price_year = 2025", "price_year = \"2025\"", "price_year"),
        // An unknown field.
        (
            "keyless_trunk_button = 0.6",
            "keyless_trunk_button = 0.6\ncolour = \"red\"",
            "vehicle",
        ),
        // A bad duration: no unit, and an unknown unit.
        ("horizon = \"100 d\"", "horizon = 100", "horizon"),
        ("horizon = \"100 d\"", "horizon = \"100 days\"", "horizon"),
        ("median = \"2 min\"", "median = \"2 minutes\"", "duration"),
        // A distribution family that does not exist.
        ("lognormal = { median", "lognormal_ = { median", "duration"),
        // A probability above 1, a fact that does not exist, a bad step.
        (
            "keyless_trunk_button = 0.6",
            "keyless_trunk_button = 1.6",
            "vehicle",
        ),
        ("\"!night\"", "\"!Night\"", "requires"),
        ("{ race = [\"b\"] }", "{ rase = [\"b\"] }", "steps"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (from, to, at) in mistakes {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let errs = errors(&validator, &bad);
        assert!(!errs.is_empty(), "{to}: validates but should not");
        assert!(errs.iter().any(|e| e.contains(at)), "{to}: {errs:#?}");
        // The loader refuses the same file.
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, &bad).unwrap();
        lockout().arg("check").arg(&file).assert().code(2);
    }
}
