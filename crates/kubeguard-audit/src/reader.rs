//! Reading audit events from files and standard input: JSON lines (plain
//! or gzip), whole `EventList` documents, rotated files oldest first. Lines
//! are read one at a time into one buffer, so memory stays flat on an
//! endless stream; what cannot be read is counted and located.

use crate::doc::Doc;
use crate::event::{DEFAULT_MAX_EVENT_SIZE, EventView, Rejected, line_event, split_events};
use crate::projection::{self, Projected, Projection};
use crate::scan::Plan;
use kubeguard_core::{Diagnostic, Pos};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The name standard input is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// The largest line or document read (the plugin's default webhook batch
/// limit): longer lines are skipped and reported.
pub const DEFAULT_MAX_LINE: usize = 12 * 1024 * 1024;

/// How many problems are listed one by one; the rest are only counted.
pub const DEFAULT_MAX_ISSUES: usize = 100;

/// Limits of a read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Largest event kept (compact JSON bytes); larger ones are dropped.
    pub max_event_size: usize,
    /// Largest line or document read.
    pub max_line: usize,
    /// How many problems are listed (the rest are counted).
    pub max_issues: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            max_line: DEFAULT_MAX_LINE,
            max_issues: DEFAULT_MAX_ISSUES,
        }
    }
}

/// What a read saw besides the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Events delivered.
    pub events: u64,
    /// Lines or documents that are not JSON (truncated, garbage, too long).
    pub garbage: u64,
    /// JSON values that are not audit events.
    pub not_events: u64,
    /// Events dropped for a missing or invalid `stageTimestamp`.
    pub no_timestamp: u64,
    /// Events dropped for their size.
    pub too_large: u64,
    /// Events delivered (and evaluated) that carry top-level fields an
    /// audit event does not have.
    pub unknown_fields: u64,
    /// The first problems, each with file and line.
    pub issues: Vec<Diagnostic>,
}

impl ReadStats {
    /// Everything read that yielded no event.
    #[must_use]
    pub fn skipped(&self) -> u64 {
        self.garbage + self.not_events + self.no_timestamp + self.too_large
    }

    /// Problems (skipped lines and events, events with unknown fields)
    /// counted but not listed.
    #[must_use]
    pub fn unlisted(&self) -> u64 {
        (self.skipped() + self.unknown_fields).saturating_sub(self.issues.len() as u64)
    }

    fn issue(&mut self, opts: &ReadOptions, file: &str, pos: Pos, message: String) {
        if self.issues.len() < opts.max_issues {
            self.issues.push(Diagnostic::new(file, pos, message));
        }
    }

    fn reject(&mut self, opts: &ReadOptions, file: &str, line: u32, why: &Rejected) {
        match why {
            Rejected::NotAnEvent => self.not_events += 1,
            Rejected::NoTimestamp => self.no_timestamp += 1,
            Rejected::TooLarge(_) => self.too_large += 1,
        }
        let message = why.message(opts.max_event_size);
        self.issue(opts, file, Pos { line, col: 1 }, message);
    }

    /// An event delivered with top-level fields an audit event does not have.
    fn unknown(&mut self, opts: &ReadOptions, file: &str, line: u32, fields: &[String]) {
        self.unknown_fields += 1;
        if self.issues.len() < opts.max_issues {
            self.issue(opts, file, Pos { line, col: 1 }, unknown_message(fields));
        }
    }
}

/// How many unknown field names a warning lists, and how much of each.
const NAMES_LISTED: usize = 5;
const NAME_CHARS: usize = 64;

fn unknown_message(fields: &[String]) -> String {
    let mut names: Vec<String> = fields
        .iter()
        .take(NAMES_LISTED)
        .map(|f| {
            let mut name: String = f.chars().take(NAME_CHARS).collect();
            if name.len() < f.len() {
                name.push_str("...");
            }
            format!("{name:?}")
        })
        .collect();
    if fields.len() > NAMES_LISTED {
        names.push(format!("and {} more", fields.len() - NAMES_LISTED));
    }
    let s = if fields.len() == 1 { "" } else { "s" };
    format!(
        "audit event with unknown field{s} {} (not in an audit.k8s.io Event); evaluated anyway",
        names.join(", ")
    )
}

