//! A minimal document tree and the two writers that print it the way `kubectl get -o json|yaml`
//! does: keys sorted (kubectl prints objects as maps), JSON indented by four spaces, YAML in block
//! style with sequences flush under their key.
//!
//! This module owns formatting only; it knows nothing about Kubernetes objects. Objects are built
//! and written one at a time, so the huge preset never holds the whole cluster as a tree.

use std::borrow::Cow;

pub type Str = Cow<'static, str>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    /// Printed as `null`, as kubectl prints unset pointer fields such as `lastProbeTime`.
    Null,
    Bool(bool),
    Int(i64),
    Str(Str),
    Arr(Vec<V>),
    /// Entries sorted by key, without duplicates (see [`Map::build`]).
    Obj(Vec<(Str, V)>),
}

impl V {
    pub fn empty_obj() -> V {
        V::Obj(Vec::new())
    }

    pub fn as_obj(&self) -> Option<&[(Str, V)]> {
        match self {
            V::Obj(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.as_obj()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            V::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// An object under construction; `build` sorts the keys, as kubectl's output has them.
#[derive(Debug, Default)]
pub struct Map(Vec<(Str, V)>);

impl Map {
    pub fn new() -> Map {
        Map(Vec::with_capacity(8))
    }

    pub fn set(mut self, key: impl Into<Str>, value: impl Into<V>) -> Map {
        self.0.push((key.into(), value.into()));
        self
    }

    pub fn opt(self, key: impl Into<Str>, value: Option<impl Into<V>>) -> Map {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    pub fn push(&mut self, key: impl Into<Str>, value: impl Into<V>) {
        self.0.push((key.into(), value.into()));
    }

    pub fn build(mut self) -> V {
        // Most objects are written in key order already; checking is cheaper than sorting.
        if !self.0.is_sorted_by(|a, b| a.0 <= b.0) {
            self.0.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        debug_assert!(self.0.windows(2).all(|w| w[0].0 != w[1].0), "duplicate key in {:?}", self.0);
        V::Obj(self.0)
    }
}

impl From<Map> for V {
    fn from(m: Map) -> V {
        m.build()
    }
}

/// Builds an object from `key => value` pairs.
#[macro_export]
macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::tree::Map::new()$(.set($k, $v))*.build()
    };
}

impl From<&'static str> for V {
    fn from(s: &'static str) -> V {
        V::Str(Cow::Borrowed(s))
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::Str(Cow::Owned(s))
    }
}
impl From<Str> for V {
    fn from(s: Str) -> V {
        V::Str(s)
    }
}
impl From<&Str> for V {
    fn from(s: &Str) -> V {
        V::Str(s.clone())
    }
}
impl From<bool> for V {
    fn from(b: bool) -> V {
        V::Bool(b)
    }
}
impl From<i64> for V {
    fn from(n: i64) -> V {
        V::Int(n)
    }
}
impl From<u16> for V {
    fn from(n: u16) -> V {
        V::Int(i64::from(n))
    }
}
impl From<u32> for V {
    fn from(n: u32) -> V {
        V::Int(i64::from(n))
    }
}
impl From<usize> for V {
    fn from(n: usize) -> V {
        V::Int(n as i64)
    }
}
impl From<Vec<V>> for V {
    fn from(items: Vec<V>) -> V {
        V::Arr(items)
    }
}

/// A label or annotation map from ordered pairs.
pub fn string_map(pairs: &[(Str, Str)]) -> V {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.push(k.clone(), v.clone());
    }
    m.build()
}

const SPACES: &[u8] = &[b' '; 128];

fn pad(out: &mut Vec<u8>, n: usize) {
    let mut n = n;
    while n > 0 {
        let chunk = n.min(SPACES.len());
        out.extend_from_slice(&SPACES[..chunk]);
        n -= chunk;
    }
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// True when `bytes` holds a quote, a backslash or a control character. Checks eight bytes at a
/// time: nearly every string written is plain, and this test dominates the writer's profile.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        // A byte below 0x20 (its high bit clear, and below after subtracting 0x20), '"' or '\\'.
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
        if below_space || has_zero(x ^ (ONES * u64::from(b'"'))) || has_zero(x ^ (ONES * u64::from(b'\\'))) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Writes a JSON string literal, escaping as Go's encoder does for the characters that occur
/// here (quotes, backslashes, control characters).
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Compact JSON (`jq -c`, `kubectl get --raw`): no whitespace at all.
pub fn write_json_compact(out: &mut Vec<u8>, v: &V) {
    match v {
        V::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_compact(out, item);
            }
            out.push(b']');
        }
        V::Obj(entries) => {
            out.push(b'{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, key);
                out.push(b':');
                write_json_compact(out, value);
            }
            out.push(b'}');
        }
        scalar => write_json(out, scalar, 0),
    }
}

/// Pretty JSON as `kubectl get -o json` prints it; `level` is the indentation depth of `v`
/// itself (its first line is assumed to be positioned already).
pub fn write_json(out: &mut Vec<u8>, v: &V, level: usize) {
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::Int(n) => write_int(out, *n),
        V::Str(s) => write_json_str(out, s),
        V::Arr(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        V::Obj(entries) if entries.is_empty() => out.extend_from_slice(b"{}"),
        V::Arr(items) => {
            out.extend_from_slice(b"[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, (level + 1) * 4);
                write_json(out, item, level + 1);
                out.extend_from_slice(if i + 1 < items.len() { b",\n" } else { b"\n" });
            }
            pad(out, level * 4);
            out.push(b']');
        }
        V::Obj(entries) => {
            out.extend_from_slice(b"{\n");
            for (i, (k, item)) in entries.iter().enumerate() {
                pad(out, (level + 1) * 4);
                write_json_str(out, k);
                out.extend_from_slice(b": ");
                write_json(out, item, level + 1);
                out.extend_from_slice(if i + 1 < entries.len() { b",\n" } else { b"\n" });
            }
            pad(out, level * 4);
            out.push(b'}');
        }
    }
}

/// Compact JSON, as kubectl stores in `kubectl.kubernetes.io/last-applied-configuration`.
pub fn to_compact_json(v: &V) -> String {
    fn go(out: &mut Vec<u8>, v: &V) {
        match v {
            V::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    go(out, item);
                }
                out.push(b']');
            }
            V::Obj(entries) => {
                out.push(b'{');
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_json_str(out, k);
                    out.push(b':');
                    go(out, item);
                }
                out.push(b'}');
            }
            scalar => write_json(out, scalar, 0),
        }
    }
    let mut out = Vec::new();
    go(&mut out, v);
    String::from_utf8(out).expect("the writer emits UTF-8 only")
}

