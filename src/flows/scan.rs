//! A validating walk over one JSON object, handing out the raw text of the values asked for and
//! skipping the others: what makes reading a million Hubble records cheap (`hubble::parse`).
//!
//! A Hubble line is about 1.4 KB, most of it fields no verdict needs (MAC addresses, identities,
//! the labels of endpoints already seen, the summary); deserializing it with serde visits every
//! one of them. Here a skipped value is only checked to be well-formed JSON (strings closed and
//! without control characters, escapes complete, brackets matched, keys followed by `:`, values
//! separated by `,`, the literals and numbers made of what they may hold), byte by byte without
//! building anything; nothing that serde_json would refuse as syntax passes unnoticed, except
//! numbers' finer grammar (`1.2.3`), which no exporter writes.
//!
//! Anything this walk does not handle plainly (a string with an escape where a value is needed,
//! a key with an escape, nesting deeper than [`MAX_DEPTH`]) gives `None`, and the caller reads
//! the line with serde as before, which also words every error: this module never explains.

/// Deeper nesting is left to serde (which bounds its recursion too).
pub const MAX_DEPTH: usize = 64;

/// The position after the whitespace at `i`.
#[inline]
fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// The position after the string starting at `i` (its opening quote), and whether it holds an
/// escape.
#[inline]
fn string(b: &[u8], i: usize) -> Option<(usize, bool)> {
    debug_assert_eq!(b.get(i), Some(&b'"'));
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match *b.get(j)? {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                match *b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        let hex = b.get(j + 2..j + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                }
            }
            0..=0x1f => return None,
            _ => j += 1,
        }
    }
}

/// The position after the value starting at `i` (no whitespace before it).
fn value(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string(b, i).map(|(end, _)| end),
        b'{' => {
            if depth >= MAX_DEPTH {
                return None;
            }
            let mut j = ws(b, i + 1);
            if b.get(j) == Some(&b'}') {
                return Some(j + 1);
            }
            loop {
                if b.get(j) != Some(&b'"') {
                    return None;
                }
                j = ws(b, string(b, j)?.0);
                if b.get(j) != Some(&b':') {
                    return None;
                }
                j = ws(b, value(b, ws(b, j + 1), depth + 1)?);
                match *b.get(j)? {
                    b',' => j = ws(b, j + 1),
                    b'}' => return Some(j + 1),
                    _ => return None,
                }
            }
        }
        b'[' => {
            if depth >= MAX_DEPTH {
                return None;
            }
            let mut j = ws(b, i + 1);
            if b.get(j) == Some(&b']') {
                return Some(j + 1);
            }
            loop {
                j = ws(b, value(b, j, depth + 1)?);
                match *b.get(j)? {
                    b',' => j = ws(b, j + 1),
                    b']' => return Some(j + 1),
                    _ => return None,
                }
            }
        }
        b't' => literal(b, i, b"true"),
        b'f' => literal(b, i, b"false"),
        b'n' => literal(b, i, b"null"),
        b'-' | b'0'..=b'9' => {
            let mut j = i + 1;
            while let Some(c) = b.get(j) {
                if !matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    break;
                }
                j += 1;
            }
            let digits = &b[i..j];
            // At least one digit, and none of the signs or marks last.
            (digits.iter().any(u8::is_ascii_digit) && digits.last().is_some_and(u8::is_ascii_digit)).then_some(j)
        }
        _ => None,
    }
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    b.get(i..i + word.len()).filter(|w| *w == word).map(|_| i + word.len())
}

/// One JSON value, raw: its text, and what kind it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a>(pub &'a str);

