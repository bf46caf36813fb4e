//! Reading one file or stdin into a [`Source`], refusing what is not text.

use crate::error::LoadError;
use kubeguard_core::{Pos, Source};
use std::io::Read;
use std::path::Path;

/// Default largest file read: far above any real manifest, small enough
/// that memory stays bounded.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Reads a file, refusing files over `max_size` bytes.
pub fn read_file(path: &Path, max_size: u64) -> Result<Source, LoadError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| LoadError::file(&name, io_message(&e)))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max_size {
        return Err(LoadError::file(&name, too_large(len, max_size)));
    }
    read_bounded(file, &name, max_size)
}

/// Reads standard input, refusing more than `max_size` bytes.
pub fn read_stdin(max_size: u64) -> Result<Source, LoadError> {
    read_bounded(std::io::stdin().lock(), "<stdin>", max_size)
}

fn read_bounded(reader: impl Read, name: &str, max_size: u64) -> Result<Source, LoadError> {
    let mut bytes = Vec::new();
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::file(name, io_message(&e)))?;
    if bytes.len() as u64 > max_size {
        return Err(LoadError::file(name, too_large(bytes.len() as u64, max_size)));
    }
    let text = decode(name, bytes)?;
    Ok(Source::new(name, text))
}

fn too_large(len: u64, max: u64) -> String {
    format!(
        "file is over the size limit ({} MiB > {} MiB); raise it with --max-file-size if this is really a manifest",
        len.div_ceil(1024 * 1024),
        max / (1024 * 1024)
    )
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
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    }
}

/// Decodes UTF-8 text, rejecting binary data with the position of the
/// first offending byte.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, LoadError> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(LoadError {
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
            Err(LoadError {
                file: name.to_owned(),
                pos: locate(e.as_bytes(), offset),
                message: "not valid UTF-8 text; Kubernetes manifests must be UTF-8".into(),
            })
        }
    }
}
