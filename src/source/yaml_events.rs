//! The fast way through a YAML document: a serde `Deserializer` straight over granit-parser's
//! events, the parser serde-saphyr itself runs on, for manifests of the usual shape.
//!
//! serde-saphyr spends about two thirds of a read of a `kubectl get -o yaml` dump in its own
//! layer (event buffering, comment attachment, budgets, key tracking), and kubectl-deny needs
//! none of it for a document of plain maps, lists and scalars. This deserializer reads such
//! documents in one pass and refuses everything else: anchors and aliases, tags, merge keys,
//! directives, floats, numbers where text is wanted, text YAML 1.1 would type otherwise, and any
//! parse error. A refused document is read again with serde-saphyr (`file`), which gives the
//! answer or the error it always gave; so what this module accepts it must read exactly as
//! serde-saphyr with `yaml::options()` does, and when in doubt it refuses. It never decides that
//! a document is wrong.

use std::borrow::Cow;
use std::fmt;

use granit_parser::{Event, Parser, ScalarStyle, StrInput};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::yaml::{self, MAX_DEPTH, Plain};

/// Why the fast path gave up on a document (or the message of an error the caller's visitor
/// raised, such as a stop asked for by the sink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Refused(msg.to_string())
    }
}

fn refuse<T>(why: &str) -> Result<T, Refused> {
    Err(Refused(why.to_string()))
}

/// Reads the one document in `text` with `f`, or refuses it.
pub fn read_document<'de, T>(
    text: &'de str,
    f: impl FnOnce(&mut Events<'de>) -> Result<T, Refused>,
) -> Result<T, Refused> {
    let mut events = Events { parser: Parser::new_from_str(text), peeked: None, depth: 0 };
    if !matches!(events.next()?, Event::StreamStart) {
        return refuse("no stream start");
    }
    match events.next()? {
        Event::DocumentStart(_, None) => {}
        _ => return refuse("not one plain document"),
    }
    if matches!(events.peek()?, Event::DocumentEnd) {
        return refuse("an empty document");
    }
    let value = f(&mut events)?;
    if !matches!(events.next()?, Event::DocumentEnd) || !matches!(events.next()?, Event::StreamEnd) {
        return refuse("more than one document");
    }
    Ok(value)
}

/// The events of one document, comments left out.
pub struct Events<'de> {
    parser: Parser<'de, StrInput<'de>>,
    peeked: Option<Event<'de>>,
    depth: usize,
}

impl<'de> Events<'de> {
    fn next(&mut self) -> Result<Event<'de>, Refused> {
        if let Some(event) = self.peeked.take() {
            return Ok(event);
        }
        loop {
            match self.parser.next_event() {
                Some(Ok((Event::Comment(..), _))) => {}
                Some(Ok((event, _))) => return Ok(event),
                Some(Err(_)) | None => return refuse("a parse error"),
            }
        }
    }

    fn peek(&mut self) -> Result<&Event<'de>, Refused> {
        if self.peeked.is_none() {
            self.peeked = Some(self.next()?);
        }
        Ok(self.peeked.as_ref().expect("just set"))
    }

    /// The next event as a scalar without anchor or tag.
    fn scalar(&mut self) -> Result<(Cow<'de, str>, ScalarStyle), Refused> {
        match self.next()? {
            Event::Scalar(value, style, 0, None) => Ok((value, style)),
            _ => refuse("not a plain scalar"),
        }
    }

    fn enter(&mut self) -> Result<(), Refused> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { refuse("too deep") } else { Ok(()) }
    }

    /// Skips one node, whatever it holds.
    fn skip(&mut self) -> Result<(), Refused> {
        let mut open = 0usize;
        loop {
            match self.next()? {
                Event::Scalar(_, _, 0, None) => {}
                Event::SequenceStart(_, 0, None) | Event::MappingStart(_, 0, None) => {
                    open += 1;
                    if self.depth + open > MAX_DEPTH {
                        return refuse("too deep");
                    }
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => open -= 1,
                _ => return refuse("an anchor, alias or tag"),
            }
            if open == 0 {
                return Ok(());
            }
        }
    }
}

