//! One audit event as the detection engine sees it, and how a JSON value
//! becomes events: the recognition and drop rules of Falco's k8saudit plugin.

use crate::doc::JsonRef;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The largest event the k8saudit plugin accepts by default (`maxEventSize`):
/// larger events are dropped.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 262_144;

/// An audit event (`audit.k8s.io/v1` or `v1beta1`) with its time.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event as parsed.
    pub json: Value,
    /// `stageTimestamp` in nanoseconds since the Unix epoch: the event's time.
    pub time_ns: i64,
}

impl Event {
    /// The value at a JSON pointer (RFC 6901, `~0` and `~1` escapes).
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        self.json.pointer(pointer)
    }

    /// `auditID`, when it is a string.
    #[must_use]
    pub fn audit_id(&self) -> Option<&str> {
        self.json.get("auditID").and_then(Value::as_str)
    }

    /// The event as the rules read it.
    #[must_use]
    pub fn view(&self) -> EventView<'_> {
        EventView {
            json: JsonRef::Value(&self.json),
            time_ns: self.time_ns,
            line: None,
        }
    }
}

/// An audit event as the rules read it: its JSON, whole or projected on
/// the rules' [`Projection`](crate::projection::Projection), borrowed
/// from wherever it was read.
#[derive(Debug, Clone, Copy)]
pub struct EventView<'e> {
    /// The event, whole or projected.
    pub json: JsonRef<'e>,
    /// `stageTimestamp` in nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// The line a projected event was read from: outputs that show the
    /// whole event (`%jevt.obj`) are rendered from it. `None` when the
    /// event is whole.
    pub line: Option<&'e str>,
}

impl<'e> EventView<'e> {
    /// `auditID`, when it is a string.
    #[must_use]
    pub fn audit_id(&self) -> Option<&'e str> {
        self.json.get("auditID").and_then(JsonRef::as_str)
    }
}

/// The one event object read from `line` into `json` (a scanned doc),
/// recognised and timed as [`split_events`] does for an object: `kind:
/// Event` with a valid `stageTimestamp`. Only lines no larger than the
/// maximum event size are scanned, so the size needs no check.
pub(crate) fn line_event<'e>(json: JsonRef<'e>, line: &'e str) -> Result<EventView<'e>, Rejected> {
    if json.get("kind").and_then(JsonRef::as_str) != Some("Event") {
        // An `EventList` with items is never scanned, so it has none.
        return Err(Rejected::NotAnEvent);
    }
    let time_ns = json
        .get("stageTimestamp")
        .and_then(JsonRef::as_str)
        .and_then(parse_time)
        .ok_or(Rejected::NoTimestamp)?;
    Ok(EventView {
        json,
        time_ns,
        line: Some(line),
    })
}

/// Why a JSON value yielded no event, as the plugin decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// Neither an `Event`, an `EventList` nor an array of them.
    NotAnEvent,
    /// No `stageTimestamp`, or one that is not an RFC 3339 time.
    NoTimestamp,
    /// Larger than the maximum event size (its size in bytes).
    TooLarge(usize),
}

impl Rejected {
    /// A one-line explanation for reports.
    #[must_use]
    pub fn message(&self, max_event_size: usize) -> String {
        match self {
            Rejected::NotAnEvent => {
                "not an audit event (no kind Event or EventList); skipped".to_owned()
            }
            Rejected::NoTimestamp => {
                "audit event without a valid stageTimestamp; dropped".to_owned()
            }
            Rejected::TooLarge(size) => format!(
                "audit event of {size} bytes is larger than the maximum event size \
                 ({max_event_size} bytes); dropped"
            ),
        }
    }
}

