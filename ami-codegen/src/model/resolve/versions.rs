//! Availability (`since`, `deprecated`, `removed`, `note`) and declared
//! deviations from Asterisk's documentation, on any item that has them.

use super::*;

/// The availability and deviation keys of an item, borrowed from any of
/// the spec types that have them.
#[derive(Clone, Copy)]
pub(super) struct Life<'s> {
    pub(super) since: &'s Option<Spanned<spec::VersionList>>,
    pub(super) deprecated: &'s Option<spec::Name>,
    pub(super) removed: &'s Option<spec::Name>,
    pub(super) note: &'s Option<String>,
    pub(super) deviation: &'s [Spanned<spec::Deviation>],
}

impl Resolver<'_> {
    /// Parse and check the `since`, `deprecated`, `removed` and `note` of
    /// an item.
    pub(super) fn versions(&mut self, fi: usize, life: Life<'_>, what: &str) -> Versions {
        let mut out = Versions {
            note: life.note.as_ref().map(|n| n.trim().to_owned()),
            ..Versions::default()
        };
        if let Some(since) = life.since {
            let listed: Vec<(&str, Range<usize>)> = match since.get_ref() {
                spec::VersionList::One(v) => vec![(v.as_str(), since.span())],
                spec::VersionList::Many(vs) => {
                    if vs.is_empty() {
                        self.err(
                            fi,
                            &since.span(),
                            format!(
                                "`since` of {what} is an empty list: remove it or list a version"
                            ),
                        );
                    }
                    vs.iter()
                        .map(|v| (v.get_ref().as_str(), v.span()))
                        .collect()
                }
            };
            let mut by_branch: BTreeMap<u32, Version> = BTreeMap::new();
            for (text, span) in listed {
                let Some(v) = self.version(fi, text, &span, "since", what) else {
                    continue;
                };
                if let Some(first) = by_branch.insert(v.major, v) {
                    self.err(
                        fi,
                        &span,
                        format!("`since` of {what} lists branch {} twice ({first} and {v}): keep the first release of each branch", v.major),
                    );
                }
            }
            out.since = by_branch.into_values().collect();
        }
        let key = |r: &mut Self, value: &Option<spec::Name>, name: &str| {
            value.as_ref().and_then(|v| {
                r.version(fi, v.get_ref(), &v.span(), name, what)
                    .map(|ver| (ver, v.span()))
            })
        };
        let deprecated = key(self, life.deprecated, "deprecated");
        let removed = key(self, life.removed, "removed");
        if let Some((r, span)) = &removed {
            if let Some(last) = out.since.iter().max().filter(|s| *s >= r) {
                self.err(
                    fi,
                    span,
                    format!("{what} is removed in {r}, no later than its `since` {last}"),
                );
            }
            if let Some((d, _)) = deprecated.as_ref().filter(|(d, _)| d > r) {
                self.err(
                    fi,
                    span,
                    format!("{what} is removed in {r}, before it is deprecated ({d})"),
                );
            }
        }
        out.deprecated = deprecated.map(|(v, _)| v);
        out.removed = removed.map(|(v, _)| v);
        out
    }

    /// One version of `key`, reported when invalid.
    pub(super) fn version(
        &mut self,
        fi: usize,
        text: &str,
        span: &Range<usize>,
        key: &str,
        what: &str,
    ) -> Option<Version> {
        match text.parse::<Version>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(fi, span, format!("{e}, in `{key}` of {what}"));
                None
            }
        }
    }

    /// Check the declared deviations of an item.
    pub(super) fn deviations(&mut self, fi: usize, life: Life<'_>, what: &str) -> Vec<Deviation> {
        let mut out = Vec::new();
        for d in life.deviation {
            let ds = d.get_ref();
            let kind = DeviationKind::ALL
                .iter()
                .find(|(n, _)| *n == ds.kind.get_ref())
                .map(|(_, k)| *k);
            let Some(kind) = kind else {
                let names: Vec<&str> = DeviationKind::ALL.iter().map(|(n, _)| *n).collect();
                self.err(
                    fi,
                    &ds.kind.span(),
                    format!(
                        "unknown deviation kind `{}` of {what} (expected one of {})",
                        ds.kind.get_ref(),
                        names.join(", ")
                    ),
                );
                continue;
            };
            if ds.why.get_ref().trim().is_empty() {
                self.err(
                    fi,
                    &ds.why.span(),
                    format!(
                        "the `{}` deviation of {what} gives no reason: say why in `why`",
                        kind.spec_name()
                    ),
                );
            }
            if kind.needs_name() && ds.name.is_none() {
                self.err(
                    fi,
                    &d.span(),
                    format!("the `{}` deviation of {what} needs `name`: the name in Asterisk's documentation", kind.spec_name()),
                );
            }
            out.push(Deviation {
                kind,
                name: ds.name.as_ref().map(|n| n.get_ref().clone()),
                why: ds.why.get_ref().trim().to_owned(),
                span: d.span(),
            });
        }
        out
    }
}
