//! Load errors, each with the file and position it concerns.

use kubeguard_core::Pos;
use std::fmt;

/// Something that could not be read, parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The file (or directory, for a render failure).
    pub file: String,
    /// Where in the file; line 1, column 1 when the whole file is at fault.
    pub pos: Pos,
    /// What went wrong and, where it helps, what to do.
    pub message: String,
}

impl LoadError {
    /// An error about a whole file.
    pub(crate) fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        LoadError {
            file: file.into(),
            pos: Pos { line: 1, col: 1 },
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )
    }
}
