//! YAML as kubectl reads it: the parser's options, its errors in the words of manifests, and how
//! kubectl's decoder types a plain scalar.
//!
//! kubectl turns YAML into JSON with sigs.k8s.io/yaml, which resolves plain (unquoted) scalars
//! with go-yaml v2's YAML 1.1 rules: `on`, `yes`, `y`, `true` and their spellings are booleans,
//! `0755` is octal 493, `0x1F` is 31, `1e3` is a number. The API server then rejects a boolean or
//! a number where a string is required (a label value, a name). kubectl-deny reads strings only
//! where they are quoted or cannot be read otherwise (serde-saphyr's `no_schema`), and says what
//! kubectl would have read instead.

use serde_saphyr::Error;

/// The deepest nesting of maps and lists read (kubectl's own decoders go further, but a deeper
/// manifest is either generated wrongly or built to exhaust the stack).
pub const MAX_DEPTH: usize = 1000;

pub fn options() -> serde_saphyr::Options {
    // Manifests are the user's own files and kubectl dumps of whole clusters run to millions of
    // nodes: lift the size limits, keep the guards against alias bombs and deep nesting.
    serde_saphyr::options! {
        with_snippet: false,
        // Plain scalars that YAML 1.1 types as booleans or numbers are not strings (see above).
        no_schema: true,
        // Repeated keys reach the reader, which treats them as JSON's do: the last `kind` wins, a
        // repeated field of an object is an error.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: None,
            max_events: usize::MAX,
            max_nodes: usize::MAX,
            max_documents: usize::MAX,
            max_total_scalar_bytes: usize::MAX,
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
        },
    }
}

/// The error a wrapper (alias replay, snippet) carries.
pub fn original(mut error: &Error) -> &Error {
    while let Error::AliasError { error: inner, .. } | Error::WithSnippet { error: inner, .. } = error {
        error = inner;
    }
    error
}

/// A parser error in the user's terms, when it is one of those that name the parser's internals;
/// `scalar` is the text of the scalar the error is at, when known.
pub fn message(error: &Error, scalar: Option<&str>) -> Option<String> {
    match original(error) {
        Error::QuotingRequired { value, .. } => {
            let raw = if value.is_empty() { scalar.unwrap_or_default() } else { value.as_str() };
            Some(quoting_required(raw))
        }
        Error::Budget { breach, .. } => Some(budget(&format!("{breach:?}"))),
        _ => {
            let text = error.to_string();
            if text.contains("budget breached") {
                return Some(budget(&text));
            }
            if text.contains("floating point")
                && let Some(raw) = scalar
            {
                return Some(not_an_integer(raw));
            }
            if text.contains("flow nesting") || text.contains("nesting limit") || text.contains("recursion limit") {
                return Some(too_deep());
            }
            None
        }
    }
}

fn too_deep() -> String {
    format!(
        "nested deeper than {MAX_DEPTH} levels of maps and lists: kubectl deny reads no deeper (a guard against \
         files built to exhaust its memory); a manifest that deep was generated wrongly"
    )
}

fn budget(breach: &str) -> String {
    if breach.starts_with("Depth") || breach.contains("Depth {") {
        return too_deep();
    }
    if ["Alias", "Anchor", "Replay", "RecordedAnchor"].iter().any(|word| breach.contains(word)) {
        return "the YAML aliases (*name) expand to more copies than kubectl deny reads: this is how an alias \
                bomb exhausts memory; write the repeated parts out, or alias them fewer times"
            .to_string();
    }
    let limit = breach.split([' ', '{']).find(|w| !w.is_empty()).unwrap_or("a size limit");
    format!("the file exceeds a reading limit ({limit}) of kubectl deny's YAML parser; split the file")
}

fn quoting_required(raw: &str) -> String {
    match resolve(raw).describe() {
        Some((reading, type_)) => format!(
            "kubectl reads the unquoted {raw} as {reading}, and the API server rejects a {type_} where a string is \
             required; quote it: \"{raw}\""
        ),
        None => format!("kubectl may read the unquoted {raw} as a number or a boolean; quote it: \"{raw}\""),
    }
}

/// A number with a fraction or an exponent where an integer (a port) is required.
fn not_an_integer(raw: &str) -> String {
    match resolve(raw) {
        Plain::Int { value, octal: true } => format!(
            "{raw} is the octal number {value} to kubectl (a leading 0 means octal in YAML 1.1): write {value} to mean \
             that, or {} without the leading 0",
            raw.trim_start_matches(['+', '-']).trim_start_matches('0')
        ),
        Plain::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("kubectl reads {raw} as the number {value}, which is written as an integer: write {value}")
        }
        _ => format!("expected an integer, found {raw}"),
    }
}

/// What go-yaml v2 makes of a plain scalar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plain {
    Bool(bool),
    Int { value: i128, octal: bool },
    Float(f64),
    Null,
    Str,
}

impl Plain {
    /// How kubectl reads it, and what type that is, for messages; `None` for a string.
    fn describe(self) -> Option<(String, &'static str)> {
        match self {
            Plain::Bool(b) => Some((format!("the boolean {b}"), "boolean")),
            Plain::Int { value, octal: true } => Some((format!("the number {value} (octal)"), "number")),
            Plain::Int { value, octal: false } => Some((format!("the number {value}"), "number")),
            Plain::Float(value) => Some((format!("the number {value}"), "number")),
            Plain::Null => Some(("null".to_string(), "null")),
            Plain::Str => None,
        }
    }
}

