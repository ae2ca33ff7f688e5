//! Spec problems, each pinned to `spec/<file>.toml:LINE:COL`.
//!
//! The loader and the validation pass never stop at the first problem: they
//! push every [`Diagnostic`] they find into a [`Diagnostics`] list, and the
//! caller prints them all.

use std::fmt;
use std::ops::Range;

/// One problem in a spec file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Path of the file relative to the workspace root (`spec/queue.toml`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// The text of one spec file, to turn byte offsets into line and column.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the workspace root (`spec/queue.toml`).
    pub path: String,
    /// File stem (`queue`).
    pub stem: String,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// A source file from its relative path and text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let path = path.into();
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .trim_end_matches(".toml")
            .to_owned();
        SourceFile {
            path,
            stem,
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of byte offset `at`.
    pub fn line_col(&self, at: usize) -> (usize, usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// A diagnostic at the start of `span`.
    pub fn diagnostic(&self, span: &Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.line_col(span.start);
        Diagnostic {
            file: self.path.clone(),
            line,
            col,
            message: message.into(),
        }
    }
}

/// Every problem found so far, in the order found.
#[derive(Debug, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Record a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// Record a problem at `span` of `file`.
    pub fn error(&mut self, file: &SourceFile, span: &Range<usize>, message: impl Into<String>) {
        self.push(file.diagnostic(span, message));
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems, sorted by file, line and column (and deduplicated).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.list.sort();
        self.list.dedup();
        self.list
    }
}

/// Format a list of diagnostics, one per line.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| format!("{d}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let f = SourceFile::new("spec/x.toml", "a = 1\nbé = \"x\"\n");
        assert_eq!(f.stem, "x");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        // `=` follows a two-byte character.
        assert_eq!(f.line_col(10), (2, 4));
        assert_eq!(
            f.diagnostic(&(6..7), "bad").to_string(),
            "spec/x.toml:2:1: bad"
        );
    }
}