/// True when `s` can be written as a plain YAML scalar and reads back as the same string under
/// both YAML 1.1 and 1.2 rules. Conservative: anything unusual is quoted, which is always valid.
fn yaml_plain_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else { return false };
    if !(first.is_ascii_alphabetic() || first == b'/') {
        return false;
    }
    if !bytes.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-' | b':')) {
        return false;
    }
    if bytes.last() == Some(&b':') {
        return false;
    }
    // YAML 1.1 booleans and nulls (`yes`, `On`, `n`, ...): some parsers still resolve them.
    !(bytes.len() <= 5
        && matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        ))
}

fn write_yaml_scalar(out: &mut Vec<u8>, v: &V) {
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::Int(n) => write_int(out, *n),
        // A JSON string literal is a valid YAML double-quoted scalar with the same value.
        V::Str(s) if yaml_plain_ok(s) => out.extend_from_slice(s.as_bytes()),
        V::Str(s) => write_json_str(out, s),
        V::Arr(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        V::Obj(entries) if entries.is_empty() => out.extend_from_slice(b"{}"),
        V::Arr(_) | V::Obj(_) => unreachable!("only scalars and empty collections are written inline"),
    }
}

fn is_inline(v: &V) -> bool {
    match v {
        V::Arr(items) => items.is_empty(),
        V::Obj(entries) => entries.is_empty(),
        _ => true,
    }
}

fn write_yaml_key(out: &mut Vec<u8>, key: &str) {
    if yaml_plain_ok(key) {
        out.extend_from_slice(key.as_bytes());
    } else {
        write_json_str(out, key);
    }
}

