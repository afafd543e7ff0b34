//! The fields of a YAML object that come before its `kind`, held as a small tree until the kind
//! is known, then replayed into the typed reader.
//!
//! `kubectl get -o yaml` sorts keys, so an EndpointSlice starts with `addressType` and
//! `endpoints`, before `apiVersion` and `kind`. JSON holds such fields back as raw text (see
//! `wire::DocumentSeed`); the YAML parser has no raw text to give, and asking the whole document
//! for a probe reads a `kubectl get -A -o yaml` dump three times over. So the value is held as it
//! is parsed: strings (borrowed from the input when the parser can), booleans, nulls, lists and
//! maps. Replaying must read exactly as reading the field in place would have, so the tree holds
//! only what reads the same either way, and refuses (the document is then probed and read again,
//! as before) whatever the typed read could take differently: numbers, plain-looking text that
//! go-yaml v2 would type as something other than a string (a quoted `"80"`, `"on"`), and any
//! value the typed reader does not accept from the tree.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::yaml::{self, Plain};

/// A value held until its object's kind is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Held<'de> {
    Null,
    Bool(bool),
    Str(Cow<'de, str>),
    Seq(Vec<Held<'de>>),
    Map(Vec<(Held<'de>, Held<'de>)>),
}

/// Why a value was not held: the caller asks for the document's probe instead.
pub const REFUSED: &str = "a value before the kind that is not held";

/// Reads one value into a `Held`, or fails with `REFUSED`.
pub struct HoldSeed;

impl<'de> DeserializeSeed<'de> for HoldSeed {
    type Value = Held<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Held<'de>, D::Error> {
        deserializer.deserialize_any(HoldVisitor)
    }
}

struct HoldVisitor;

impl HoldVisitor {
    /// A string whose text go-yaml v2 reads as a string whether quoted or not.
    fn text<'de, E: de::Error>(text: Cow<'de, str>) -> Result<Held<'de>, E> {
        if text.is_empty() || yaml::resolve(&text) != Plain::Str {
            return Err(E::custom(REFUSED));
        }
        Ok(Held::Str(text))
    }
}

impl<'de> Visitor<'de> for HoldVisitor {
    type Value = Held<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Held<'de>, E> {
        Ok(Held::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Held<'de>, E> {
        Ok(Held::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Held<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Held<'de>, E> {
        Ok(Held::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Held<'de>, E> {
        Err(E::custom(REFUSED))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Held<'de>, E> {
        Err(E::custom(REFUSED))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Held<'de>, E> {
        Err(E::custom(REFUSED))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Held<'de>, E> {
        Self::text(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Held<'de>, E> {
        Self::text(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Held<'de>, E> {
        Self::text(Cow::Owned(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Held<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(HoldSeed)? {
            items.push(item);
        }
        Ok(Held::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Held<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(HoldSeed)? {
            entries.push((key, map.next_value_seed(HoldSeed)?));
        }
        Ok(Held::Map(entries))
    }
}

impl<'de> IntoDeserializer<'de, Error> for Held<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// Replays the held value. Its errors are plain (`serde::de::value::Error`): the caller does not
/// show them, it reads the document again with its probe.
impl<'de> Deserializer<'de> for Held<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Held::Null => visitor.visit_unit(),
            Held::Bool(b) => visitor.visit_bool(b),
            Held::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Held::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Held::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Held::Map(entries) => {
                let mut map = MapDeserializer::new(entries.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Held::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn hold(text: &str) -> Result<Held<'_>, serde_saphyr::Error> {
        serde_saphyr::with_deserializer_from_str_with_options(text, yaml::options(), |de| HoldSeed.deserialize(de))
    }

    #[test]
    fn strings_booleans_nulls_lists_and_maps_are_held_and_replayed() {
        let held = hold("a: [x, true, null]\nb: {c: d}\n").unwrap();
        #[derive(Deserialize, Debug, PartialEq)]
        struct T {
            a: Vec<Option<Item>>,
            b: std::collections::BTreeMap<String, String>,
        }
        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum Item {
            S(String),
            B(bool),
        }
        let t = T::deserialize(held).unwrap();
        assert_eq!(t.a, vec![Some(Item::S("x".into())), Some(Item::B(true)), None]);
        assert_eq!(t.b.get("c").map(String::as_str), Some("d"));
    }

    #[test]
    fn plain_strings_are_borrowed_from_the_input() {
        let text = "addressType: IPv4\n";
        let Held::Map(entries) = hold(text).unwrap() else { panic!("not a map") };
        assert!(matches!(&entries[0].1, Held::Str(Cow::Borrowed("IPv4"))));
    }

    #[test]
    fn numbers_and_text_that_yaml_1_1_types_otherwise_are_refused() {
        for text in ["port: 80\n", "port: \"80\"\n", "x: \"on\"\n", "x: 1.5\n", "x: \"0755\"\n", "x: \"\"\n"] {
            let err = hold(text).unwrap_err();
            assert!(err.to_string().contains(REFUSED), "{text}: {err}");
        }
    }

    #[test]
    fn a_replayed_value_the_target_does_not_take_is_an_error() {
        let held = hold("x: true\n").unwrap();
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            x: String,
        }
        assert!(T::deserialize(held).is_err());
    }
}