/// Splits a parsed JSON value into events as the plugin does: an array is
/// a list of payloads, `kind: EventList` carries its events in `items`
/// (taken without looking at their kind), `kind: Event` is one event
/// (`apiVersion` is not required: many real events carry none). Each
/// event must have a valid `stageTimestamp` and, written compactly, be at
/// most `max_event_size` bytes. `size_hint` is the size of the text the
/// value was parsed from when that text was one event; it spares measuring
/// events that are obviously small enough.
pub fn split_events(
    value: Value,
    max_event_size: usize,
    size_hint: Option<usize>,
    out: &mut dyn FnMut(Result<Event, Rejected>),
) {
    match value {
        Value::Array(items) => {
            for item in items {
                split_events(item, max_event_size, None, out);
            }
        }
        Value::Object(mut map) => match map.get("kind").and_then(Value::as_str) {
            Some("EventList") => match map.remove("items") {
                Some(Value::Array(items)) => {
                    for item in items {
                        out(single_event(item, max_event_size, None));
                    }
                }
                _ => out(Err(Rejected::NotAnEvent)),
            },
            Some("Event") => out(single_event(Value::Object(map), max_event_size, size_hint)),
            _ => out(Err(Rejected::NotAnEvent)),
        },
        _ => out(Err(Rejected::NotAnEvent)),
    }
}

