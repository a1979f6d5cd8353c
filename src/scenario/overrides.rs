//! Changing scenario fields by path: `--set` on the command line and a strategy's `set` table.
//!
//! A path is dot-separated; an element of an array of tables (`[[vehicle]]`, `[[driver]]`,
//! `[[context]]`, `[[strategy]]`) is chosen by its index, by its `name` (or a context's `place`),
//! or by `*` for all of them: `driver.*.roadside_member`, `vehicle.older sedan.share`,
//! `remedy.locksmith.success`, `context.remote.night`.

use super::locate::{FieldPath, Seg};
use super::schema::{self, Kind};
use crate::suggest::hint;

/// A `path=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The dotted path as written.
    pub path: String,
    /// The new value.
    pub value: toml::Value,
}

impl Override {
    /// Parses `path=value` from the command line. The value is read as TOML (a number, or a
    /// quoted string such as `"10 h"`); a bare word is taken as a string.
    pub fn parse(arg: &str) -> Result<Override, String> {
        let (path, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("--set {arg}: expected path=value"))?;
        let path = path.trim();
        if path.is_empty() {
            return Err(format!("--set {arg}: the path is empty"));
        }
        let value = value.trim();
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        Ok(Override {
            path: path.to_string(),
            value: parsed,
        })
    }
}

/// How strictly an override is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--set`: the field must be a number, a duration or a distribution of the format
    /// (written in the file, or left at its default), and the new value must be of its kind. A
    /// distribution may be set to a fixed value.
    NumericExisting,
    /// A strategy's `set`: any value; the last key may be new (the schema then checks it).
    Any,
}

/// Applies one override to a document. Returns the concrete paths it changed.
pub fn apply(doc: &mut toml::Table, ov: &Override, mode: Mode) -> Result<Vec<FieldPath>, String> {
    let owned = split_path(&ov.path)?;
    let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(format!("path `{}` has an empty part", ov.path));
    }
    let mut changed = Vec::new();
    let root = schema::cached();
    let at = Schema {
        root,
        node: Some(root),
    };
    apply_in_table(doc, &segs, FieldPath::root(), at, ov, mode, &mut changed)?;
    if changed.is_empty() {
        return Err(format!("path `{}` matches no field", ov.path));
    }
    Ok(changed)
}

/// Splits a dotted path into its parts; a part in double quotes may contain dots and spaces
/// (`strategy."waist-pouch habit".incident_rate_multiplier`), an unquoted part is trimmed.
pub fn split_path(path: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut rest = path;
    loop {
        let trimmed = rest.trim_start();
        let (part, after) = if let Some(quoted) = trimmed.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("path `{path}` has an unclosed quote"))?;
            let after = quoted[end + 1..].trim_start();
            if !(after.is_empty() || after.starts_with('.')) {
                return Err(format!(
                    "path `{path}`: a quoted part must be followed by `.` or end the path"
                ));
            }
            (quoted[..end].to_string(), after)
        } else {
            let end = trimmed.find('.').unwrap_or(trimmed.len());
            (trimmed[..end].trim().to_string(), &trimmed[end..])
        };
        parts.push(part);
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None => return Ok(parts),
        }
    }
}

/// Where in the schema the walk is: `node` is the schema of the value at hand, if known.
#[derive(Clone, Copy)]
struct Schema<'a> {
    root: &'a serde_json::Value,
    node: Option<&'a serde_json::Value>,
}

impl<'a> Schema<'a> {
    /// The schema under `key` of an object, and whether it is a named field (not a map entry).
    fn key(self, key: &str) -> (Schema<'a>, bool) {
        let found = self.node.and_then(|n| schema::property(self.root, n, key));
        (
            Schema {
                root: self.root,
                node: found.map(|f| f.0),
            },
            found.is_some_and(|f| f.1),
        )
    }
    fn items(self) -> Schema<'a> {
        Schema {
            root: self.root,
            node: self.node.and_then(|n| schema::items(self.root, n)),
        }
    }
    fn kind(self) -> Option<Kind> {
        self.node.map(|n| schema::kind(self.root, n))
    }
}

