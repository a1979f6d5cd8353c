//! "Did you mean …?" for a misspelt name: the closest known name, offered only when it is close.

/// The candidate closest to `name` by edit distance (Levenshtein over characters, ignoring
/// case), if that distance is at most `max(2, characters / 3)` of `name`; the first of equally
/// close candidates. `None` when nothing is close enough to be a likely misspelling.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&wanted, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= limit && *c != name)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` (with `quote` around the name) for the closest candidate, or an
/// empty string when none is close: append it to an "unknown …" message.
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, quote: char) -> String {
    closest(name, candidates)
        .map(|c| format!("; did you mean {quote}{c}{quote}?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_names() {
        let names = ["locksmith", "spare_key", "roadside"];
        assert_eq!(closest("locksmth", names), Some("locksmith"));
        assert_eq!(closest("Spare_Key", names), Some("spare_key"));
        assert_eq!(closest("roadsid", names), Some("roadside"));
        assert_eq!(closest("tow", names), None);
        assert_eq!(closest("crowbar", names), None);
        assert_eq!(
            closest("locksmith", names),
            None,
            "an exact name needs no hint"
        );
        let strategies = ["today's habits", "spare key in wallet", "spare key at home"];
        assert_eq!(
            closest("spare key in walet", strategies),
            Some("spare key in wallet")
        );
        // Characters, not bytes: one substituted non-ASCII letter is one edit.
        assert_eq!(closest("Fahrzeug ä", ["Fahrzeug ö"]), Some("Fahrzeug ö"));
        assert_eq!(hint("locksmth", names, '`'), "; did you mean `locksmith`?");
        assert_eq!(hint("zzz", names, '"'), "");
    }
}