/// One input: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file (plain or gzip).
    File(PathBuf),
}

impl Input {
    /// The name it is reported under.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => STDIN_NAME.to_owned(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// The inputs named on the command line, in reading order: `-` is standard
/// input, a directory stands for the files in it, and rotated files of one
/// log are read oldest first (`audit.log.2.gz`, `audit.log.1`, `audit.log`;
/// or the API server's `audit-2026-01-02T03-04-05.000.log` backups before
/// `audit.log`). Groups keep the order in which they were named.
pub fn inputs(args: &[String]) -> Result<Vec<Input>, Diagnostic> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    let flush = |files: &mut Vec<PathBuf>, out: &mut Vec<Input>| {
        out.extend(
            order_rotated(std::mem::take(files))
                .into_iter()
                .map(Input::File),
        );
    };
    for arg in args {
        if arg == "-" {
            flush(&mut files, &mut out);
            out.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(arg);
        if path.is_dir() {
            let entries = std::fs::read_dir(&path)
                .map_err(|e| Diagnostic::whole_file(arg, format!("cannot read directory: {e}")))?;
            let mut inside: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path);
        }
    }
    flush(&mut files, &mut out);
    Ok(out)
}

/// Orders the files of each rotated log oldest first; logs keep the order
/// of their first file.
fn order_rotated(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut groups: Vec<(String, Vec<(RotationAge, PathBuf)>)> = Vec::new();
    for file in files {
        let (base, age) = rotation(&file);
        match groups.iter_mut().find(|(b, _)| *b == base) {
            Some((_, members)) => members.push((age, file)),
            None => groups.push((base, vec![(age, file)])),
        }
    }
    groups
        .into_iter()
        .flat_map(|(_, mut members)| {
            members.sort_by(|a, b| a.0.cmp(&b.0));
            members.into_iter().map(|(_, f)| f)
        })
        .collect()
}

/// Where a file stands in its log's rotation: older sorts first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RotationAge {
    /// A numbered backup: higher numbers are older.
    Numbered(std::cmp::Reverse<u64>),
    /// A timestamped backup: the timestamp text sorts by time.
    Stamped(String),
    /// The live file.
    Current,
}

/// The log a file belongs to and its age in the rotation.
fn rotation(path: &Path) -> (String, RotationAge) {
    let dir = path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    // audit.log.3
    if let Some((base, n)) = stem.rsplit_once('.')
        && let Ok(n) = n.parse::<u64>()
        && !base.is_empty()
    {
        return (
            format!("{dir}/{base}"),
            RotationAge::Numbered(std::cmp::Reverse(n)),
        );
    }
    // audit-2026-01-02T03-04-05.000.log (lumberjack, as the API server writes)
    if let Some((prefix, ext)) = stem.rsplit_once('.')
        && let Some(stamp_at) = prefix.len().checked_sub(23)
        && prefix.is_char_boundary(stamp_at)
        && prefix[stamp_at..].starts_with('-')
        && is_lumberjack_stamp(&prefix[stamp_at + 1..])
    {
        let base = format!("{dir}/{}.{ext}", &prefix[..stamp_at]);
        return (
            base,
            RotationAge::Stamped(prefix[stamp_at + 1..].to_owned()),
        );
    }
    (format!("{dir}/{stem}"), RotationAge::Current)
}

/// `2026-01-02T03-04-05.000`.
fn is_lumberjack_stamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 23
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 | 13 | 16 => *c == b'-',
            10 => *c == b'T',
            19 => *c == b'.',
            _ => c.is_ascii_digit(),
        })
}

