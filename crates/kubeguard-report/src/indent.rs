//! Writing a pretty-printed JSON value nested inside a document that is
//! written piece by piece.

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// serde_json's pretty layout (two spaces a level) for a value that starts
/// `width` columns in: every line after the first is indented by `width`
/// more. Values are serialised into a byte buffer, which the caller writes
/// out in one piece: the output is reached once per batch, not once per
/// token.
struct Nested {
    /// Spaces before the current level's lines.
    indent: usize,
    has_value: bool,
}

const SPACES: &[u8] = &[b' '; 64];

impl Nested {
    fn at(width: usize) -> Self {
        Nested {
            indent: width,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + Write>(&self, writer: &mut W, comma: bool) -> io::Result<()> {
        writer.write_all(if comma { b",\n" } else { b"\n" })?;
        let mut n = self.indent;
        while n > 0 {
            let step = n.min(SPACES.len());
            writer.write_all(&SPACES[..step])?;
            n -= step;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent += 2;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent -= 2;
        if self.has_value {
            self.newline(writer, false)?;
        }
        writer.write_all(bracket)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.newline(writer, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.newline(writer, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` to `out` as pretty JSON whose lines after the first are
/// indented by `width`. `out` should buffer: the layout is written a token
/// at a time.
pub(crate) fn pretty_to<W: Write>(
    out: W,
    width: usize,
    value: &(impl Serialize + ?Sized),
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Nested::at(width));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Empties a batch buffer, giving back what an unusually large batch
/// took, so that one big batch does not hold its memory to the end.
pub(crate) fn release(buf: &mut Vec<u8>) {
    buf.clear();
    buf.shrink_to(1 << 20);
}

/// Writes `value` as pretty JSON indented by `width`.
pub(crate) fn pretty(out: &mut dyn Write, width: usize, value: &impl Serialize) -> io::Result<()> {
    let mut buf = Vec::new();
    pretty_to(&mut buf, width, value)?;
    out.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_output_is_pretty_output_shifted() {
        let value = json!({"a": [1, {"b": [], "c": {}}, []], "d": "x\ny", "e": {"f": null}});
        let plain = serde_json::to_string_pretty(&value).unwrap();
        for width in [0, 2, 8, 70] {
            let mut buf = Vec::new();
            pretty_to(&mut buf, width, &value).unwrap();
            let shifted = plain.replace('\n', &format!("\n{}", " ".repeat(width)));
            assert_eq!(String::from_utf8(buf).unwrap(), shifted, "width {width}");
        }
    }
}