/// One event: its timestamp checked, its size bounded.
fn single_event(
    json: Value,
    max_event_size: usize,
    size_hint: Option<usize>,
) -> Result<Event, Rejected> {
    let time_ns = json
        .get("stageTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .ok_or(Rejected::NoTimestamp)?;
    if size_hint.is_none_or(|s| s > max_event_size) {
        let size = compact_size(&json);
        if size > max_event_size {
            return Err(Rejected::TooLarge(size));
        }
    }
    Ok(Event { json, time_ns })
}

/// An RFC 3339 time in nanoseconds since the epoch.
#[must_use]
pub fn parse_time(text: &str) -> Option<i64> {
    if let Some(ns) = parse_utc_time(text.as_bytes()) {
        return Some(ns);
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos()).ok()
}

/// The form the API server writes, `2026-01-02T03:04:05.123456Z` (UTC,
/// up to nine fractional digits, seconds below 60), read directly; `None`
/// for anything else, which [`parse_time`] leaves to the `time` crate.
fn parse_utc_time(b: &[u8]) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        b.get(range)?.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let nanos = match (b[19], &b[20..]) {
        (b'Z', []) => 0,
        (b'.', [fraction @ .., b'Z']) if (1..=9).contains(&fraction.len()) => {
            let n = digits(20..20 + fraction.len())?;
            n * 10i64.pow(9 - u32::try_from(fraction.len()).ok()?)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let seconds = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second;
    // Outside what i64 nanoseconds hold (1677 to 2262): none, as the time crate says.
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (years 0 to 9999).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Nanoseconds since the epoch as RFC 3339 UTC with nine fractional digits.
#[must_use]
pub fn format_time(ns: i64) -> String {
    let (seconds, nanos) = (ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000));
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(30);
    let mut push = |n: i64, width: u32, after: char| {
        for place in (0..width).rev() {
            let digit = (n / 10i64.pow(place)) % 10;
            out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        }
        out.push(after);
    };
    push(year, 4, '-');
    push(month, 2, '-');
    push(day, 2, 'T');
    push(second_of_day / 3600, 2, ':');
    push(second_of_day / 60 % 60, 2, ':');
    push(second_of_day % 60, 2, '.');
    push(nanos, 9, 'Z');
    out
}

/// The date `days` after 1970-01-01 in the proleptic Gregorian calendar
/// (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The size of `value` written as compact JSON.
fn compact_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a Value to a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn split(v: Value) -> Vec<Result<Event, Rejected>> {
        let mut out = Vec::new();
        split_events(v, DEFAULT_MAX_EVENT_SIZE, None, &mut |e| out.push(e));
        out
    }

    #[test]
    fn events_are_recognised_by_kind_without_api_version() {
        let got = split(json!({"kind": "Event", "stageTimestamp": "2026-01-02T03:04:05.123456Z"}));
        let ev = got[0].as_ref().unwrap();
        assert_eq!(format_time(ev.time_ns), "2026-01-02T03:04:05.123456000Z");
        assert_eq!(
            split(json!({"kind": "Pod"})),
            vec![Err(Rejected::NotAnEvent)]
        );
        assert_eq!(split(json!("x")), vec![Err(Rejected::NotAnEvent)]);
    }

    #[test]
    fn event_lists_and_arrays_yield_each_item() {
        let ts = "2026-01-02T03:04:05Z";
        let list = json!({"kind": "EventList", "items": [
            {"stageTimestamp": ts}, {"kind": "Event"}, {"stageTimestamp": "yesterday"}]});
        let got = split(json!([list, {"kind": "Event", "stageTimestamp": ts}]));
        assert_eq!(got.len(), 4);
        assert!(got[0].is_ok() && got[3].is_ok());
        assert_eq!(got[1], Err(Rejected::NoTimestamp));
        assert_eq!(got[2], Err(Rejected::NoTimestamp));
    }

    #[test]
    fn times_are_read_as_the_time_crate_reads_them() {
        let slow = |t: &str| {
            OffsetDateTime::parse(t, &Rfc3339)
                .ok()
                .and_then(|t| i64::try_from(t.unix_timestamp_nanos()).ok())
        };
        let mut quick = 0;
        for t in [
            "2026-01-02T03:04:05Z",
            "2026-12-05T04:00:00.001234Z",
            "1970-01-01T00:00:00.1Z",
            "1969-12-31T23:59:59.999999999Z",
            "0000-03-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.123456789Z",
            "2024-02-29T12:00:00Z",
            "2000-02-29T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "1900-02-29T12:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.1234567890Z",
            "2026-01-01T00:00:00+01:00",
            "2026-01-01T00:00:00.5-02:30",
            "2026-01-01t00:00:00z",
            "2026-01-01 00:00:00Z",
            "2026-1-01T00:00:00Z",
            "+026-01-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00ZZ",
            "yesterday",
            "",
        ] {
            assert_eq!(parse_time(t), slow(t), "{t}");
            quick += usize::from(parse_utc_time(t.as_bytes()).is_some());
        }
        assert_eq!(quick, 6);
        // Every day of 2023 to 2025 and of 2099 to 2101 (2100 is no leap year).
        for start in [1_672_531_200, 4_070_908_800] {
            for day in 0..3 * 366 {
                let t = format_time((start + day * 86_400 + 3_723) * 1_000_000_000 + 7);
                assert_eq!(parse_utc_time(t.as_bytes()), slow(&t), "{t}");
                assert!(parse_utc_time(t.as_bytes()).is_some(), "{t}");
            }
        }
    }

    #[test]
    fn times_are_written_as_the_time_crate_gives_them() {
        let slow = |ns: i64| {
            let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns)).unwrap();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.nanosecond()
            )
        };
        // Both ends of what i64 nanoseconds hold, the epoch, and a day
        // every 37 days and 3,001 seconds in between (leap days, centuries).
        let mut ns = i64::MIN;
        let mut times = vec![i64::MIN, -1, 0, 1, i64::MAX];
        while let Some(next) = ns.checked_add(37 * 86_400_000_000_000 + 3_001_000_000_007) {
            times.push(next);
            ns = next;
        }
        for ns in times {
            assert_eq!(format_time(ns), slow(ns), "{ns}");
            assert_eq!(parse_time(&format_time(ns)), Some(ns), "{ns}");
        }
    }

    #[test]
    fn events_over_the_size_limit_are_dropped() {
        let big = "x".repeat(DEFAULT_MAX_EVENT_SIZE);
        let got =
            split(json!({"kind": "Event", "stageTimestamp": "2026-01-02T03:04:05Z", "b": big}));
        assert!(matches!(got[0], Err(Rejected::TooLarge(n)) if n > DEFAULT_MAX_EVENT_SIZE));
    }
}
