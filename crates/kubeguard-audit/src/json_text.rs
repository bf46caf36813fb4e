//! JSON string text: where a plain run of a string ends (the scan reads
//! strings with it), and strings written as JSON, escaped as `serde_json`
//! escapes them (the alert writers write with it).

/// Bytes that end the plain run of a string: `"`, `\` and control characters.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Where the plain run of a string starting at `i` ends: at the first
/// `"`, `\` or control character (or the end), found eight bytes at a
/// time (a borrow can mark bytes after the first match of a word, never
/// before it, so the first mark is exact).
pub(crate) fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let c = u64::from_le_bytes(word);
        let control = c.wrapping_sub(ONES * 0x20) & !c;
        let q = c ^ (ONES * u64::from(b'"'));
        let quote = q.wrapping_sub(ONES) & !q;
        let e = c ^ (ONES * u64::from(b'\\'));
        let escape = e.wrapping_sub(ONES) & !e;
        let hit = (control | quote | escape) & HIGH;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(|&c| !STOPS[usize::from(c)]) {
        i += 1;
    }
    i
}

/// Appends `s` as a JSON string (quoted), escaped exactly as
/// `serde_json` writes it: `"` and `\` escaped, control characters as
/// `\b`, `\t`, `\n`, `\f`, `\r` or `\u00XX`, everything else as it is.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.push(b'"');
    let mut start = 0;
    while start < b.len() {
        let end = plain_run(b, start);
        out.extend_from_slice(&b[start..end]);
        let Some(&c) = b.get(end) else {
            break;
        };
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0xf)]);
            }
        }
        start = end + 1;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_runs_end_at_the_first_quote_escape_or_control_character() {
        let text = "abcdefgh\u{e9}ijklmnop\"q\\r\ts\u{7f}\u{1f}";
        let b = text.as_bytes();
        for start in 0..b.len() {
            let slow = (start..b.len())
                .find(|&i| STOPS[usize::from(b[i])])
                .unwrap_or(b.len());
            assert_eq!(plain_run(b, start), slow, "from {start}");
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut texts: Vec<String> = (0..=0x7f_u8)
            .map(|c| format!("a{}b", char::from(c)))
            .collect();
        texts.extend(
            [
                "",
                "plain",
                "RBAC: allowed by ClusterRoleBinding \"system:kube-controller-manager\"",
                "tab\there, newline\nthere, quote \" and backslash \\ at the end\\",
                "\u{1}\u{1f}\u{7f}é😀/",
                "a long line of text with nothing to escape in it at all, over sixteen bytes",
            ]
            .map(str::to_owned),
        );
        for text in texts {
            let mut out = Vec::new();
            write_string(&mut out, &text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }
}