/// A plain scalar that serde-saphyr's `no_schema` reads as text, and go-yaml v2 too.
fn plain_text(text: &str) -> bool {
    if text.is_empty() || yaml::resolve(text) != Plain::Str {
        return false;
    }
    // Text that starts like a number is checked against Rust's number syntax as well, which
    // serde-saphyr's own test resembles.
    !(text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
        && (text.parse::<f64>().is_ok() || text.parse::<i128>().is_ok()))
}

/// A plain decimal integer without a leading zero, sign, or `_`.
fn plain_integer(text: &str) -> Option<u64> {
    let digits = text.as_bytes();
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    text.parse().ok()
}

fn is_null(text: &str, style: ScalarStyle) -> bool {
    style == ScalarStyle::Plain && matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn visit_text<'de, V: Visitor<'de>>(value: Cow<'de, str>, visitor: V) -> Result<V::Value, Refused> {
    match value {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

impl<'de> Events<'de> {
    fn integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Refused> {
        let (value, style) = self.scalar()?;
        match plain_integer(&value) {
            Some(n) if style == ScalarStyle::Plain => visitor.visit_u64(n),
            _ => refuse("not a plain integer"),
        }
    }
}

impl<'de> Deserializer<'de> for &mut Events<'de> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match self.peek()? {
            Event::Scalar(..) => {
                let (value, style) = self.scalar()?;
                if style != ScalarStyle::Plain {
                    return visit_text(value, visitor);
                }
                if is_null(&value, style) {
                    return visitor.visit_unit();
                }
                match &*value {
                    "true" => return visitor.visit_bool(true),
                    "false" => return visitor.visit_bool(false),
                    _ => {}
                }
                if let Some(n) = plain_integer(&value) {
                    return visitor.visit_u64(n);
                }
                if plain_text(&value) {
                    return visit_text(value, visitor);
                }
                refuse("a plain scalar YAML types otherwise")
            }
            Event::SequenceStart(..) => self.deserialize_seq(visitor),
            Event::MappingStart(..) => self.deserialize_map(visitor),
            _ => refuse("not a node"),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        if let Event::Scalar(value, style, 0, None) = self.peek()?
            && is_null(value, *style)
        {
            self.next()?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        let (value, style) = self.scalar()?;
        if style == ScalarStyle::Plain && !plain_text(&value) {
            return refuse("a plain scalar that is not text");
        }
        visit_text(value, visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        let (value, style) = self.scalar()?;
        match (&*value, style) {
            ("true", ScalarStyle::Plain) => visitor.visit_bool(true),
            ("false", ScalarStyle::Plain) => visitor.visit_bool(false),
            _ => refuse("not true or false"),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.integer(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match self.next()? {
            Event::SequenceStart(_, 0, None) => {}
            _ => return refuse("not a plain sequence"),
        }
        self.enter()?;
        let value = visitor.visit_seq(Items { events: &mut *self })?;
        // A visitor that stopped early leaves the rest: skip it.
        while !matches!(self.peek()?, Event::SequenceEnd) {
            self.skip()?;
        }
        self.next()?;
        self.depth -= 1;
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match self.next()? {
            Event::MappingStart(_, 0, None) => {}
            _ => return refuse("not a plain mapping"),
        }
        self.enter()?;
        let value = visitor.visit_map(Entries { events: &mut *self })?;
        while !matches!(self.peek()?, Event::MappingEnd) {
            self.skip()?;
            self.skip()?;
        }
        self.next()?;
        self.depth -= 1;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Refused> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        // Unit variants only, named by a scalar.
        let (value, style) = self.scalar()?;
        if style == ScalarStyle::Plain && !plain_text(&value) {
            return refuse("a plain scalar that is not text");
        }
        match value {
            Cow::Borrowed(s) => visitor.visit_enum(IntoDeserializer::<Refused>::into_deserializer(s)),
            Cow::Owned(s) => visitor.visit_enum(IntoDeserializer::<Refused>::into_deserializer(s)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.skip()?;
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        let (value, style) = self.scalar()?;
        if is_null(&value, style) { visitor.visit_unit() } else { refuse("not null") }
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

struct Items<'a, 'de> {
    events: &'a mut Events<'de>,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Refused;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Refused> {
        if matches!(self.events.peek()?, Event::SequenceEnd) {
            return Ok(None);
        }
        seed.deserialize(&mut *self.events).map(Some)
    }
}

struct Entries<'a, 'de> {
    events: &'a mut Events<'de>,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = Refused;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Refused> {
        match self.events.peek()? {
            Event::MappingEnd => Ok(None),
            // A merge key, and keys that are not text, are serde-saphyr's to read.
            Event::Scalar(value, ScalarStyle::Plain, 0, None) if value == "<<" || !plain_text(value) => {
                refuse("a merge key or a key that is not text")
            }
            Event::Scalar(..) => seed.deserialize(&mut *self.events).map(Some),
            _ => refuse("a key that is not a scalar"),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        seed.deserialize(&mut *self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::IgnoredAny;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Doc {
        name: Option<String>,
        port: Option<u16>,
        ready: Option<bool>,
        labels: Option<std::collections::BTreeMap<String, String>>,
        items: Option<Vec<Doc>>,
    }

    fn fast(text: &str) -> Result<Doc, Refused> {
        read_document(text, |events| Doc::deserialize(events))
    }

    fn saphyr(text: &str) -> Result<Doc, serde_saphyr::Error> {
        serde_saphyr::from_str_with_options(text, yaml::options())
    }

    #[test]
    fn plain_documents_read_as_serde_saphyr_reads_them() {
        for text in [
            "name: web\nport: 8080\nready: true\nlabels: {app: web, tier: \"1\"}\n",
            "# a comment\nitems:\n- name: a # trailing\n  labels:\n    k: 'v w'\n- name: null\n  port: 80\n",
            "name: \"quoted\\tescape\"\nlabels:\nitems: []\n",
            "name: |\n  two\n  lines\n",
        ] {
            assert_eq!(fast(text).unwrap(), saphyr(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn what_serde_saphyr_might_read_otherwise_is_refused() {
        for text in [
            "name: on\n",
            "name: 0755\n",
            "port: 0755\n",
            "port: 1e3\n",
            "port: \"80\"\n",
            "name: &a web\nlabels: {x: *a}\n",
            "name: !!str web\n",
            "<<: {name: a}\n",
            "%YAML 1.1\n---\nname: a\n",
            "name: a\n---\nname: b\n",
            "labels: {on: x}\n",
            "name: [unclosed\n",
            "",
        ] {
            assert!(fast(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn plain_text_is_borrowed_from_the_input() {
        let text = "name: web\n";
        let name = read_document(text, |events| {
            #[derive(Deserialize)]
            struct N<'a> {
                #[serde(borrow)]
                name: &'a str,
            }
            N::deserialize(events).map(|n| n.name)
        })
        .unwrap();
        assert_eq!(name.as_ptr(), text[6..].as_ptr());
    }

    #[test]
    fn skipped_values_may_hold_anything_plain_and_deep() {
        let text = format!("a: {}1{}\nname: x\n", "[".repeat(200), "]".repeat(200));
        let read = read_document(&text, |events| {
            #[derive(Deserialize)]
            #[allow(dead_code)]
            struct N {
                a: IgnoredAny,
                name: String,
            }
            N::deserialize(events).map(|n| n.name)
        });
        assert_eq!(read.unwrap(), "x");
        let too_deep = format!("a: {}1{}\n", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(read_document(&too_deep, |events| IgnoredAny::deserialize(events)).is_err());
    }
}