/// Reads one input, handing each event, whole (parsed by `serde_json`),
/// to `on_event`. An input that cannot be opened is an error; problems
/// inside it are counted in `stats` and reading goes on.
pub fn read_input(
    input: &Input,
    opts: &ReadOptions,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    read_input_with(input, opts, None, stats, on_event)
}

/// As [`read_input`], with each event holding only what `projection` keeps
/// (from [`RuleSet::projection`](crate::RuleSet::projection)): the rest of
/// each line is checked as JSON but not built, which is most of the cost.
/// A projected event carries the line it was read from
/// ([`EventView::line`]); what it holds is borrowed from that line.
pub fn read_input_projected(
    input: &Input,
    opts: &ReadOptions,
    projection: &Projection,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    read_input_with(input, opts, Some(projection), stats, on_event)
}

fn read_input_with(
    input: &Input,
    opts: &ReadOptions,
    projection: Option<&Projection>,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    let name = input.name();
    let io_err = |e: std::io::Error| Diagnostic::whole_file(&name, format!("cannot read: {e}"));
    match input {
        Input::Stdin => read_stream_with(
            std::io::stdin().lock(),
            &name,
            opts,
            projection,
            stats,
            on_event,
        ),
        Input::File(path) => {
            let file = std::fs::File::open(path).map_err(io_err)?;
            read_stream_with(
                BufReader::with_capacity(256 * 1024, file),
                &name,
                opts,
                projection,
                stats,
                on_event,
            )
        }
    }
}

/// Reads a stream, gzip or plain (decided by its first bytes), handing
/// each event, whole (parsed by `serde_json`), to `on_event`.
pub fn read_stream(
    reader: impl BufRead,
    name: &str,
    opts: &ReadOptions,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    read_stream_with(reader, name, opts, None, stats, on_event)
}

/// As [`read_stream`], with each event holding only what `projection`
/// keeps, as [`read_input_projected`] reads.
pub fn read_stream_projected(
    reader: impl BufRead,
    name: &str,
    opts: &ReadOptions,
    projection: &Projection,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    read_stream_with(reader, name, opts, Some(projection), stats, on_event)
}

fn read_stream_with(
    mut reader: impl BufRead,
    name: &str,
    opts: &ReadOptions,
    projection: Option<&Projection>,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    let read = Source {
        name,
        opts,
        projection: projection.map(|p| (p, Plan::new(p))),
    };
    let head = reader
        .fill_buf()
        .map_err(|e| Diagnostic::whole_file(name, format!("cannot read: {e}")))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = BufReader::with_capacity(256 * 1024, flate2::bufread::MultiGzDecoder::new(reader));
        read_text(gz, &read, stats, on_event)
    } else {
        read_text(reader, &read, stats, on_event)
    }
}

/// What a read is: its input's name, limits and projection.
struct Source<'a> {
    name: &'a str,
    opts: &'a ReadOptions,
    /// The projection, laid out for the quick parse; `None` reads whole.
    projection: Option<(&'a Projection, Plan)>,
}

/// One line as read.
enum Line {
    /// End of input.
    Eof,
    /// A line (without its newline) in the buffer.
    Text,
    /// A line longer than the limit, skipped up to its newline.
    TooLong,
}

/// Reads up to the next newline into `buf` (cleared first), keeping at most
/// `max` bytes; a longer line is consumed and reported as too long.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + take > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        reader.consume(if done { take + 1 } else { take });
        if done {
            break;
        }
    }
    Ok(match (any, too_long) {
        (false, _) => Line::Eof,
        (true, true) => Line::TooLong,
        (true, false) => Line::Text,
    })
}

