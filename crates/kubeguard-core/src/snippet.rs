//! The source text shown with a finding.

/// The reported line of a finding, and for live objects (which have no file
/// a reader could open) the lines around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The lines shown, joined by `\n`.
    text: Box<str>,
    /// How many of them come before the reported line.
    above: u8,
}

impl Snippet {
    /// A snippet of `lines`, the reported line being the one at index `above`.
    #[must_use]
    pub fn new(lines: &[&str], above: u8) -> Self {
        Snippet {
            text: lines.join("\n").into(),
            above,
        }
    }

    /// The lines shown, each with its line number, given the reported line's.
    pub fn numbered(&self, reported: u32) -> impl Iterator<Item = (u32, &str)> {
        let first = reported.saturating_sub(u32::from(self.above));
        (first..).zip(self.text.split('\n'))
    }

    /// The reported line's text.
    #[must_use]
    pub fn reported_line(&self) -> &str {
        self.text
            .split('\n')
            .nth(usize::from(self.above))
            .unwrap_or_default()
    }
}

impl From<&str> for Snippet {
    /// A snippet of the reported line alone.
    fn from(line: &str) -> Self {
        Snippet::new(&[line], 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lines_from_the_reported_one() {
        let s = Snippet::new(&["a:", "  b: 1", "  c: 2"], 1);
        assert_eq!(s.reported_line(), "  b: 1");
        let numbered: Vec<_> = s.numbered(10).collect();
        assert_eq!(numbered, [(9, "a:"), (10, "  b: 1"), (11, "  c: 2")]);
    }

    #[test]
    fn a_single_line_is_its_own_reported_line() {
        let s = Snippet::from("hostPID: true");
        assert_eq!(s.reported_line(), "hostPID: true");
        assert_eq!(s.numbered(3).collect::<Vec<_>>(), [(3, "hostPID: true")]);
    }
}
