//! "Did you mean" for misspelt names in the spec: a type, an event, an
//! action, a group, a key. A plain edit distance, no dependency.

/// The edit distance between `a` and `b`, ignoring ASCII case: insertions,
/// deletions, substitutions and swaps of two neighbours (`uint`/`unit`)
/// count one each (optimal string alignment).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    // d[i][j]: distance between the first i chars of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be what was
/// meant: at most a third of the word's length away (at least 1, at most
/// 3 edits). Ties go to the first candidate.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = edit_distance(word, candidate);
        let better = match best {
            Some((bd, _)) => d < bd,
            None => true,
        };
        if d <= limit && better {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `X`?)` when a candidate is close to `word`, else empty.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Hangup", "hangup"), 0);
        assert_eq!(edit_distance("uint", "unit"), 1);
        assert_eq!(edit_distance("Stauts", "Status"), 1);
    }

    #[test]
    fn only_close_names_are_suggested() {
        let types = ["string", "int", "uint", "float", "bool", "var", "enum"];
        assert_eq!(closest("strng", types), Some("string"));
        assert_eq!(closest("integer", types), None);
        assert_eq!(closest("boolean", types), None);
        assert_eq!(closest("flaot", types), Some("float"));
        assert_eq!(
            closest("Newchanel", ["Newchannel", "Newstate"]),
            Some("Newchannel")
        );
        assert_eq!(closest("x", ["y", "z"]), Some("y"));
        assert_eq!(did_you_mean("returns", ["response"]), "");
        assert_eq!(
            did_you_mean("synopis", ["synopsis"]),
            " (did you mean `synopsis`?)"
        );
    }
}