/// Reads JSON lines; when the first non-blank line is the start of a
/// multi-line document (an `EventList` written by hand or by `kubectl`),
/// the rest of the input is read as a sequence of JSON documents.
fn read_text(
    mut reader: impl BufRead,
    read: &Source<'_>,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    let (name, opts) = (read.name, read.opts);
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut doc = Doc::default();
    let mut line_no: u32 = 0;
    let mut first = true;
    let cannot_read = |line_no: u32, e: std::io::Error| {
        let pos = Pos {
            line: line_no + 1,
            col: 1,
        };
        Diagnostic::new(name, pos, format!("cannot read: {e}"))
    };
    loop {
        // A whole line in the reader's buffer is read where it is.
        if !first {
            let chunk = reader.fill_buf().map_err(|e| cannot_read(line_no, e))?;
            if let Some(end) = memchr::memchr(b'\n', chunk)
                && end <= opts.max_line
            {
                line_no = line_no.saturating_add(1);
                let text = trim_line(&chunk[..end]);
                if !text.is_empty()
                    && let Err(e) = read_line_events(text, &mut doc, read, line_no, stats, on_event)
                {
                    bad_line(&e, read, line_no, stats);
                }
                reader.consume(end + 1);
                continue;
            }
        }
        let line =
            read_line(&mut reader, &mut buf, opts.max_line).map_err(|e| cannot_read(line_no, e))?;
        line_no = line_no.saturating_add(1);
        match line {
            Line::Eof => return Ok(()),
            Line::TooLong => {
                stats.garbage += 1;
                let msg = format!("line longer than {} bytes; skipped", opts.max_line);
                let pos = Pos {
                    line: line_no,
                    col: 1,
                };
                stats.issue(opts, name, pos, msg);
                first = false;
                continue;
            }
            Line::Text => {}
        }
        let text = trim_line(&buf);
        if text.is_empty() {
            continue;
        }
        match read_line_events(text, &mut doc, read, line_no, stats, on_event) {
            Ok(()) => first = false,
            Err(e) if first && e.is_eof() => {
                let mut start = buf.clone();
                start.push(b'\n');
                let rest = std::io::Cursor::new(start).chain(reader);
                return read_documents(rest, read, line_no, stats, on_event);
            }
            Err(e) => {
                first = false;
                bad_line(&e, read, line_no, stats);
            }
        }
    }
}

/// Parses one line (scanned into `doc` when it can be) and hands its
/// events to `on_event`; a line that is not JSON is the error.
fn read_line_events(
    text: &[u8],
    doc: &mut Doc,
    read: &Source<'_>,
    line_no: u32,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), serde_json::Error> {
    let parsed = parse_line(text, read, doc)?;
    deliver(
        parsed,
        doc,
        Some(text.len()),
        read,
        line_no,
        stats,
        on_event,
    );
    Ok(())
}

/// Counts and locates a line that is not JSON.
fn bad_line(e: &serde_json::Error, read: &Source<'_>, line_no: u32, stats: &mut ReadStats) {
    stats.garbage += 1;
    let what = if e.is_eof() {
        "truncated JSON"
    } else {
        "not JSON"
    };
    let msg = format!("{what} ({e}); line skipped");
    let col = if e.is_eof() {
        1
    } else {
        u32::try_from(e.column()).unwrap_or(1)
    };
    stats.issue(read.opts, read.name, Pos { line: line_no, col }, msg);
}

/// A line without its carriage return and surrounding blanks.
fn trim_line(buf: &[u8]) -> &[u8] {
    let start = buf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buf.len());
    let end = buf
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &buf[start..end]
}