impl<'a> Raw<'a> {
    /// The string's contents, when it is a string without escapes; `None` otherwise (the
    /// caller falls back to serde).
    pub fn plain_str(self) -> Option<&'a str> {
        let t = self.0;
        if t.len() >= 2 && t.starts_with('"') && !t[1..t.len() - 1].contains('\\') {
            Some(&t[1..t.len() - 1])
        } else {
            None
        }
    }

    pub fn is_null(self) -> bool {
        self.0 == "null"
    }

    /// A non-negative integer, written without fraction or exponent.
    pub fn uint(self) -> Option<u64> {
        let t = self.0;
        (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit())).then(|| t.parse().ok()).flatten()
    }

    pub fn bool(self) -> Option<bool> {
        match self.0 {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    pub fn is_object(self) -> bool {
        self.0.starts_with('{')
    }
}

/// Walks the object that is the whole of `text` (whitespace around it allowed), calling `visit`
/// with each key (raw, without quotes; `None` when the walk cannot go on plainly) and its value.
/// `visit` returns `false` to give up. `None` when the text is not one well-formed object, or a
/// key holds an escape, or `visit` gave up.
pub fn object<'a>(text: &'a str, visit: impl FnMut(&'a str, Raw<'a>) -> bool) -> Option<()> {
    let b = text.as_bytes();
    let start = ws(b, 0);
    let end = members(text, start, visit)?;
    (ws(b, end) == b.len()).then_some(())
}

/// Like [`object`], for an object value handed out by a walk.
pub fn members_of<'a>(raw: Raw<'a>, visit: impl FnMut(&'a str, Raw<'a>) -> bool) -> Option<()> {
    members(raw.0, 0, visit).filter(|end| *end == raw.0.len()).map(|_| ())
}

fn members<'a>(text: &'a str, i: usize, mut visit: impl FnMut(&'a str, Raw<'a>) -> bool) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut j = ws(b, i + 1);
    if b.get(j) == Some(&b'}') {
        return Some(j + 1);
    }
    loop {
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let (after, escaped) = string(b, j)?;
        if escaped {
            return None;
        }
        let key = &text[j + 1..after - 1];
        j = ws(b, after);
        if b.get(j) != Some(&b':') {
            return None;
        }
        let from = ws(b, j + 1);
        let to = value(b, from, 1)?;
        if !visit(key, Raw(&text[from..to])) {
            return None;
        }
        j = ws(b, to);
        match *b.get(j)? {
            b',' => j = ws(b, j + 1),
            b'}' => return Some(j + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        object(text, |k, v| {
            out.push((k.to_string(), v.0.to_string()));
            true
        })?;
        Some(out)
    }

    #[test]
    fn values_are_handed_out_raw_and_skipped_ones_checked() {
        let text = r#" {"a":"x","b" : {"c":[1,-2.5e3,true,false,null,{"d":"\u00e9\n"}]}, "e":[] ,"f":{}} "#;
        let got = keys(text).unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], ("a".into(), r#""x""#.into()));
        assert_eq!(got[1].1, r#"{"c":[1,-2.5e3,true,false,null,{"d":"\u00e9\n"}]}"#);
        assert_eq!((got[2].1.as_str(), got[3].1.as_str()), ("[]", "{}"));
    }

    #[test]
    fn whatever_serde_json_refuses_as_syntax_is_refused() {
        for bad in [
            r#"{"a":1"#,
            r#"{"a":1}{"b":2}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":tru}"#,
            r#"{"a":nul}"#,
            r#"{"a":[1,2}"#,
            r#"{"a":{"b":[}]}}"#,
            r#"{"a":"b}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":+1}"#,
            r#"{"a":[1 2]}"#,
            "",
        ] {
            assert!(keys(bad).is_none(), "{bad}");
            assert!(serde_json::from_str::<serde::de::IgnoredAny>(bad).is_err(), "serde agrees: {bad}");
        }
        assert!(keys(r#"["a"]"#).is_none(), "JSON, but not an object");
    }

    #[test]
    fn an_escaped_key_or_deep_nesting_is_left_to_serde() {
        assert!(keys(r#"{"fl\u006fw":1}"#).is_none());
        let deep = format!(r#"{{"a":{}1{}}}"#, "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(keys(&deep).is_none());
        let fine = format!(r#"{{"a":{}1{}}}"#, "[".repeat(10), "]".repeat(10));
        assert!(keys(&fine).is_some());
    }

    #[test]
    fn raw_values_read_as_plain_strings_numbers_and_booleans() {
        assert_eq!(Raw(r#""web""#).plain_str(), Some("web"));
        assert_eq!(Raw(r#""w\"eb""#).plain_str(), None, "escapes go to serde");
        assert_eq!(Raw("8080").uint(), Some(8080));
        assert_eq!(Raw("-1").uint(), None);
        assert_eq!(Raw("1.0").uint(), None);
        assert_eq!(Raw("true").bool(), Some(true));
        assert!(Raw("null").is_null());
    }
}
