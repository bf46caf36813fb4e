//! Writing a pretty-printed JSON value nested inside a document that is
//! written piece by piece.

use std::io::{self, Write};

/// Prefixes every line after the first with `width` spaces. JSON strings
/// never hold a raw newline, so this only moves structure.
pub(crate) struct Indent<'a> {
    out: &'a mut dyn Write,
    width: usize,
}

impl<'a> Indent<'a> {
    pub(crate) fn new(out: &'a mut dyn Write, width: usize) -> Self {
        Indent { out, width }
    }
}

const SPACES: &[u8] = &[b' '; 16];

impl Write for Indent<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.out.write_all(&rest[..=nl])?;
            self.out
                .write_all(&SPACES[..self.width.min(SPACES.len())])?;
            rest = &rest[nl + 1..];
        }
        self.out.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes `value` as pretty JSON indented by `width`.
pub(crate) fn pretty(
    out: &mut dyn Write,
    width: usize,
    value: &impl serde::Serialize,
) -> io::Result<()> {
    serde_json::to_writer_pretty(Indent::new(out, width), value).map_err(io::Error::from)
}

/// Writes an extra (any [`crate::JsonExtra`]) indented by `width`.
pub(crate) fn extra(
    out: &mut dyn Write,
    width: usize,
    value: &dyn crate::JsonExtra,
) -> io::Result<()> {
    value.write_json(&mut Indent::new(out, width))
}
