//! Errors in a policy file, each naming the file and, where known, the
//! line and column.

use kubeguard_core::Pos;
use std::fmt;

/// A policy file that cannot be read, parsed, validated or compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The policy file (or a file it refers to).
    pub file: String,
    /// Where in the file, when the error concerns one place.
    pub pos: Option<Pos>,
    /// What is wrong and, where it helps, what to write instead.
    pub message: String,
}

impl PolicyError {
    /// An error at `pos` in `file`.
    pub(crate) fn at(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        PolicyError {
            file: file.to_owned(),
            pos: Some(pos),
            message: message.into(),
        }
    }

    /// An error about the whole of `file`.
    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        PolicyError {
            file: file.to_owned(),
            pos: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.col, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_column() {
        let e = PolicyError::at("p.yaml", Pos { line: 3, col: 5 }, "bad");
        assert_eq!(e.to_string(), "p.yaml:3:5: bad");
        assert_eq!(
            PolicyError::file("p.yaml", "gone").to_string(),
            "p.yaml: gone"
        );
    }
}
