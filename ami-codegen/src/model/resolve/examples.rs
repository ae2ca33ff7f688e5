//! Wire examples: each is checked against its action before it becomes a
//! generated test.

use super::*;

impl Diagnostic {
    pub(super) fn with(mut self, message: String) -> Diagnostic {
        self.message = message;
        self
    }
}

/// Whether a header of an example request is a parameter (plain, indexed or
/// a member of an indexed group).
pub(super) fn knows_param(params: &[Field], groups: &[Group], name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let matches = |f: &Field, style: Option<IndexStyle>| {
        let wire = f.wire.to_ascii_lowercase();
        match style.or(match f.multi {
            Multi::Indexed(s) => Some(s),
            _ => None,
        }) {
            None => lower == wire,
            Some(style) => strip_index(&lower, style).is_some_and(|base| base == wire),
        }
    };
    params.iter().any(|f| matches(f, None))
        || groups
            .iter()
            .any(|g| g.fields.iter().any(|f| matches(f, Some(g.index))))
}

/// `name-000003` -> `name` (or `name(3)` -> `name`).
pub(super) fn strip_index(name: &str, style: IndexStyle) -> Option<&str> {
    match style {
        IndexStyle::Dash6 => {
            let (base, digits) = name.rsplit_once('-')?;
            (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(base)
        }
        IndexStyle::Paren => {
            let base = name.strip_suffix(')')?;
            let (base, digits) = base.rsplit_once('(')?;
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(base)
        }
    }
}

impl Resolver<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn examples(
        &mut self,
        fi: usize,
        spec: &spec::Action,
        params: &[Field],
        free: &[Field],
        groups: &[Group],
        response: &Response,
        what: &str,
    ) -> Vec<Example> {
        let mut out = Vec::new();
        for ex in &spec.example {
            let es = ex.get_ref();
            // Request: `Action: <this action>` first, then known parameters.
            let mut missing = Vec::new();
            if let Some(headers) = self.block(fi, &es.request, false) {
                missing = params
                    .iter()
                    .filter(|p| p.required)
                    .filter(|p| {
                        !headers
                            .iter()
                            .any(|(_, n, _)| n.eq_ignore_ascii_case(&p.wire))
                    })
                    .map(|p| p.wire.clone())
                    .collect();
                match headers.first() {
                    Some((_, n, v)) if n.eq_ignore_ascii_case("Action") => {
                        if !v.eq_ignore_ascii_case(spec.name.get_ref()) {
                            let at = self.line_in(fi, &es.request, 0);
                            self.diags.push(at.with(format!(
                                "example request is `Action: {v}`, not `{}`",
                                spec.name.get_ref()
                            )));
                        }
                    }
                    _ => {
                        let at = self.line_in(fi, &es.request, 0);
                        self.diags.push(at.with(format!(
                            "example request of {what} must start with `Action: {}`",
                            spec.name.get_ref()
                        )));
                    }
                }
                if free.is_empty() {
                    for (line, name, _) in headers.iter().skip(1) {
                        if name.eq_ignore_ascii_case("ActionID")
                            || knows_param(params, groups, name)
                        {
                            continue;
                        }
                        let at = self.line_in(fi, &es.request, *line);
                        self.diags.push(at.with(format!(
                            "example header `{name}` is not a parameter of {what}"
                        )));
                    }
                }
            }
            let raw = matches!(response.kind, ResponseKind::Raw);
            let is_error = es.response.as_ref().is_some_and(|r| {
                r.get_ref()
                    .lines()
                    .next()
                    .and_then(|l| l.split_once(':'))
                    .is_some_and(|(n, v)| {
                        n.eq_ignore_ascii_case("Response") && v.trim().eq_ignore_ascii_case("Error")
                    })
            });
            if !missing.is_empty() && !is_error {
                self.err(
                    fi,
                    &es.request.span(),
                    format!(
                        "example request of {what} lacks the required parameter{} {}, so its response must be `Response: Error`",
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    ),
                );
            }
            let mut success = false;
            if let Some(resp) = &es.response {
                if let Some(headers) = self.block(fi, resp, true) {
                    match headers.first() {
                        Some((_, n, v)) if n.eq_ignore_ascii_case("Response") => {
                            success = !v.eq_ignore_ascii_case("Error");
                        }
                        _ if raw => success = true,
                        _ => {
                            let at = self.line_in(fi, resp, 0);
                            self.diags.push(at.with(
                                "example response must start with a `Response:` header".to_owned(),
                            ));
                        }
                    }
                }
            }
            let mut event_names = Vec::new();
            for ev in &es.events {
                if let Some(headers) = self.block(fi, ev, false) {
                    match headers.first() {
                        Some((_, n, v)) if n.eq_ignore_ascii_case("Event") => {
                            if self.complete && !self.events.contains_key(&v.to_ascii_lowercase()) {
                                let at = self.line_in(fi, ev, 0);
                                self.diags.push(at.with(format!(
                                    "example event `{v}` is not an event of the spec"
                                )));
                            }
                            event_names.push(v.clone());
                        }
                        _ => {
                            let at = self.line_in(fi, ev, 0);
                            self.diags.push(at.with(
                                "example event must start with an `Event:` header".to_owned(),
                            ));
                        }
                    }
                }
            }
            if let (ResponseKind::List { complete, .. }, true) = (&response.kind, success) {
                let n = event_names
                    .iter()
                    .filter(|n| n.eq_ignore_ascii_case(&complete.wire))
                    .count();
                if n != 1 {
                    self.err(
                        fi,
                        &ex.span(),
                        format!(
                            "example of {what} has a successful list response, so it needs exactly one `{}` completion event (found {n})",
                            complete.wire
                        ),
                    );
                }
            }
            out.push(Example {
                missing,
                title: es.title.clone(),
                request: es.request.get_ref().clone(),
                response: es.response.as_ref().map(|r| r.get_ref().clone()),
                events: es.events.iter().map(|e| e.get_ref().clone()).collect(),
            });
        }
        out
    }

    /// Where line `line` (0-based) of a multi-line string value is.
    pub(super) fn line_in(&self, fi: usize, value: &Spanned<String>, line: usize) -> Diagnostic {
        let file = self.file(fi);
        let span = value.span();
        let (l, c) = file.line_col(span.start);
        let raw = &file.text[span.clone()];
        // A multi-line string starts on the line after its opening quotes.
        let multi = raw.starts_with("\"\"\"\n")
            || raw.starts_with("'''\n")
            || raw.starts_with("\"\"\"\r\n")
            || raw.starts_with("'''\r\n");
        let (line, col) = if multi {
            (l + 1 + line, 1)
        } else if line == 0 {
            (l, c)
        } else {
            (l + line, 1)
        };
        Diagnostic {
            file: file.path.clone(),
            line,
            col,
            message: String::new(),
        }
    }

    /// The headers of a wire example as (line, name, value); `None` after
    /// reporting a malformed line. Mirrors `Message::parse_block`.
    pub(super) fn block(
        &mut self,
        fi: usize,
        value: &Spanned<String>,
        response: bool,
    ) -> Option<Vec<(usize, String, String)>> {
        let text = value.get_ref();
        let lines: Vec<&str> = text.trim_end_matches(['\n', '\r']).split('\n').collect();
        let mut headers = Vec::new();
        let mut text_mode = false;
        let mut ok = true;
        for (i, line) in lines.iter().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                let at = self.line_in(fi, value, i);
                self.diags.push(at.with(
                    "blank line inside a wire example: it would end the message there".to_owned(),
                ));
                ok = false;
                break;
            }
            if text_mode {
                continue;
            }
            match line.split_once(':') {
                // A first line with a space before its colon is raw text
                // (`Queues`); later names may hold spaces (`Named Callgroup`).
                Some((name, v))
                    if !name.is_empty() && (!headers.is_empty() || !name.contains(' ')) =>
                {
                    let v = v.strip_prefix(' ').unwrap_or(v);
                    if response && name.eq_ignore_ascii_case("Response") && v == "Follows" {
                        text_mode = true;
                    }
                    headers.push((i, name.to_owned(), v.to_owned()));
                }
                _ if response && headers.is_empty() => text_mode = true,
                _ => {
                    let at = self.line_in(fi, value, i);
                    self.diags
                        .push(at.with(format!("`{line}` is not a `Name: value` header line")));
                    ok = false;
                }
            }
        }
        ok.then_some(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_strip() {
        assert_eq!(strip_index("cat-000003", IndexStyle::Dash6), Some("cat"));
        assert_eq!(strip_index("cat-3", IndexStyle::Dash6), None);
        assert_eq!(
            strip_index("unitamount(12)", IndexStyle::Paren),
            Some("unitamount")
        );
        assert_eq!(strip_index("unitamount", IndexStyle::Paren), None);
    }
}
