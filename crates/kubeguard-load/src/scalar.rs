//! YAML 1.1 scalar resolution, as Kubernetes applies it when it turns YAML
//! into JSON: `yes`, `on`, `y` are `true`; `0x1F` and `0755` are integers.

use kubeguard_core::ScalarKind;

/// Resolves a plain (unquoted, untagged) scalar.
pub(crate) fn resolve_plain(text: &str) -> ScalarKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarKind::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return ScalarKind::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return ScalarKind::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return ScalarKind::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return ScalarKind::Str;
    }
    if let Some(i) = parse_int(text) {
        return ScalarKind::Int(i);
    }
    parse_float(text).map_or(ScalarKind::Str, ScalarKind::Float)
}

/// Integers in YAML 1.1 form: decimal, `0x` hex, `0b` binary, `0o` or
/// leading-zero octal, with `_` separators and an optional sign.
fn parse_int(text: &str) -> Option<i64> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    if digits.is_empty() {
        return None;
    }
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Floats such as `1.5`, `-2e3`, `.5`, `1_000.5`.
fn parse_float(text: &str) -> Option<f64> {
    let ok_chars = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'_' | b'e' | b'E'));
    if !ok_chars || !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    text.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans() {
        for t in ["yes", "Yes", "on", "ON", "y", "true", "True"] {
            assert_eq!(resolve_plain(t), ScalarKind::Bool(true), "{t}");
        }
        for t in ["no", "NO", "off", "n", "false", "FALSE"] {
            assert_eq!(resolve_plain(t), ScalarKind::Bool(false), "{t}");
        }
        assert_eq!(resolve_plain("yEs"), ScalarKind::Str);
    }

    #[test]
    fn numbers() {
        assert_eq!(resolve_plain("0"), ScalarKind::Int(0));
        assert_eq!(resolve_plain("1000"), ScalarKind::Int(1000));
        assert_eq!(resolve_plain("-3"), ScalarKind::Int(-3));
        assert_eq!(resolve_plain("0x1F"), ScalarKind::Int(31));
        assert_eq!(resolve_plain("0755"), ScalarKind::Int(493));
        assert_eq!(resolve_plain("1_000"), ScalarKind::Int(1000));
        assert_eq!(resolve_plain("1.5"), ScalarKind::Float(1.5));
        assert_eq!(resolve_plain("1.25.0"), ScalarKind::Str);
        assert_eq!(resolve_plain("v1"), ScalarKind::Str);
        assert_eq!(resolve_plain("08"), ScalarKind::Float(8.0));
        assert_eq!(resolve_plain("~"), ScalarKind::Null);
        assert_eq!(resolve_plain("-"), ScalarKind::Str);
    }
}