/// go-yaml v2's `resolve` for an untagged plain scalar: a lookup table of YAML 1.1 booleans and
/// nulls, then for text starting with a digit, a sign or a dot, Go's integer syntax (`0x`, `0o`,
/// `0b`, a leading `0` for octal, `_` ignored) and its float syntax. Text that looks like a date
/// stays a string (go-yaml keeps timestamps as text when the target is untyped).
pub fn resolve(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => return Plain::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Plain::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Plain::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' => text.parse::<f64>().map_or(Plain::Str, Plain::Float),
        b'+' | b'-' | b'0'..=b'9' => {
            if looks_like_timestamp(text) {
                return Plain::Str;
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(int) = go_parse_int(&plain) {
                return int;
            }
            if is_yaml_float(&plain) {
                return plain.parse::<f64>().map_or(Plain::Str, Plain::Float);
            }
            Plain::Str
        }
        _ => Plain::Str,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` (or `ParseUint`): an optional sign, then `0x`, `0o`, `0b`
/// or a leading `0` (octal), or decimal.
fn go_parse_int(text: &str) -> Option<Plain> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body, octal) = if let Some(hex) = lower.strip_prefix("0x") {
        (16, hex.to_string(), false)
    } else if let Some(oct) = lower.strip_prefix("0o") {
        (8, oct.to_string(), true)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        (2, bin.to_string(), false)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower, false)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(&body, radix).ok()?;
    let value = if negative { -i128::from(magnitude) } else { i128::from(magnitude) };
    if negative && value < i128::from(i64::MIN) {
        return None;
    }
    Some(Plain::Int { value, octal })
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// go-yaml's quick check for a timestamp: four digits and a dash.
fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 4 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-'
}

/// The scalar at 1-based `line` and `column` of `text`: up to the end of the token.
pub fn scalar_at(text: &str, line: usize, column: usize) -> Option<&str> {
    let line_text = text.lines().nth(line.checked_sub(1)?)?;
    let start = line_text.char_indices().nth(column.checked_sub(1)?).map(|(i, _)| i)?;
    let mut rest = &line_text[start..];
    // The position may be the key's: the value follows its colon.
    if let Some(colon) = rest.find(": ")
        && !rest[..colon].contains([' ', ',', '[', '{'])
    {
        rest = rest[colon + 1..].trim_start();
    }
    let end = rest.find([' ', '\t', ',', ']', '}', '#']).unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches(['\r'])).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_are_the_spellings_go_yaml_v2_lists() {
        for t in ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] {
            assert_eq!(resolve(t), Plain::Bool(true), "{t}");
        }
        for f in ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] {
            assert_eq!(resolve(f), Plain::Bool(false), "{f}");
        }
        for s in ["yEs", "oN", "tRue", "yesterday", "on-call", "nope"] {
            assert_eq!(resolve(s), Plain::Str, "{s}");
        }
    }

    #[test]
    fn numbers_follow_go_integer_and_float_syntax() {
        assert_eq!(resolve("0755"), Plain::Int { value: 493, octal: true });
        assert_eq!(resolve("0o17"), Plain::Int { value: 15, octal: true });
        assert_eq!(resolve("0x1F"), Plain::Int { value: 31, octal: false });
        assert_eq!(resolve("0b101"), Plain::Int { value: 5, octal: false });
        assert_eq!(resolve("-42"), Plain::Int { value: -42, octal: false });
        assert_eq!(resolve("1_000"), Plain::Int { value: 1000, octal: false });
        assert_eq!(resolve("1e3"), Plain::Float(1000.0));
        assert_eq!(resolve("1.0"), Plain::Float(1.0));
        assert_eq!(resolve("08"), Plain::Float(8.0), "not octal, so go-yaml tries a float");
        assert_eq!(resolve(".5"), Plain::Float(0.5));
        assert_eq!(resolve("2024-01-01"), Plain::Str, "a timestamp stays text");
        assert_eq!(resolve("1.2.3"), Plain::Str);
        assert_eq!(resolve("v1"), Plain::Str);
        assert_eq!(resolve("~"), Plain::Null);
    }

    #[test]
    fn messages_say_what_kubectl_reads_and_how_to_quote_it() {
        assert_eq!(
            quoting_required("on"),
            "kubectl reads the unquoted on as the boolean true, and the API server rejects a boolean where a string \
             is required; quote it: \"on\""
        );
        assert!(quoting_required("0755").contains("as the number 493 (octal)"));
        assert!(not_an_integer("0755").starts_with("0755 is the octal number 493 to kubectl"));
        assert!(not_an_integer("1e3").contains("write 1000"));
    }

    #[test]
    fn scalars_are_found_by_line_and_column() {
        assert_eq!(scalar_at("a: 1\nport: 0755 # x\n", 2, 7), Some("0755"));
        assert_eq!(scalar_at("a: 1\n  - port: 0755\n", 2, 5), Some("0755"), "at the key, the value");
        assert_eq!(scalar_at("ports: [0755, 80]\n", 1, 9), Some("0755"));
        assert_eq!(scalar_at("a\n", 3, 1), None);
    }
}
