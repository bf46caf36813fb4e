//! The one located message type: an input that could not be read, parsed
//! or analysed, or a note about one (an expired ignore, a skipped document).

use crate::node::Pos;
use std::fmt;

/// A message about a place in an input: a file (or a `cluster://` origin),
/// a line and a column. Errors and warnings of every engine use it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// The file (or directory, for a render failure) as reported.
    pub file: String,
    /// Line and column; 1:1 when the whole file is at fault.
    pub pos: Pos,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl Diagnostic {
    /// A message about `pos` in `file`.
    pub fn new(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            pos,
            message: message.into(),
        }
    }

    /// A message about a whole file (reported at 1:1).
    pub fn whole_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic::new(file, Pos { line: 1, col: 1 }, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )
    }
}

impl std::error::Error for Diagnostic {}
