//! Reading one file or stdin into a [`Source`], refusing what is not text.

use kubeguard_core::Diagnostic;
use kubeguard_core::{Pos, Source};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// Default largest file read: far above any real manifest, small enough
/// that memory stays bounded.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Reads a file, refusing files over `max_size` bytes.
pub fn read_file(path: &Path, max_size: u64) -> Result<Source, Diagnostic> {
    let name = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| Diagnostic::whole_file(&name, io_message(&e)))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max_size {
        return Err(Diagnostic::whole_file(
            &name,
            too_large(Some(len), max_size),
        ));
    }
    read_bounded(file, &name, max_size, len)
}

/// The name standard input is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads standard input, refusing more than `max_size` bytes. Standard
/// input is read once per process: later calls get the same text (or the
/// same error), so no command can consume it twice.
pub fn read_stdin(max_size: u64) -> Result<Source, Diagnostic> {
    static STDIN: OnceLock<Result<String, Diagnostic>> = OnceLock::new();
    STDIN
        .get_or_init(|| {
            read_bounded(std::io::stdin().lock(), STDIN_NAME, max_size, 0).map(|s| s.text)
        })
        .clone()
        .map(|text| Source::new(STDIN_NAME, text))
}

/// Reads at most `max_size` bytes (and one more, to tell that there was
/// more); `expected` is the size the file reported, so that the buffer is
/// allocated once rather than grown.
fn read_bounded(
    reader: impl Read,
    name: &str,
    max_size: u64,
    expected: u64,
) -> Result<Source, Diagnostic> {
    let capacity = usize::try_from(expected.min(max_size)).unwrap_or(0);
    // One byte more than expected: reading to the end needs room to see it.
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::whole_file(name, io_message(&e)))?;
    if bytes.len() as u64 > max_size {
        return Err(Diagnostic::whole_file(name, too_large(None, max_size)));
    }
    let text = decode(name, bytes)?;
    Ok(Source::new(name, text))
}

/// The message for input over `max` bytes; `len` is its size when known
/// (a file), `None` for a stream that was cut off.
fn too_large(len: Option<u64>, max: u64) -> String {
    let over = match len {
        Some(len) => format!("{} > {}", size(len), size(max)),
        None => format!("more than {}", size(max)),
    };
    format!(
        "file is over the size limit ({over}); raise it with --max-file-size if this is really a manifest"
    )
}

/// A byte count in the largest unit that keeps it readable: `64 MiB`,
/// `1.5 KiB`, `300 bytes`.
fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "cannot read file: permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => format!("cannot read file: {e}"),
    }
}

/// Line and column of byte `offset` in `bytes`.
fn locate(bytes: &[u8], offset: usize) -> Pos {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    }
}

/// Decodes UTF-8 text, rejecting binary data with the position of the
/// first offending byte.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Diagnostic::whole_file(
            name,
            "UTF-16 text (it starts with a UTF-16 byte-order mark); Kubernetes manifests must be UTF-8: convert it, e.g. with `iconv -f UTF-16 -t UTF-8`",
        ));
    }
    // `contains` searches with memchr; the position is only needed on error.
    if bytes.contains(&0)
        && let Some(nul) = bytes.iter().position(|&b| b == 0)
    {
        return Err(Diagnostic {
            file: name.to_owned(),
            pos: locate(&bytes, nul),
            message: "binary data (a NUL byte), not YAML or JSON text".into(),
        });
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            Err(Diagnostic {
                file: name.to_owned(),
                pos: locate(e.as_bytes(), offset),
                message: "not valid UTF-8 text; Kubernetes manifests must be UTF-8".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_readable() {
        assert_eq!(size(64 << 20), "64 MiB");
        assert_eq!(size(2048), "2 KiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(300), "300 bytes");
        assert_eq!(size(3 << 30), "3 GiB");
        // A limit under 1 MiB is not shown as "0 MiB".
        assert_eq!(
            too_large(Some(2048), 1024),
            "file is over the size limit (2 KiB > 1 KiB); raise it with --max-file-size if this is really a manifest"
        );
        assert!(too_large(None, 64 << 20).contains("(more than 64 MiB)"));
    }

    #[test]
    fn text_that_is_not_utf8_is_located() {
        let err = decode("x", b"a: 1\nb: caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(err.pos, Pos { line: 2, col: 7 });
        assert!(err.message.contains("not valid UTF-8"));
        let err = decode("x", b"a: 1\nb:\0".to_vec()).unwrap_err();
        assert_eq!(err.pos, Pos { line: 2, col: 3 });
        assert!(err.message.contains("NUL byte"));
        let utf16: Vec<u8> = "\u{feff}kind: Pod\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let err = decode("x", utf16).unwrap_err();
        assert_eq!(err.pos, Pos { line: 1, col: 1 });
        assert!(err.message.contains("UTF-16"), "{}", err.message);
        assert_eq!(
            decode("x", "\u{feff}kind: Pod".into()).unwrap(),
            "kind: Pod"
        );
    }
}