/// Writes the entries of a non-empty object, each on its own line at `indent`; when `first_inline`
/// the first entry continues the current line (after a sequence's `- `).
fn write_yaml_entries(out: &mut Vec<u8>, entries: &[(Str, V)], indent: usize, first_inline: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        write_yaml_key(out, key);
        if is_inline(value) {
            out.extend_from_slice(b": ");
            write_yaml_scalar(out, value);
            out.push(b'\n');
        } else {
            out.extend_from_slice(b":\n");
            match value {
                V::Obj(children) => write_yaml_entries(out, children, indent + 2, false),
                V::Arr(items) => write_yaml_items(out, items, indent),
                _ => unreachable!("scalars are inline"),
            }
        }
    }
}

/// Writes the items of a non-empty sequence, each starting with `- ` at `indent`.
pub fn write_yaml_items(out: &mut Vec<u8>, items: &[V], indent: usize) {
    for item in items {
        pad(out, indent);
        match item {
            V::Obj(entries) if !entries.is_empty() => {
                out.extend_from_slice(b"- ");
                write_yaml_entries(out, entries, indent + 2, true);
            }
            V::Arr(nested) if !nested.is_empty() => {
                out.extend_from_slice(b"-\n");
                write_yaml_items(out, nested, indent + 2);
            }
            scalar => {
                out.extend_from_slice(b"- ");
                write_yaml_scalar(out, scalar);
                out.push(b'\n');
            }
        }
    }
}

/// A whole YAML document for `v` (an object or a scalar).
pub fn write_yaml(out: &mut Vec<u8>, v: &V) {
    match v {
        V::Obj(entries) if !entries.is_empty() => write_yaml_entries(out, entries, 0, false),
        V::Arr(items) if !items.is_empty() => write_yaml_items(out, items, 0),
        scalar => {
            write_yaml_scalar(out, scalar);
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &V) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v, 0);
        String::from_utf8(out).unwrap()
    }

    fn yaml(v: &V) -> String {
        let mut out = Vec::new();
        write_yaml(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn keys_are_sorted_as_kubectl_prints_them() {
        let v = obj! { "spec" => 1i64, "apiVersion" => "v1", "kind" => "Pod" };
        assert_eq!(json(&v), "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"spec\": 1\n}");
    }

    #[test]
    fn json_nests_with_four_spaces_and_prints_empty_collections_inline() {
        let v = obj! { "a" => vec![V::from(1i64), V::empty_obj()], "b" => V::Arr(vec![]) };
        assert_eq!(json(&v), "{\n    \"a\": [\n        1,\n        {}\n    ],\n    \"b\": []\n}");
    }

    #[test]
    fn escape_scan_finds_special_bytes_at_every_position() {
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', b'\n', 0x1f, 0x00] {
                    let mut s = vec![b'a'; len];
                    s[at] = special;
                    assert!(needs_escape(&s), "{special:#x} at {at} of {len}");
                }
            }
            assert!(!needs_escape(&vec![b'a'; len]));
            assert!(!needs_escape(&vec![0x7e; len]));
            assert!(!needs_escape("é-ü ~".repeat(len).as_bytes()));
        }
    }

    #[test]
    fn json_escapes_quotes_backslashes_and_control_characters() {
        assert_eq!(json(&V::from("a\"b\\c\nd\u{1}")), r#""a\"b\\c\nd\u0001""#);
        assert_eq!(json(&V::from(-12i64)), "-12");
    }

    #[test]
    fn yaml_puts_sequences_flush_under_their_key() {
        let v = obj! {
            "items" => vec![obj! { "name" => "a", "ports" => vec![obj! { "port" => 80i64 }] }],
            "kind" => "List",
        };
        assert_eq!(yaml(&v), "items:\n- name: a\n  ports:\n  - port: 80\nkind: List\n");
    }

    #[test]
    fn yaml_quotes_strings_that_would_read_back_as_something_else() {
        for s in ["true", "No", "y", "null", "80", "10.0.0.1", "0.0.0.0/0", "", "-x", "a: b", "x:", "*", "~", "a b"] {
            assert!(yaml(&V::from(s.to_string())).starts_with('"'), "{s:?} must be quoted");
        }
        for s in ["Running", "kube-system", "app.kubernetes.io/name", "nginx:1.27", "/healthz"] {
            assert_eq!(yaml(&V::from(s.to_string())), format!("{s}\n"));
        }
    }

    #[test]
    fn compact_json_has_no_whitespace() {
        let v = obj! { "b" => vec![V::from(1i64)], "a" => obj! { "c" => "d" } };
        assert_eq!(to_compact_json(&v), r#"{"a":{"c":"d"},"b":[1]}"#);
    }
}