fn apply_in_table(
    table: &mut toml::Table,
    segs: &[&str],
    here: FieldPath,
    at: Schema<'_>,
    ov: &Override,
    mode: Mode,
    changed: &mut Vec<FieldPath>,
) -> Result<(), String> {
    let key = segs[0];
    let path = here.key(key);
    let (field, named) = at.key(key);
    if segs.len() == 1 {
        match table.get_mut(key) {
            Some(old) => {
                if mode == Mode::NumericExisting {
                    match field.kind() {
                        // A distribution may become a fixed value, or another distribution.
                        Some(k @ (Kind::DurationDist | Kind::MoneyDist)) if old.is_table() => {
                            check_kind(k, &ov.value, &path)?
                        }
                        _ => check_same_kind(old, &ov.value, &path)?,
                    }
                }
                *old = ov.value.clone();
            }
            None if mode == Mode::Any => {
                table.insert(key.to_string(), ov.value.clone());
            }
            None => {
                let kind = field.kind().filter(|_| named).ok_or_else(|| {
                    format!(
                        "`{path}` is not written in the scenario, nor a field of the format there{}",
                        hint(key, table.keys().map(String::as_str), '`')
                    )
                })?;
                check_kind(kind, &ov.value, &path)?;
                let value = match (kind, &ov.value) {
                    (Kind::Integer, toml::Value::Float(f)) => toml::Value::Integer(*f as i64),
                    (_, v) => v.clone(),
                };
                table.insert(key.to_string(), value);
            }
        }
        changed.push(path);
        return Ok(());
    }
    if !table.contains_key(key) && mode == Mode::NumericExisting {
        // A section the file leaves out (a vehicle's `faults`) may be created for a field of
        // the format inside it; a new remedy, policy or array element may not.
        let is_section = named
            && field
                .node
                .map(|n| schema::resolve(at.root, n))
                .is_some_and(|n| n.get("properties").is_some());
        if is_section {
            table.insert(key.to_string(), toml::Value::Table(toml::Table::new()));
        }
    }
    let Some(next) = table.get_mut(key) else {
        return Err(format!(
            "`{path}` does not exist in the scenario{}",
            hint(key, table.keys().map(String::as_str), '`')
        ));
    };
    apply_in_value(next, &segs[1..], path, field, ov, mode, changed)
}

fn apply_in_value(
    value: &mut toml::Value,
    segs: &[&str],
    here: FieldPath,
    at: Schema<'_>,
    ov: &Override,
    mode: Mode,
    changed: &mut Vec<FieldPath>,
) -> Result<(), String> {
    match value {
        toml::Value::Table(t) => apply_in_table(t, segs, here, at, ov, mode, changed),
        toml::Value::Array(items) => {
            let selector = segs[0];
            let picked: Vec<usize> = if selector == "*" {
                (0..items.len()).collect()
            } else if let Ok(i) = selector.parse::<usize>() {
                if i >= items.len() {
                    return Err(format!(
                        "`{here}` has {} elements; index {i} is out of range",
                        items.len()
                    ));
                }
                vec![i]
            } else {
                let found: Vec<usize> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| element_label(item) == Some(selector))
                    .map(|(i, _)| i)
                    .collect();
                if found.is_empty() {
                    let names: Vec<&str> = items.iter().filter_map(element_label).collect();
                    return Err(format!(
                        "`{here}` has no element named `{selector}` (names: {}; or use an index or *){}",
                        names.join(", "),
                        hint(selector, names.iter().copied(), '`')
                    ));
                }
                found
            };
            if segs.len() == 1 {
                return Err(format!(
                    "`{here}.{selector}` selects whole elements; name a field inside them"
                ));
            }
            for i in picked {
                apply_in_value(
                    &mut items[i],
                    &segs[1..],
                    here.index(i),
                    at.items(),
                    ov,
                    mode,
                    changed,
                )?;
            }
            Ok(())
        }
        _ => Err(format!(
            "`{here}` is a value, not a table; `{}` goes no deeper",
            segs[0]
        )),
    }
}

/// An array element's name for path selection: its `name`, or a context's `place`.
fn element_label(item: &toml::Value) -> Option<&str> {
    let t = item.as_table()?;
    t.get("name")
        .or_else(|| t.get("place"))
        .and_then(|v| v.as_str())
}

fn check_same_kind(old: &toml::Value, new: &toml::Value, path: &FieldPath) -> Result<(), String> {
    use toml::Value::*;
    match (old, new) {
        (Integer(_), Integer(_)) | (Float(_), Float(_) | Integer(_)) => Ok(()),
        (Integer(_), Float(f)) if f.fract() == 0.0 => Ok(()),
        (Integer(_), Float(f)) => Err(format!("`{path}` is a whole number; got {f}")),
        (String(_), String(_)) => Ok(()),
        (Integer(_) | Float(_), String(s)) => Err(format!("`{path}` is a number; got \"{s}\"")),
        (String(_), other) => Err(format!(
            "`{path}` is a duration such as \"25 min\"; got {other} (write the unit, quoted)"
        )),
        (other, _) => Err(format!(
            "`{path}` is a {}, not a numeric field; --set changes numbers and durations only",
            other.type_str()
        )),
    }
}

/// Checks a new value against the kind of field it goes into.
fn check_kind(kind: Kind, new: &toml::Value, path: &FieldPath) -> Result<(), String> {
    use toml::Value::*;
    match (kind, new) {
        (Kind::Number | Kind::MoneyDist, Integer(_) | Float(_)) | (Kind::Integer, Integer(_)) => {
            Ok(())
        }
        (Kind::Integer, Float(f)) if f.fract() == 0.0 => Ok(()),
        (Kind::Integer, Float(f)) => Err(format!("`{path}` is a whole number; got {f}")),
        (Kind::Duration | Kind::DurationDist, String(_)) => Ok(()),
        (Kind::DurationDist | Kind::MoneyDist, Table(_)) => Ok(()),
        (Kind::Number | Kind::Integer | Kind::MoneyDist, String(s)) => {
            Err(format!("`{path}` is a number; got \"{s}\""))
        }
        (Kind::Duration | Kind::DurationDist, other) => Err(format!(
            "`{path}` is a duration such as \"25 min\"; got {other} (write the unit, quoted)"
        )),
        (Kind::Other, _) => Err(format!(
            "`{path}` is not a numeric field; --set changes numbers, durations and distributions only"
        )),
        (_, other) => Err(format!("`{path}` cannot hold {}", other.type_str())),
    }
}

