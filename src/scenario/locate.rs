//! Finding where a field is written in a scenario file, so that every error can name its line.

use std::fmt;

use toml::de::{DeTable, DeValue};

/// One step of a path into a scenario document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A path into a scenario document, e.g. `vehicle[1].faults.fob_battery_dead`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The empty path (the whole file).
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }
    /// This path extended by a key.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(file)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{k}\"")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

/// Converts a byte offset into a line and column.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    LineCol { line, col }
}

/// Where `path` (or its deepest existing prefix) is written in `text`.
pub fn locate(text: &str, path: &FieldPath) -> Option<LineCol> {
    let root = DeTable::parse(text).ok()?;
    let mut span = None;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&DeValue> = None;
    for seg in &path.0 {
        match seg {
            Seg::Key(k) => {
                let t = match (table, value) {
                    (Some(t), _) => t,
                    (None, Some(v)) => match v.as_table() {
                        Some(t) => t,
                        None => break,
                    },
                    _ => break,
                };
                let Some((key, v)) = t
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                else {
                    break;
                };
                span = Some(key.span().start);
                table = None;
                value = Some(v.get_ref());
            }
            Seg::Index(i) => {
                let Some(arr) = value.and_then(|v| v.as_array()) else {
                    break;
                };
                let Some(item) = arr.get(*i) else {
                    break;
                };
                span = Some(item.span().start);
                table = None;
                value = Some(item.get_ref());
            }
        }
    }
    span.map(|s| line_col(text, s))
}

/// The path of the field behind byte `offset` of `text` (used to name the field of a parse
/// error): the innermost value written over that offset, else the last key written before it.
pub fn path_at(text: &str, offset: usize) -> Option<FieldPath> {
    let root = DeTable::parse(text).ok()?;
    let mut fields = Vec::new();
    collect_table(root.get_ref(), &FieldPath::root(), &mut fields);
    let containing = fields
        .iter()
        .filter(|f| f.value.contains(&offset) || f.value.end == offset)
        .min_by_key(|f| f.value.len());
    let before = fields
        .iter()
        .filter(|f| f.key_start <= offset)
        .max_by_key(|f| (f.key_start, f.path.0.len()));
    containing.or(before).map(|f| f.path.clone())
}

struct WrittenField {
    path: FieldPath,
    key_start: usize,
    value: std::ops::Range<usize>,
}

fn collect_table(t: &DeTable, here: &FieldPath, out: &mut Vec<WrittenField>) {
    for (key, value) in t.iter() {
        let path = here.key(key.get_ref());
        out.push(WrittenField {
            path: path.clone(),
            key_start: key.span().start,
            value: value.span(),
        });
        collect_value(value.get_ref(), &path, out);
    }
}

fn collect_value(v: &DeValue, here: &FieldPath, out: &mut Vec<WrittenField>) {
    if let Some(t) = v.as_table() {
        collect_table(t, here, out);
    } else if let Some(arr) = v.as_array() {
        for (i, item) in arr.iter().enumerate() {
            let path = here.index(i);
            out.push(WrittenField {
                path: path.clone(),
                key_start: item.span().start,
                value: item.span(),
            });
            collect_value(item.get_ref(), &path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name = \"x\"\n\n[[vehicle]]\nname = \"a\"\nshare = 0.5\n\n[[vehicle]]\nname = \"b\"\nshare = 0.4\nfaults = { fob_battery_dead = 2.0 }\n\n[remedy.locksmith]\nsuccess = 0.9\n";

    #[test]
    fn locates_nested_fields() {
        let p = FieldPath::root().key("vehicle").index(1).key("share");
        assert_eq!(locate(DOC, &p).unwrap().line, 9);
        let p = FieldPath::root()
            .key("vehicle")
            .index(1)
            .key("faults")
            .key("fob_battery_dead");
        assert_eq!(locate(DOC, &p).unwrap().line, 10);
        let p = FieldPath::root()
            .key("remedy")
            .key("locksmith")
            .key("success");
        assert_eq!(locate(DOC, &p).unwrap().line, 13);
        assert_eq!(p.to_string(), "remedy.locksmith.success");
        let q = FieldPath::root().key("vehicle").index(1).key("share");
        assert_eq!(q.to_string(), "vehicle[1].share");
    }

    #[test]
    fn finds_the_field_behind_an_offset() {
        let offset = DOC.find("0.4").unwrap();
        let p = path_at(DOC, offset).unwrap();
        assert_eq!(p.to_string(), "vehicle[1].share");
    }
}