/// Reads the rest of an input as JSON documents, the first starting at
/// line `first_line`; a syntax error ends the input.
fn read_documents(
    reader: impl Read,
    read: &Source<'_>,
    first_line: u32,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) -> Result<(), Diagnostic> {
    let (name, opts) = (read.name, read.opts);
    let limited = reader.take(opts.max_line as u64);
    let doc = Doc::default();
    let mut docs = serde_json::Deserializer::from_reader(limited).into_iter::<serde_json::Value>();
    loop {
        match docs.next() {
            None => return Ok(()),
            // Problems inside a document are reported where the documents start.
            Some(Ok(value)) => deliver(
                Parsed::Whole(value),
                &doc,
                None,
                read,
                first_line,
                stats,
                on_event,
            ),
            Some(Err(e)) => {
                stats.garbage += 1;
                let line = first_line + u32::try_from(e.line()).unwrap_or(1) - 1;
                let col = u32::try_from(e.column()).unwrap_or(1);
                let what = if e.is_eof() {
                    "truncated or too long JSON document"
                } else {
                    "not JSON"
                };
                let msg = format!("{what} ({e}); rest of the input skipped");
                stats.issue(opts, name, Pos { line, col }, msg);
                return Ok(());
            }
        }
    }
}

/// A line parsed: projected, or whole when it is not one event object.
enum Parsed<'l> {
    /// One object scanned into the doc, its unknown top-level keys, and the line.
    Scanned(Vec<String>, &'l str),
    /// One object with only the projected keys, its unknown top-level
    /// keys, and the line.
    Projected(serde_json::Value, Vec<String>, &'l str),
    /// A whole value: an `EventList`, an array, a scalar, or a line too
    /// large to be kept (its size is measured on the whole event).
    Whole(serde_json::Value),
}

/// Parses one line with the read's projection (scanned into `doc` when it
/// can be). A line that is not UTF-8, or larger than the largest event
/// kept, is parsed whole, as before any projection, so errors and sizes
/// are those of the whole line.
fn parse_line<'l>(
    text: &'l [u8],
    read: &Source<'_>,
    doc: &mut Doc,
) -> Result<Parsed<'l>, serde_json::Error> {
    if let Some((projection, plan)) = &read.projection
        && text.len() <= read.opts.max_event_size
        && let Ok(s) = std::str::from_utf8(text)
    {
        return Ok(match projection::parse(s, projection, plan, doc)? {
            Projected::Scanned(unknown) => Parsed::Scanned(unknown, s),
            Projected::Event(value, unknown) => Parsed::Projected(value, unknown, s),
            Projected::Whole => Parsed::Whole(serde_json::from_str(s)?),
        });
    }
    serde_json::from_slice(text).map(Parsed::Whole)
}

/// Hands the events of one parsed value (a scanned one in `doc`) to
/// `on_event`, counting the rest and noting events with unknown fields.
fn deliver(
    parsed: Parsed<'_>,
    doc: &Doc,
    size_hint: Option<usize>,
    read: &Source<'_>,
    line: u32,
    stats: &mut ReadStats,
    on_event: &mut dyn FnMut(EventView<'_>),
) {
    let (name, opts) = (read.name, read.opts);
    let mut delivered = |event: EventView<'_>, unknown: &[String], stats: &mut ReadStats| {
        stats.events += 1;
        if !unknown.is_empty() {
            stats.unknown(opts, name, line, unknown);
        }
        on_event(event);
    };
    let (value, mut noted, text) = match parsed {
        Parsed::Scanned(unknown, text) => {
            match line_event(doc.root(text), text) {
                Ok(event) => delivered(event, &unknown, stats),
                Err(why) => stats.reject(opts, name, line, &why),
            }
            return;
        }
        Parsed::Projected(value, unknown, text) => (value, Some(unknown), Some(text)),
        Parsed::Whole(value) => (value, None, None),
    };
    split_events(value, opts.max_event_size, size_hint, &mut |ev| match ev {
        Ok(event) => {
            let unknown = match noted.take() {
                Some(unknown) => unknown,
                None => match &event.json {
                    serde_json::Value::Object(map) => projection::unknown_fields(
                        map.keys().map(String::as_str),
                        map.get("apiVersion").and_then(serde_json::Value::as_str),
                    ),
                    _ => Vec::new(),
                },
            };
            let view = EventView {
                line: text,
                ..event.view()
            };
            delivered(view, &unknown, stats);
        }
        Err(why) => stats.reject(opts, name, line, &why),
    });
}