/// Converts a `Seg` path to the dotted form used in messages.
pub fn dotted(path: &FieldPath) -> String {
    path.0
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_parts_may_hold_dots_and_spaces() {
        let parts = |p: &str| split_path(p).unwrap();
        assert_eq!(
            parts(r#"strategy."waist-pouch habit".incident_rate_multiplier"#),
            ["strategy", "waist-pouch habit", "incident_rate_multiplier"]
        );
        assert_eq!(parts(r#"vehicle."a.b c""#), ["vehicle", "a.b c"]);
        // Unquoted parts are as before: split on dots, trimmed.
        assert_eq!(
            parts("vehicle.smart-key sedan . app_unlock"),
            ["vehicle", "smart-key sedan", "app_unlock"]
        );
        assert_eq!(parts("a..b"), ["a", "", "b"]);
        assert!(
            split_path(r#"strategy."open.x"#)
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(split_path(r#"strategy."a"b.x"#).is_err());
    }

    fn doc() -> toml::Table {
        toml::from_str(
            r#"
            rate = 0.02
            horizon = "8 h"
            [[driver]]
            name = "calm"
            roadside_member = 0.3
            [[driver]]
            name = "flustered"
            roadside_member = 0.2
            [remedy.locksmith]
            success = 0.9
            "#,
        )
        .unwrap()
    }

    #[test]
    fn sets_by_wildcard_name_and_index() {
        let mut d = doc();
        let ov = Override::parse("driver.*.roadside_member=1.0").unwrap();
        assert_eq!(apply(&mut d, &ov, Mode::NumericExisting).unwrap().len(), 2);
        assert_eq!(d["driver"][1]["roadside_member"].as_float(), Some(1.0));
        let ov = Override::parse("driver.calm.roadside_member=0.5").unwrap();
        apply(&mut d, &ov, Mode::NumericExisting).unwrap();
        assert_eq!(d["driver"][0]["roadside_member"].as_float(), Some(0.5));
        let ov = Override::parse("remedy.locksmith.success=0.8").unwrap();
        apply(&mut d, &ov, Mode::NumericExisting).unwrap();
        let ov = Override::parse("horizon=\"10 h\"").unwrap();
        apply(&mut d, &ov, Mode::NumericExisting).unwrap();
        assert_eq!(d["horizon"].as_str(), Some("10 h"));
    }

    #[test]
    fn refuses_unknown_fields_and_wrong_kinds() {
        let mut d = doc();
        let e = apply(
            &mut d,
            &Override::parse("rat=1").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("`rat` is not written"), "{e}");
        let e = apply(
            &mut d,
            &Override::parse("driver.calmx.roadside_member=1").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("no element named `calmx`"), "{e}");
        let e = apply(
            &mut d,
            &Override::parse("horizon=3").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("duration"), "{e}");
        // A field of the format the file leaves out, and one that is not numeric.
        let e = apply(
            &mut d,
            &Override::parse("remedy.locksmith.available=1").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("not a numeric field"), "{e}");
        let e = apply(
            &mut d,
            &Override::parse("remedy.key box.success=1").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn sets_fields_left_at_their_default() {
        let mut d = doc();
        let ov = Override::parse("driver.*.smartphone_app=0.5").unwrap();
        assert_eq!(apply(&mut d, &ov, Mode::NumericExisting).unwrap().len(), 2);
        assert_eq!(d["driver"][0]["smartphone_app"].as_float(), Some(0.5));
        let ov = Override::parse("remedy.locksmith.cancel_fee=20").unwrap();
        apply(&mut d, &ov, Mode::NumericExisting).unwrap();
        let ov = Override::parse("remedy.locksmith.wait=\"30 min\"").unwrap();
        apply(&mut d, &ov, Mode::NumericExisting).unwrap();
        assert_eq!(d["remedy"]["locksmith"]["wait"].as_str(), Some("30 min"));
        // ...and a distribution may become a fixed value.
        let ov = Override::parse("remedy.locksmith.wait=\"45 min\"").unwrap();
        apply(&mut d, &ov, Mode::NumericExisting).unwrap();
        let e = apply(
            &mut d,
            &Override::parse("remedy.locksmith.wait=3").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("duration"), "{e}");
        let e = apply(
            &mut d,
            &Override::parse("seed=1.5").unwrap(),
            Mode::NumericExisting,
        )
        .unwrap_err();
        assert!(e.contains("whole number"), "{e}");
    }
}
