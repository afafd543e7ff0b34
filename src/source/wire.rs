//! Kubernetes objects as the API serializes them: camelCase JSON, and YAML manifests of the same
//! shape. Shared by the manifest source and the live-cluster source.
//!
//! Only the fields kubectl-deny reads; serde skips everything else without allocating. Strings
//! borrow from the input when they can (`Str`). Every field is optional and `null` reads as absent,
//! as Go's decoder does, so a manifest the API server accepts never fails here: defaulting and
//! validation belong to `convert`. `DocumentSeed` reads documents of mixed kinds (Lists included),
//! dispatching on `apiVersion` and `kind` and handing each `Object` to a sink as soon as it is read.
//! This module must not read files, talk to the cluster, or know engine semantics.
//!
//! The shapes shared by every kind live here (metadata, label maps and selectors, `IntOrString`,
//! the unknown-key machinery `Known`/`checked!`); each policy kind's own shape lives in its
//! module (`netpol` for NetworkPolicy), which `Kind`, `Object` and `read_rest` dispatch to.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::ops::Deref;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::held::{self, Held, HoldSeed};
use crate::engine::WorkloadKind;

/// A string borrowed from the input when it has no escapes, owned otherwise. Serde's own `Cow`
/// impl always allocates when nested in `Option` or `Vec`, hence this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(s: &'a str) -> Self {
        Str(Cow::Borrowed(s))
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A label map (`metadata.labels`, `matchLabels`, a Service's `selector`) in input order.
/// `convert` sorts it and drops repeated keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap<'a>(pub Vec<(Str<'a>, Str<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for LabelMap<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelMapVisitor;
        impl<'de> Visitor<'de> for LabelMapVisitor {
            type Value = LabelMap<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label keys to string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LabelMap<'de>, A::Error> {
                // JSON gives no size hint: room for a usual label set at once, instead of growing
                // to 4 pairs, then 8 (a reallocation each).
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
                // `app:` with nothing after it is null, which the API server stores as "".
                while let Some((key, value)) = map.next_entry::<Str<'de>, Option<Str<'de>>>()? {
                    pairs.push((key, value.unwrap_or_default()));
                }
                Ok(LabelMap(pairs))
            }
        }
        deserializer.deserialize_map(LabelMapVisitor)
    }
}

/// The keys of a map that the Kubernetes API does not define at that place: typos such as
/// `matchlabels`, which the API server drops (and `kubectl apply`'s strict field validation
/// rejects). Collected while reading, reported by `convert` with the field's path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unknown<'a>(pub Vec<Str<'a>>);

impl Unknown<'_> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The fields the Kubernetes API defines for one type, as k8s-openapi's types declare them
/// (sorted, for a binary search per key).
pub struct Known {
    fields: Vec<&'static str>,
    /// An open-addressing table of indices into `fields` plus one (0: empty), by `slot`.
    table: Box<[u16]>,
}

impl Known {
    pub(crate) fn of(types: &[&'static [&'static str]]) -> Known {
        let mut fields: Vec<&'static str> = types.iter().flat_map(|t| t.iter().copied()).collect();
        fields.sort_unstable();
        fields.dedup();
        let mut table = vec![0u16; (fields.len() * 4).next_power_of_two().max(8)].into_boxed_slice();
        let mask = table.len() - 1;
        for (i, field) in fields.iter().enumerate() {
            let mut slot = Self::slot(field) & mask;
            while table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            table[slot] = u16::try_from(i + 1).expect("fewer than 65,535 fields");
        }
        Known { fields, table }
    }

    /// A hash of a key: its length and first, middle and last bytes (keys are short and distinct).
    fn slot(key: &str) -> usize {
        let b = key.as_bytes();
        let Some((&first, &last)) = b.first().zip(b.last()) else { return 0 };
        let mixed = (b.len() as u32).wrapping_mul(0x9E37_79B9)
            ^ u32::from(first).wrapping_mul(0x85EB_CA6B)
            ^ u32::from(b[b.len() / 2]).wrapping_mul(0xC2B2_AE35)
            ^ u32::from(last).wrapping_mul(0x27D4_EB2F);
        (mixed ^ (mixed >> 15)) as usize
    }

    /// Whether the API defines `key` here: one probe of the table, almost always.
    pub fn contains(&self, key: &str) -> bool {
        let mask = self.table.len() - 1;
        let mut slot = Self::slot(key) & mask;
        loop {
            match self.table[slot] {
                0 => return false,
                i if self.fields[usize::from(i) - 1] == key => return true,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// The defined field a typo most likely meant: the same word in another case, or a close one.
    pub fn closest(&self, key: &str) -> Option<&'static str> {
        if let Some(same) = self.fields.iter().find(|f| f.eq_ignore_ascii_case(key)) {
            return Some(same);
        }
        self.fields
            .iter()
            .map(|f| (strsim::jaro_winkler(&f.to_ascii_lowercase(), &key.to_ascii_lowercase()), *f))
            .filter(|(score, _)| *score >= 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, f)| f)
    }
}

/// The field names a k8s-openapi type passes to `deserialize_struct`: the API's own list.
pub(crate) fn fields_of<T: de::DeserializeOwned>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Captured(&'static [&'static str]);
    impl fmt::Display for Captured {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("field list captured")
        }
    }
    impl std::error::Error for Captured {}
    impl de::Error for Captured {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Captured(&[])
        }
    }
    struct Capture;
    impl<'de> Deserializer<'de> for Capture {
        type Error = Captured;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
            Err(Captured(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Captured> {
            Err(Captured(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    match T::deserialize(Capture) {
        Err(Captured(fields)) => fields,
        Ok(_) => &[],
    }
}

/// Defines, for each `name: Type, ...;`, a function `name()` returning the fields the
/// k8s-openapi types declare (their union), computed once. For kinds k8s-openapi does not know
/// (custom resources), `name: ["field", ...];` lists them by hand.
macro_rules! known_fields {
    ($($name:ident: $($ty:ty),+;)*) => {$(
        pub fn $name() -> &'static $crate::source::wire::Known {
            static KNOWN: std::sync::OnceLock<$crate::source::wire::Known> = std::sync::OnceLock::new();
            KNOWN.get_or_init(|| $crate::source::wire::Known::of(&[$($crate::source::wire::fields_of::<$ty>()),+]))
        }
    )*};
}
pub(crate) use known_fields;

/// Like `known_fields!`, for a type whose fields are listed by hand (custom resources).
#[allow(unused_macros)]
macro_rules! listed_fields {
    ($($name:ident: [$($field:literal),* $(,)?];)*) => {$(
        pub fn $name() -> &'static $crate::source::wire::Known {
            static KNOWN: std::sync::OnceLock<$crate::source::wire::Known> = std::sync::OnceLock::new();
            KNOWN.get_or_init(|| $crate::source::wire::Known::of(&[&[$($field),*]]))
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use listed_fields;

/// The API's fields for each shared wire type that is checked for unknown keys (each policy
/// kind's module has its own).
pub mod known {
    use k8s_openapi::api::apps::v1 as apps;
    use k8s_openapi::api::batch::v1 as batch;
    use k8s_openapi::api::core::v1 as core;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

    known_fields! {
        object_meta: meta::ObjectMeta;
        label_selector: meta::LabelSelector;
        label_selector_requirement: meta::LabelSelectorRequirement;
        namespace: core::Namespace;
        pod: core::Pod;
        pod_spec: core::PodSpec;
        container: core::Container;
        container_port: core::ContainerPort;
        service: core::Service;
        service_spec: core::ServiceSpec;
        service_port: core::ServicePort;
        workload: apps::Deployment, apps::StatefulSet, apps::DaemonSet, apps::ReplicaSet, batch::Job, batch::CronJob;
        workload_spec: apps::DeploymentSpec, apps::StatefulSetSpec, apps::DaemonSetSpec, apps::ReplicaSetSpec,
            batch::JobSpec, batch::CronJobSpec;
        job_template: batch::JobTemplateSpec;
        pod_template: core::PodTemplateSpec;
    }
}

/// A map whose keys are checked against the API's fields on their way to a derived `Deserialize`;
/// the unknown ones are kept.
pub(crate) struct KeyCheck<'u, 'de, A> {
    pub(crate) map: A,
    pub(crate) known: &'static Known,
    pub(crate) unknown: &'u mut Vec<Str<'de>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for KeyCheck<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<Str<'de>>()? else { return Ok(None) };
        if !self.known.contains(&key) {
            self.unknown.push(key.clone());
        }
        match key.0 {
            Cow::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::<A::Error>::new(key)).map(Some),
            Cow::Owned(key) => seed.deserialize(StringDeserializer::<A::Error>::new(key)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// `Deserialize` for a wire struct derived with `remote = "Self"`: its keys go through `KeyCheck`
/// against the API's fields (`Type => function returning its Known`), and the unknown ones land in
/// its `unknown` field.
macro_rules! checked {
    ($($ty:ident => $known:path),* $(,)?) => {$(
        impl<'de: 'a, 'a> serde::Deserialize<'de> for $ty<'a> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct CheckedVisitor;
                impl<'de> serde::de::Visitor<'de> for CheckedVisitor {
                    type Value = $ty<'de>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a map (", stringify!($ty), ")"))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$ty<'de>, A::Error> {
                        let mut unknown = Vec::new();
                        let check = $crate::source::wire::KeyCheck { map, known: $known(), unknown: &mut unknown };
                        let mut value = $ty::deserialize(serde::de::value::MapAccessDeserializer::new(check))?;
                        value.unknown = $crate::source::wire::Unknown(unknown);
                        Ok(value)
                    }
                }
                deserializer.deserialize_map(CheckedVisitor)
            }
        }
    )*};
}
pub(crate) use checked;

checked! {
    ObjectMeta => known::object_meta,
    LabelSelector => known::label_selector,
    LabelSelectorRequirement => known::label_selector_requirement,
    Namespace => known::namespace,
    Pod => known::pod,
    PodSpec => known::pod_spec,
    Container => known::container,
    ContainerPort => known::container_port,
    Service => known::service,
    ServiceSpec => known::service_spec,
    ServicePort => known::service_port,
    Workload => known::workload,
    WorkloadSpec => known::workload_spec,
    JobTemplate => known::job_template,
    PodTemplate => known::pod_template,
}

/// Kubernetes' `IntOrString`: a port number or a port name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString<'a> {
    Int(i64),
    String(Str<'a>),
}

impl<'de: 'a, 'a> Deserialize<'de> for IntOrString<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntOrStringVisitor;
        impl<'de> Visitor<'de> for IntOrStringVisitor {
            type Value = IntOrString<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a port number or name")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString<'de>, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString<'de>, E> {
                i64::try_from(v).map(IntOrString::Int).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<IntOrString<'de>, E> {
                Ok(IntOrString::String(Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString<'de>, E> {
                Ok(IntOrString::String(Str(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<IntOrString<'de>, E> {
                Ok(IntOrString::String(Str(Cow::Owned(v))))
            }
        }
        deserializer.deserialize_any(IntOrStringVisitor)
    }
}

/// An optional integer field (`containerPort`, `port`, `endPort`), read as `i64` so that a number
/// out of range reaches validation, which names the field and the allowed range.
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct IntegerVisitor;
    impl<'de> Visitor<'de> for IntegerVisitor {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<i64>, D::Error> {
            deserializer.deserialize_i64(self)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<i64>, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<i64>, E> {
            i64::try_from(v).map(Some).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }
    }
    deserializer.deserialize_option(IntegerVisitor)
}

/// An optional boolean field (`hostNetwork`): a boolean only, as Go's decoder wants it. In YAML
/// an unquoted `yes` or `on` is one (YAML 1.1, as kubectl reads it); a quoted `"true"` is a string,
/// which the API server rejects.
fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    struct BooleanVisitor;
    impl<'de> Visitor<'de> for BooleanVisitor {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<bool>, D::Error> {
            deserializer.deserialize_any(self)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<bool>, E> {
            Ok(Some(v))
        }
    }
    deserializer.deserialize_option(BooleanVisitor)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ObjectMeta<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub namespace: Option<Str<'a>>,
    #[serde(borrow)]
    pub labels: Option<LabelMap<'a>>,
    #[serde(borrow)]
    pub owner_references: Option<Vec<OwnerReference<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OwnerReference<'a> {
    #[serde(borrow, default)]
    pub kind: Str<'a>,
    #[serde(borrow, default)]
    pub name: Str<'a>,
    pub controller: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct LabelSelector<'a> {
    #[serde(borrow)]
    pub match_labels: Option<LabelMap<'a>>,
    #[serde(borrow)]
    pub match_expressions: Option<Vec<LabelSelectorRequirement<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct LabelSelectorRequirement<'a> {
    #[serde(borrow, default)]
    pub key: Str<'a>,
    #[serde(borrow, default)]
    pub operator: Str<'a>,
    #[serde(borrow)]
    pub values: Option<Vec<Str<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct Namespace<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct Pod<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<PodSpec<'a>>,
    #[serde(borrow)]
    pub status: Option<PodStatus<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(borrow)]
    pub containers: Option<Vec<Container<'a>>>,
    /// Only init containers with `restartPolicy: Always` (sidecars) keep running and serve ports.
    #[serde(borrow)]
    pub init_containers: Option<Vec<Container<'a>>>,
    #[serde(default, deserialize_with = "boolean")]
    pub host_network: Option<bool>,
    #[serde(borrow)]
    pub node_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub service_account_name: Option<Str<'a>>,
    /// Deprecated alias of `serviceAccountName`, still accepted by the API server.
    #[serde(borrow)]
    pub service_account: Option<Str<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Container<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub image: Option<Str<'a>>,
    #[serde(borrow)]
    pub command: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub args: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub ports: Option<Vec<ContainerPort<'a>>>,
    #[serde(borrow)]
    pub restart_policy: Option<Str<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ContainerPort<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub container_port: Option<i64>,
    #[serde(borrow)]
    pub protocol: Option<Str<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PodStatus<'a> {
    #[serde(borrow)]
    pub phase: Option<Str<'a>>,
    #[serde(borrow, rename = "podIP")]
    pub pod_ip: Option<Str<'a>>,
    #[serde(borrow, rename = "podIPs")]
    pub pod_ips: Option<Vec<PodIp<'a>>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PodIp<'a> {
    #[serde(borrow, default)]
    pub ip: Str<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct Service<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<ServiceSpec<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct ServiceSpec<'a> {
    #[serde(borrow)]
    pub selector: Option<LabelMap<'a>>,
    #[serde(borrow)]
    pub ports: Option<Vec<ServicePort<'a>>>,
    #[serde(borrow, rename = "clusterIP")]
    pub cluster_ip: Option<Str<'a>>,
    #[serde(borrow, rename = "clusterIPs")]
    pub cluster_ips: Option<Vec<Str<'a>>>,
    #[serde(borrow, rename = "type")]
    pub type_: Option<Str<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ServicePort<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(default, deserialize_with = "integer")]
    pub port: Option<i64>,
    #[serde(borrow)]
    pub target_port: Option<IntOrString<'a>>,
    #[serde(borrow)]
    pub protocol: Option<Str<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// discovery.k8s.io/v1 EndpointSlice. Its Service is named by the
/// `kubernetes.io/service-name` label.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSlice<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub address_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub endpoints: Option<Vec<Endpoint<'a>>>,
    #[serde(borrow)]
    pub ports: Option<Vec<EndpointPort<'a>>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint<'a> {
    #[serde(borrow)]
    pub addresses: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub target_ref: Option<ObjectReference<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ObjectReference<'a> {
    #[serde(borrow)]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub namespace: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EndpointPort<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    /// Absent means "all ports", which kubectl-deny cannot name; such entries are skipped.
    #[serde(default, deserialize_with = "integer")]
    pub port: Option<i64>,
    #[serde(borrow)]
    pub protocol: Option<Str<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Node<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub status: Option<NodeStatus<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NodeStatus<'a> {
    #[serde(borrow)]
    pub addresses: Option<Vec<NodeAddress<'a>>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NodeAddress<'a> {
    #[serde(borrow, default, rename = "type")]
    pub type_: Str<'a>,
    #[serde(borrow, default)]
    pub address: Str<'a>,
}

/// networking.k8s.io/v1 IngressClass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct IngressClass<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<IngressClassSpec<'a>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct IngressClassSpec<'a> {
    #[serde(borrow)]
    pub controller: Option<Str<'a>>,
}

/// Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob share this shape: a selector
/// and a pod template, or for a CronJob both inside `jobTemplate.spec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct Workload<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<WorkloadSpec<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct WorkloadSpec<'a> {
    #[serde(borrow)]
    pub selector: Option<LabelSelector<'a>>,
    #[serde(borrow)]
    pub template: Option<PodTemplate<'a>>,
    /// CronJob only.
    #[serde(borrow)]
    pub job_template: Option<Box<JobTemplate<'a>>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct JobTemplate<'a> {
    #[serde(borrow)]
    pub spec: Option<WorkloadSpec<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
pub struct PodTemplate<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
    #[serde(borrow)]
    pub spec: Option<PodSpec<'a>>,
    /// Keys the Kubernetes API does not define here (typos), for warnings.
    #[serde(skip)]
    pub unknown: Unknown<'a>,
}

/// A list response of one kind (`PodList`, as the API server returns it), with the continue token
/// for paginated requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>, 'de: 'a"))]
pub struct ObjectList<'a, T> {
    #[serde(borrow)]
    pub metadata: Option<ListMeta<'a>>,
    pub items: Option<Vec<T>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ListMeta<'a> {
    #[serde(borrow, rename = "continue")]
    pub continue_: Option<Str<'a>>,
}

/// The kinds kubectl-deny reads, told apart by `kind` and the group of `apiVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Namespace,
    Pod,
    NetworkPolicy,
    Service,
    EndpointSlice,
    Node,
    IngressClass,
    Workload(WorkloadKind),
    /// A policy of another engine (Cilium, AdminNetworkPolicy, Antrea), named by its kind:
    /// not evaluated, but its presence changes real verdicts.
    ForeignPolicy(&'static str),
    /// Calico's policies and tiers (`projectcalico.org/v3`, `crd.projectcalico.org/v1`).
    Calico(super::calico::WireKind),
    /// A CiliumNetworkPolicy (`clusterwide: false`) or CiliumClusterwideNetworkPolicy.
    CiliumPolicy {
        clusterwide: bool,
    },
    /// A CiliumCIDRGroup, which Cilium policies name in `cidrGroupRef`.
    CiliumCidrGroup,
    /// AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy in a version read.
    ClusterPolicy(crate::engine::tiers::ClusterKind, super::tiers::Schema),
    /// `kind: List`, or `PodList` and the like, holding `items`.
    List,
    /// Anything else: ConfigMaps, Ingresses, custom resources. Skipped.
    Other,
}

impl Kind {
    /// Classifies an object. A missing `apiVersion` is taken to mean the Kubernetes group, so
    /// hand-written manifests need not spell it; a known kind in another group (Calico's
    /// `crd.projectcalico.org` NetworkPolicy, Knative's Service) is `Other`.
    pub fn classify(api_version: Option<&str>, kind: &str) -> Kind {
        let group = api_version.map(|v| v.rsplit_once('/').map_or("", |(group, _version)| group));
        let in_group = |groups: &[&str]| group.is_none_or(|g| groups.contains(&g));
        match kind {
            "Namespace" if in_group(&[""]) => Kind::Namespace,
            "Pod" if in_group(&[""]) => Kind::Pod,
            "Service" if in_group(&[""]) => Kind::Service,
            "Node" if in_group(&[""]) => Kind::Node,
            "NetworkPolicy" if in_group(&["networking.k8s.io", "extensions"]) => Kind::NetworkPolicy,
            "EndpointSlice" if in_group(&["discovery.k8s.io"]) => Kind::EndpointSlice,
            "IngressClass" if in_group(&["networking.k8s.io"]) => Kind::IngressClass,
            "Deployment" if in_group(&["apps", "extensions"]) => Kind::Workload(WorkloadKind::Deployment),
            "DaemonSet" if in_group(&["apps", "extensions"]) => Kind::Workload(WorkloadKind::DaemonSet),
            "ReplicaSet" if in_group(&["apps", "extensions"]) => Kind::Workload(WorkloadKind::ReplicaSet),
            "StatefulSet" if in_group(&["apps"]) => Kind::Workload(WorkloadKind::StatefulSet),
            "Job" if in_group(&["batch"]) => Kind::Workload(WorkloadKind::Job),
            "CronJob" if in_group(&["batch"]) => Kind::Workload(WorkloadKind::CronJob),
            "CiliumNetworkPolicy" if group == Some("cilium.io") => Kind::CiliumPolicy { clusterwide: false },
            "CiliumClusterwideNetworkPolicy" if group == Some("cilium.io") => Kind::CiliumPolicy { clusterwide: true },
            "CiliumCIDRGroup" if group == Some("cilium.io") => Kind::CiliumCidrGroup,
            _ if kind.ends_with("List") => Kind::List,
            _ if let Some(calico) = group.and_then(|g| super::calico::WireKind::classify(g, kind)) => {
                Kind::Calico(calico)
            }
            _ => match super::tiers::classify(api_version, kind) {
                Some((kind, schema)) => Kind::ClusterPolicy(kind, schema),
                None => match foreign_policy(group, kind) {
                    Some(name) => Kind::ForeignPolicy(name),
                    None => Kind::Other,
                },
            },
        }
    }
}

/// One object of a kind kubectl-deny reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object<'a> {
    Namespace(Namespace<'a>),
    Pod(Pod<'a>),
    NetworkPolicy(super::netpol::NetworkPolicy<'a>),
    Service(Service<'a>),
    EndpointSlice(EndpointSlice<'a>),
    Node(Node<'a>),
    IngressClass(IngressClass<'a>),
    Workload(WorkloadKind, Workload<'a>),
    ForeignPolicy(&'static str, ForeignPolicy<'a>),
    Calico(super::calico::WireKind, super::calico::CalicoObject<'a>),
    CiliumPolicy {
        clusterwide: bool,
        policy: super::cilium::CiliumNetworkPolicy<'a>,
    },
    CiliumCidrGroup(super::cilium::CiliumCidrGroup<'a>),
    ClusterPolicy(crate::engine::tiers::ClusterKind, super::tiers::Schema, super::tiers::ClusterPolicyObject<'a>),
    /// An object of a kind kubectl-deny does not read, by its kind: only counted.
    Other(Str<'a>),
}

impl Object<'_> {
    /// An address in the text the object was read from (its name's, or its kind's), when the
    /// parser borrowed that string rather than copying it: how far the reader has come.
    pub fn address(&self) -> Option<usize> {
        let metadata = match self {
            Object::Namespace(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::NetworkPolicy(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::EndpointSlice(o) => &o.metadata,
            Object::Node(o) => &o.metadata,
            Object::IngressClass(o) => &o.metadata,
            Object::Workload(_, o) => &o.metadata,
            Object::ForeignPolicy(_, o) => &o.metadata,
            Object::Calico(_, o) => &o.metadata,
            Object::CiliumPolicy { policy, .. } => &policy.metadata,
            Object::CiliumCidrGroup(o) => &o.metadata,
            Object::ClusterPolicy(_, _, o) => &o.metadata,
            Object::Other(kind) => return super::convert::address(kind),
        };
        metadata.as_ref()?.name.as_ref().and_then(super::convert::address)
    }
}

/// A policy object of another engine: only its name is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ForeignPolicy<'a> {
    #[serde(borrow)]
    pub metadata: Option<ObjectMeta<'a>>,
}

/// Policy kinds of other engines, by API group, as their kind name (`None`: not one).
fn foreign_policy(group: Option<&str>, kind: &str) -> Option<&'static str> {
    const KINDS: &[(&[&str], &str)] = &[
        (&["cilium.io"], "CiliumNetworkPolicy"),
        (&["cilium.io"], "CiliumClusterwideNetworkPolicy"),
        (&["crd.projectcalico.org", "projectcalico.org"], "StagedKubernetesNetworkPolicy"),
        (&["policy.networking.k8s.io"], "AdminNetworkPolicy"),
        (&["policy.networking.k8s.io"], "BaselineAdminNetworkPolicy"),
        (&["policy.networking.k8s.io"], "ClusterNetworkPolicy"),
        (&["crd.antrea.io"], "ClusterNetworkPolicy"),
        (&["crd.antrea.io"], "NetworkPolicy"),
    ];
    let group = group?;
    KINDS.iter().find(|(groups, k)| *k == kind && groups.contains(&group)).map(|(groups, k)| match (groups[0], *k) {
        ("crd.antrea.io", "NetworkPolicy") => "Antrea NetworkPolicy",
        ("crd.antrea.io", "ClusterNetworkPolicy") => "Antrea ClusterNetworkPolicy",
        _ => *k,
    })
}

/// Returned by a sink to stop the read; the sink keeps the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// Receives each object as soon as it is read, with its indices in the enclosing Lists (outermost
/// first), so that a List of 100,000 pods is never held in memory as a whole.
pub type Sink<'s, 'de> = dyn FnMut(Object<'de>, &[usize]) -> Result<(), Stopped> + 's;

const MISSING_KIND: &str = "missing `kind`: every manifest needs `apiVersion` and `kind` \
                            (for example `apiVersion: v1` and `kind: Pod`)";

/// The message of the error that ends a read which needs the document's `Probe` (the flag is
/// set too); never shown to a user.
pub const NEEDS_PROBE: &str = "the document needs a probe";

/// What a document turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `null`, or a document with nothing but comments.
    Empty,
    /// A Kubernetes object, or a List of them.
    Object,
    /// Not a Kubernetes object: skipped, with a note.
    NotObject(NotObject),
}

/// Why a document is not a Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotObject {
    /// A list (a JSON array, a YAML sequence).
    Sequence,
    /// A single value.
    Scalar,
    /// A map without `kind` (Helm values, a `Chart.yaml`, a tool's configuration).
    NoKind,
}

/// Reads one document (an object, a List of them, Lists nested, or null) and hands each object of a
/// kind kubectl-deny reads to a sink (other kinds as `Object::Other`, for counting). `items` are
/// read as List items as they come, even before the List's kind (`kubectl get -o json|yaml` sorts
/// keys, so `items` precedes `kind`).
///
/// An object with `items` is a List whatever its kind, and an object's last `kind` and
/// `apiVersion` are the ones that count, as for kubectl (its decoder, apimachinery's unstructured
/// scheme, takes any object with `items` for a list, and Go's JSON decoder keeps the last of
/// repeated keys); the same wherever the keys stand.
///
/// An object is read typed once its `apiVersion` and `kind` are known. Fields that come before
/// them are the hard case: JSON holds them back as raw text (`json`); other formats need the
/// document's `Probe` (`probed`), or can try without one and learn whether they need it
/// (`in_order`). JSON needs a probe too in rare cases (items of a typed List read before the
/// List's `apiVersion`, a `kind` repeated with another value, `items` after the `kind` of a kind
/// that is not a List).
pub struct DocumentSeed<'p, 's, 'de> {
    probe: Option<&'p Probe>,
    reader: Reader<'s, 'de>,
}

impl<'p, 's, 'de> DocumentSeed<'p, 's, 'de> {
    /// JSON, in one pass unless `needs_probe` gets set.
    pub fn json(needs_probe: &'s Cell<bool>, sink: &'s mut Sink<'s, 'de>) -> Self {
        DocumentSeed { probe: None, reader: Reader::new(sink, Early::HoldAsJson, Some(needs_probe)) }
    }

    /// Any format, with the probe of this document.
    pub fn probed(probe: &'p Probe, sink: &'s mut Sink<'s, 'de>) -> Self {
        DocumentSeed { probe: Some(probe), reader: Reader::new(sink, Early::HoldAsJson, None) }
    }

    /// Any format, in one pass, as long as the fields an object has before its `apiVersion` and
    /// `kind` can be held (see `held`: kubectl's EndpointSlices start with `addressType` and
    /// `endpoints`). Otherwise the read fails and `needs_probe` is set: read the document again
    /// with its probe. The objects read before the
    /// failure have been handed to the sink already and will be handed again.
    pub fn in_order(needs_probe: &'s Cell<bool>, sink: &'s mut Sink<'s, 'de>) -> Self {
        DocumentSeed { probe: None, reader: Reader::new(sink, Early::Hold, Some(needs_probe)) }
    }
}

/// What to do with a field that comes before the object's `apiVersion` and `kind`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Early {
    /// Keep it as raw JSON text and read it once the kind is known: JSON only.
    HoldAsJson,
    /// Hold it as a `Held` tree when it reads the same from one (see `held`); otherwise give up
    /// and ask for a probe.
    Hold,
}

/// A field read before its object's kind, replayed once the kind is known.
enum Deferred<'de> {
    Json(&'de RawValue),
    Held(Held<'de>),
}

struct Reader<'s, 'de> {
    sink: &'s mut Sink<'s, 'de>,
    items: Vec<usize>,
    early: Early,
    /// `None` when reading with a probe, which knows every kind.
    needs_probe: Option<&'s Cell<bool>>,
}

impl<'s, 'de> Reader<'s, 'de> {
    fn new(sink: &'s mut Sink<'s, 'de>, early: Early, needs_probe: Option<&'s Cell<bool>>) -> Self {
        Reader { sink, items: Vec::new(), early, needs_probe }
    }

    fn emit<E: de::Error>(&mut self, object: Object<'de>) -> Result<(), E> {
        (self.sink)(object, &self.items).map_err(|Stopped| E::custom("stopped by the caller"))
    }

    /// Ends the read, asking for the document's probe.
    fn probe_needed<E: de::Error>(&self) -> E {
        match self.needs_probe {
            Some(flag) => {
                flag.set(true);
                E::custom(NEEDS_PROBE)
            }
            None => E::custom(MISSING_KIND),
        }
    }
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_, 'de> {
    type Value = Shape;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_, 'de> {
    type Value = Shape;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object (a mapping with apiVersion and kind)")
    }
    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Empty)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Empty)
    }
    fn visit_some<D: Deserializer<'de>>(mut self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(TopSeed { reader: &mut self.reader, probe: self.probe })
    }
}

/// A document's value: an object, or something else to skip.
struct TopSeed<'a, 's, 'de> {
    reader: &'a mut Reader<'s, 'de>,
    probe: Option<&'a Probe>,
}

impl<'de> Visitor<'de> for TopSeed<'_, '_, 'de> {
    type Value = Shape;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object (a mapping with apiVersion and kind)")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Shape, A::Error> {
        read_object(self.reader, self.probe, ItemKind::Missing, true, map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::NotObject(NotObject::Sequence))
    }
    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Empty)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Empty)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::NotObject(NotObject::Scalar))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::NotObject(NotObject::Scalar))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::NotObject(NotObject::Scalar))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::NotObject(NotObject::Scalar))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::NotObject(NotObject::Scalar))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Shape, E> {
        Ok(Shape::NotObject(NotObject::Scalar))
    }
}

/// The kind of a List's items when they do not name their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    Known(Kind),
    /// A plain `List`: each item must name its kind.
    Missing,
    /// The List's own `kind` or `apiVersion` comes after its items: a probe will tell.
    Pending,
}

/// The kind of the items of a list that do not name theirs: `PodList` holds Pods, as the API
/// server leaves the kind out of each item; for any other kind holding `items`, that kind, as
/// kubectl sets it (`strings.TrimSuffix(kind, "List")`); none for a plain `List`.
fn list_item_kind(api_version: Option<&str>, list_kind: Option<&str>) -> ItemKind {
    match list_kind {
        None => ItemKind::Missing,
        Some(kind) => match kind.strip_suffix("List") {
            Some("") => ItemKind::Missing,
            Some(item) => ItemKind::Known(Kind::classify(api_version, item)),
            None => ItemKind::Known(Kind::classify(api_version, kind)),
        },
    }
}

/// Reads one object, or a List's items; `top` for a document's own value, where a map without a
/// kind is not an object at all.
fn read_object<'de, A: MapAccess<'de>>(
    reader: &mut Reader<'_, 'de>,
    probe: Option<&Probe>,
    item_kind: ItemKind,
    top: bool,
    mut map: A,
) -> Result<Shape, A::Error> {
    if let Some(probe) = probe {
        if let Some(probes) = &probe.items {
            let items = list_item_kind(probe.api_version.as_deref(), probe.kind.as_deref());
            read_list(reader, Some(probes), items, None, map)?;
            return Ok(Shape::Object);
        }
        let (kind, kind_text) = match (&probe.kind, item_kind) {
            (Some(text), _) => (Kind::classify(probe.api_version.as_deref(), text), Str(Cow::Owned(text.clone()))),
            (None, ItemKind::Known(kind)) => (kind, Str::default()),
            (None, _) if top => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Shape::NotObject(NotObject::NoKind));
            }
            (None, _) => return Err(de::Error::custom(MISSING_KIND)),
        };
        read_rest(reader, kind, kind_text, Vec::new(), None, map)?;
        return Ok(Shape::Object);
    }

    let mut api_version: Option<Str<'de>> = None;
    let mut kind: Option<Str<'de>> = None;
    let mut deferred: Vec<(Str<'de>, Deferred<'de>)> = Vec::new();
    let mut items_read = false;
    while kind.is_none() || api_version.is_none() {
        let Some(key) = map.next_key::<Str<'de>>()? else { break };
        match key.as_str() {
            "kind" => kind = map.next_value()?,
            "apiVersion" => api_version = map.next_value()?,
            "items" => {
                // Items without their own kind take the List's, which needs its apiVersion too.
                let items = match (&kind, &api_version) {
                    (Some(kind), Some(version)) => list_item_kind(Some(version), Some(kind)),
                    _ => ItemKind::Pending,
                };
                let seed = ItemsSeed { reader: &mut *reader, probes: None, item_kind: items };
                items_read |= map.next_value_seed(seed)?;
            }
            _ => match reader.early {
                Early::HoldAsJson => deferred.push((key, Deferred::Json(map.next_value()?))),
                Early::Hold => match map.next_value_seed(HoldSeed) {
                    Ok(held) => deferred.push((key, Deferred::Held(held))),
                    Err(e) if e.to_string().contains(held::REFUSED) => return Err(reader.probe_needed()),
                    Err(e) => return Err(e),
                },
            },
        }
    }
    if items_read {
        // A List, whatever its kind says: nothing else of it is read.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        return Ok(Shape::Object);
    }
    let watch = Watch { api_version: api_version.clone(), kind: kind.clone() };
    let (object_kind, kind_text) = match kind {
        Some(text) => (Kind::classify(api_version.as_deref(), &text), text),
        None => match item_kind {
            ItemKind::Known(kind) => (kind, Str::default()),
            ItemKind::Pending => return Err(reader.probe_needed()),
            // Without a kind the loop read the whole map.
            ItemKind::Missing if top => return Ok(Shape::NotObject(NotObject::NoKind)),
            ItemKind::Missing => return Err(de::Error::custom(MISSING_KIND)),
        },
    };
    read_rest(reader, object_kind, kind_text, deferred, Some(watch), map)?;
    Ok(Shape::Object)
}

/// The `apiVersion` and `kind` an object was read as: a later key that says otherwise means the
/// object must be read again with its probe, which keeps the last of each.
#[derive(Clone)]
struct Watch<'de> {
    api_version: Option<Str<'de>>,
    kind: Option<Str<'de>>,
}

impl Watch<'_> {
    fn differs(&self, key: &str, value: Option<&str>) -> bool {
        let seen = if key == "kind" { &self.kind } else { &self.api_version };
        seen.as_deref() != value
    }
}

/// Reads the rest of an object of a known kind. `deferred` holds the fields already taken out of
/// `map` as raw JSON; `watch` (none with a probe) what the object was read as.
fn read_rest<'de, A: MapAccess<'de>>(
    reader: &mut Reader<'_, 'de>,
    kind: Kind,
    kind_text: Str<'de>,
    deferred: Vec<(Str<'de>, Deferred<'de>)>,
    watch: Option<Watch<'de>>,
    map: A,
) -> Result<(), A::Error> {
    fn typed<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
        reader: &Reader<'_, 'de>,
        deferred: Vec<(Str<'de>, Deferred<'de>)>,
        watch: Option<Watch<'de>>,
        map: A,
    ) -> Result<T, A::Error> {
        let replay = Replay {
            deferred: deferred.into_iter(),
            pending: None,
            checking: None,
            watch,
            needs_probe: reader.needs_probe,
            map,
        };
        T::deserialize(MapAccessDeserializer::new(replay))
    }
    let object = match kind {
        Kind::Namespace => Object::Namespace(typed(reader, deferred, watch, map)?),
        Kind::Pod => Object::Pod(typed(reader, deferred, watch, map)?),
        Kind::NetworkPolicy => Object::NetworkPolicy(typed(reader, deferred, watch, map)?),
        Kind::Service => Object::Service(typed(reader, deferred, watch, map)?),
        Kind::EndpointSlice => Object::EndpointSlice(typed(reader, deferred, watch, map)?),
        Kind::Node => Object::Node(typed(reader, deferred, watch, map)?),
        Kind::IngressClass => Object::IngressClass(typed(reader, deferred, watch, map)?),
        Kind::Workload(kind) => Object::Workload(kind, typed(reader, deferred, watch, map)?),
        Kind::ForeignPolicy(name) => Object::ForeignPolicy(name, typed(reader, deferred, watch, map)?),
        Kind::Calico(kind) => Object::Calico(kind, typed(reader, deferred, watch, map)?),
        Kind::CiliumPolicy { clusterwide } => {
            Object::CiliumPolicy { clusterwide, policy: typed(reader, deferred, watch, map)? }
        }
        Kind::CiliumCidrGroup => Object::CiliumCidrGroup(typed(reader, deferred, watch, map)?),
        Kind::ClusterPolicy(kind, schema) => Object::ClusterPolicy(kind, schema, typed(reader, deferred, watch, map)?),
        Kind::List | Kind::Other => {
            let items = list_item_kind(
                watch.as_ref().and_then(|w| w.api_version.as_deref()),
                Some(&kind_text).filter(|k| !k.is_empty()).map(|k| k.as_str()),
            );
            let read = read_list(reader, None, items, watch, map)?;
            if !read && kind == Kind::Other {
                reader.emit(Object::Other(kind_text))?;
            }
            return Ok(());
        }
    };
    reader.emit(object)
}

/// The rest of a List (or of an object of a kind kubectl-deny skips, which is a List when it has
/// `items`): its items, read as they come. Whether there were any.
fn read_list<'de, A: MapAccess<'de>>(
    reader: &mut Reader<'_, 'de>,
    probes: Option<&[Probe]>,
    item_kind: ItemKind,
    watch: Option<Watch<'de>>,
    mut map: A,
) -> Result<bool, A::Error> {
    let mut read = false;
    while let Some(key) = map.next_key::<Str<'de>>()? {
        match key.as_str() {
            "items" if !read => {
                read = map.next_value_seed(ItemsSeed { reader: &mut *reader, probes, item_kind })?;
            }
            "kind" | "apiVersion" if watch.is_some() => {
                let value: Option<Str<'de>> = map.next_value()?;
                if watch.as_ref().is_some_and(|w| w.differs(&key, value.as_deref())) {
                    return Err(reader.probe_needed());
                }
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(read)
}

/// A List's `items`, each read with its probe when there is one. `true` when there was a list,
/// `false` for `null`.
struct ItemsSeed<'a, 's, 'de> {
    reader: &'a mut Reader<'s, 'de>,
    probes: Option<&'a [Probe]>,
    item_kind: ItemKind,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of Kubernetes objects")
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let ItemsSeed { reader, probes, item_kind } = self;
        for index in 0.. {
            reader.items.push(index);
            let probe = probes.and_then(|probes| probes.get(index));
            let item = seq.next_element_seed(ObjectSeed { reader: &mut *reader, probe, item_kind })?;
            reader.items.pop();
            if item.is_none() {
                break;
            }
        }
        Ok(true)
    }
}

/// Reads one List item.
struct ObjectSeed<'a, 's, 'de> {
    reader: &'a mut Reader<'s, 'de>,
    probe: Option<&'a Probe>,
    item_kind: ItemKind,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object (a mapping with apiVersion and kind)")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        read_object(self.reader, self.probe, self.item_kind, false, map).map(drop)
    }
}

/// The kinds in a document, found by a cheap first pass, so that a second pass can read each
/// object typed whatever the order of its keys: the last `apiVersion` and `kind` of each object,
/// and its `items` when it has any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    api_version: Option<String>,
    kind: Option<String>,
    items: Option<Vec<Probe>>,
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProbeVisitor)
    }
}

/// Accepts any value: a non-mapping probes as "no kind", and the second pass reports it.
struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Probe;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
        let mut probe = Probe::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match key.as_str() {
                "apiVersion" => probe.api_version = map.next_value::<Option<ProbeText>>()?.and_then(|t| t.0),
                "kind" => probe.kind = map.next_value::<Option<ProbeText>>()?.and_then(|t| t.0),
                "items" => probe.items = map.next_value::<ProbeItems>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(probe)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Probe, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Probe::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Probe, E> {
        Ok(Probe::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Probe, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// `kind` or `apiVersion` as the probe sees it: text, nothing for `null`, an error for any other
/// value (as kubectl's decoder and the one-pass reader refuse it).
struct ProbeText(Option<String>);

impl<'de> Deserialize<'de> for ProbeText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Probe::deserialize_text(deserializer).map(ProbeText)
    }
}

impl Probe {
    fn deserialize_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
                Ok(Some(v.to_string()))
            }
            // kubectl's decoder refuses a kind or apiVersion that is not a string; so does the
            // one-pass reader, and the probe must agree rather than take the document for one
            // without a kind.
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<String>, E> {
                Err(E::invalid_type(de::Unexpected::Bool(v), &"a string"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<String>, E> {
                Err(E::invalid_type(de::Unexpected::Signed(v), &"a string"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<String>, E> {
                Err(E::invalid_type(de::Unexpected::Unsigned(v), &"a string"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<String>, E> {
                Err(E::invalid_type(de::Unexpected::Float(v), &"a string"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Option<String>, A::Error> {
                Err(de::Error::invalid_type(de::Unexpected::Seq, &"a string"))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Option<String>, A::Error> {
                Err(de::Error::invalid_type(de::Unexpected::Map, &"a string"))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// `items` of a probed object: the items' probes for a list, none for `null`, an empty list for
/// anything else (the second pass reports it).
struct ProbeItems(Option<Vec<Probe>>);

impl<'de> Deserialize<'de> for ProbeItems {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ProbeItemsVisitor;
        impl<'de> Visitor<'de> for ProbeItemsVisitor {
            type Value = ProbeItems;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ProbeItems, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element::<Probe>()? {
                    items.push(item);
                }
                Ok(ProbeItems(Some(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ProbeItems, A::Error> {
                ProbeVisitor.visit_map(map).map(|_| ProbeItems(Some(Vec::new())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ProbeItems, E> {
                Ok(ProbeItems(Some(Vec::new())))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ProbeItems, E> {
                Ok(ProbeItems(Some(Vec::new())))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ProbeItems, E> {
                Ok(ProbeItems(Some(Vec::new())))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ProbeItems, E> {
                Ok(ProbeItems(Some(Vec::new())))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ProbeItems, E> {
                Ok(ProbeItems(Some(Vec::new())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ProbeItems, E> {
                Ok(ProbeItems(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<ProbeItems, E> {
                Ok(ProbeItems(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<ProbeItems, D::Error> {
                deserializer.deserialize_any(self)
            }
        }
        deserializer.deserialize_any(ProbeItemsVisitor)
    }
}

/// A map that first replays fields held back as raw JSON, then goes on with the live map, so a
/// derived `Deserialize` sees every field whatever order they came in. With a `watch`, a later
/// `kind` or `apiVersion` that says otherwise, or `items`, ends the read for a probe.
struct Replay<'s, 'de, A> {
    deferred: std::vec::IntoIter<(Str<'de>, Deferred<'de>)>,
    pending: Option<(Str<'de>, Deferred<'de>)>,
    /// The live key whose value must be compared with `watch`.
    checking: Option<Str<'de>>,
    watch: Option<Watch<'de>>,
    needs_probe: Option<&'s Cell<bool>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> Replay<'_, 'de, A> {
    fn probe_needed(&self) -> A::Error {
        match self.needs_probe {
            Some(flag) => {
                flag.set(true);
                de::Error::custom(NEEDS_PROBE)
            }
            None => de::Error::custom(MISSING_KIND),
        }
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let key = match self.deferred.next() {
            Some((key, value)) => {
                self.pending = Some((key.clone(), value));
                key
            }
            None => {
                let Some(key) = self.map.next_key::<Str<'de>>()? else { return Ok(None) };
                if self.watch.is_some() {
                    match key.as_str() {
                        "items" => return Err(self.probe_needed()),
                        "kind" | "apiVersion" => self.checking = Some(key.clone()),
                        _ => {}
                    }
                }
                key
            }
        };
        match key.0 {
            Cow::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::<A::Error>::new(key)).map(Some),
            Cow::Owned(key) => seed.deserialize(StringDeserializer::<A::Error>::new(key)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if let Some(key) = self.checking.take() {
            let value: Option<Str<'de>> = self.map.next_value()?;
            if self.watch.as_ref().is_some_and(|w| w.differs(&key, value.as_deref())) {
                return Err(self.probe_needed());
            }
            return match value.map(|v| v.0) {
                None => seed.deserialize(().into_deserializer()),
                Some(Cow::Borrowed(v)) => seed.deserialize(BorrowedStrDeserializer::<A::Error>::new(v)),
                Some(Cow::Owned(v)) => seed.deserialize(StringDeserializer::<A::Error>::new(v)),
            };
        }
        match self.pending.take() {
            Some((_, Deferred::Held(held))) => {
                // A held value the target does not take as it is: the probe reads the document
                // again, with the error reading it in place gives.
                seed.deserialize(held).map_err(|_| self.probe_needed())
            }
            Some((key, Deferred::Json(raw))) => {
                // The replayed value is outside the caller's view of the document, so its error
                // carries the path within it.
                let mut deserializer = serde_json::Deserializer::from_str(raw.get());
                let mut track = serde_path_to_error::Track::new();
                let tracked = serde_path_to_error::Deserializer::new(&mut deserializer, &mut track);
                seed.deserialize(tracked).map_err(|e| {
                    let path = track.path().to_string();
                    let field = if path == "." { key.to_string() } else { format!("{key}.{path}") };
                    de::Error::custom(format!("{field}: {}", without_position(&e)))
                })
            }
            None => self.map.next_value_seed(seed),
        }
    }
}

/// serde_json's message without its ` at line L column C` suffix.
pub(crate) fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&suffix) {
        Some(bare) => bare.to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Read<'a> = Vec<(Object<'a>, Vec<usize>)>;

    fn read_json(text: &str) -> Result<Read<'_>, serde_json::Error> {
        let mut read = Vec::new();
        let mut sink = |object, items: &[usize]| {
            read.push((object, items.to_vec()));
            Ok(())
        };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let needs_probe = Cell::new(false);
        DocumentSeed::json(&needs_probe, &mut sink).deserialize(&mut deserializer)?;
        Ok(read)
    }

    fn json(text: &str) -> Read<'_> {
        read_json(text).unwrap()
    }

    fn pod_names(read: &Read<'_>) -> Vec<String> {
        read.iter()
            .filter(|(object, _)| !matches!(object, Object::Other(_)))
            .map(|(object, _)| match object {
                Object::Pod(pod) => pod.metadata.as_ref().unwrap().name.as_deref().unwrap().to_string(),
                other => panic!("not a pod: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn json_strings_without_escapes_are_borrowed() {
        let read = json(r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"w\u0065b"}}}"#);
        let Object::Pod(pod) = &read[0].0 else { panic!("not a pod") };
        let meta = pod.metadata.as_ref().unwrap();
        assert!(matches!(meta.name.as_ref().unwrap().0, Cow::Borrowed("web")));
        assert!(matches!(&meta.labels.as_ref().unwrap().0[0].1.0, Cow::Owned(web) if web == "web"));
    }

    #[test]
    fn fields_before_kind_are_replayed_once_the_kind_is_known() {
        let read = json(
            r#"{"metadata":{"name":"db"},"spec":{"hostNetwork":true},"status":{"podIP":"10.0.0.5"},
                "kind":"Pod","apiVersion":"v1"}"#,
        );
        let Object::Pod(pod) = &read[0].0 else { panic!("not a pod: {read:?}") };
        assert_eq!(pod.metadata.as_ref().unwrap().name.as_deref(), Some("db"));
        assert_eq!(pod.spec.as_ref().unwrap().host_network, Some(true));
        assert_eq!(pod.status.as_ref().unwrap().pod_ip.as_deref(), Some("10.0.0.5"));
    }

    #[test]
    fn replayed_fields_report_the_path_of_a_wrong_type() {
        let err = read_json(r#"{"spec":{"containers":[{"ports":[{"containerPort":"x"}]}]},"kind":"Pod"}"#).unwrap_err();
        assert!(err.to_string().starts_with("spec.containers[0].ports[0].containerPort: invalid type"), "{err}");
    }

    #[test]
    fn kubectl_sorted_list_reads_items_before_kind() {
        let read = json(
            r#"{"apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}},
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}},
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"}}],"kind":"List","metadata":{}}"#,
        );
        assert_eq!(pod_names(&read), ["a", "b"]);
        assert_eq!(read[1].0, Object::Other("ConfigMap".into()), "other kinds are only counted");
        assert_eq!(read[2].1, [2], "items keep their index in the list");
    }

    #[test]
    fn nested_lists_report_the_index_path() {
        let read = json(
            r#"{"kind":"List","apiVersion":"v1","items":[{"kind":"Namespace","metadata":{"name":"n"}},
                {"kind":"List","apiVersion":"v1","items":[{"kind":"Pod","metadata":{"name":"p"}}]}]}"#,
        );
        assert_eq!(read[1].1, [1, 0]);
    }

    #[test]
    fn typed_list_items_without_kind_take_the_list_kind() {
        let read = json(r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"p"}}]}"#);
        assert_eq!(pod_names(&read), ["p"]);
    }

    #[test]
    fn other_kinds_yield_their_kind_and_null_documents_nothing() {
        let read = json(r#"{"kind":"ConfigMap","apiVersion":"v1","data":{"a":"b"}}"#);
        assert_eq!(read.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>(), [Object::Other("ConfigMap".into())]);
        let read = json(r#"{"kind":"Widget","apiVersion":"x.io/v1","spec":{"x":[1,2]}}"#);
        assert_eq!(read.len(), 1);
        assert!(json("null").is_empty());
    }

    fn shape(text: &str) -> Shape {
        let needs_probe = Cell::new(false);
        let mut sink = |_: Object<'_>, _: &[usize]| Ok(());
        DocumentSeed::json(&needs_probe, &mut sink).deserialize(&mut serde_json::Deserializer::from_str(text)).unwrap()
    }

    #[test]
    fn documents_that_are_not_objects_say_what_they_are() {
        assert_eq!(shape(r#"{"apiVersion":"v1","metadata":{"name":"x"}}"#), Shape::NotObject(NotObject::NoKind));
        assert_eq!(shape(r#"[{"kind":"Pod"}]"#), Shape::NotObject(NotObject::Sequence));
        assert_eq!(shape("42"), Shape::NotObject(NotObject::Scalar));
        assert_eq!(shape("null"), Shape::Empty);
        assert_eq!(shape(r#"{"kind":"Pod","metadata":{"name":"p"}}"#), Shape::Object);
    }

    #[test]
    fn a_list_item_without_kind_is_an_error() {
        let err = read_json(r#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"x"}}]}"#).unwrap_err();
        assert!(err.to_string().contains("missing `kind`"), "{err}");
    }

    #[test]
    fn the_last_kind_wins_and_items_make_a_list_wherever_they_stand() {
        let needs_probe = Cell::new(false);
        let mut sink = |_: Object<'_>, _: &[usize]| Ok(());
        let text = r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"kind":"Pod"}"#;
        let read =
            DocumentSeed::json(&needs_probe, &mut sink).deserialize(&mut serde_json::Deserializer::from_str(text));
        assert!(read.is_err() && needs_probe.get(), "a later kind asks for the probe");
        let probe: Probe = serde_json::from_str(text).unwrap();
        assert_eq!(probe.kind.as_deref(), Some("Pod"));
        let text = r#"{"apiVersion":"v1","kind":"ConfigMap","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}]}"#;
        assert_eq!(pod_names(&json(text)), ["a"]);
        let text = r#"{"items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}],"apiVersion":"v1","kind":"ConfigMap"}"#;
        assert_eq!(pod_names(&json(text)), ["a"]);
    }

    #[test]
    fn a_stopping_sink_ends_the_read() {
        let mut seen = 0;
        let mut sink = |_: Object<'_>, _: &[usize]| {
            seen += 1;
            Err(Stopped)
        };
        let text = r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"}},{"kind":"Pod"}]}"#;
        let needs_probe = Cell::new(false);
        let result =
            DocumentSeed::json(&needs_probe, &mut sink).deserialize(&mut serde_json::Deserializer::from_str(text));
        assert!(result.is_err());
        assert_eq!(seen, 1);
    }

    #[test]
    fn same_kind_in_a_foreign_group_is_other() {
        use crate::engine::tiers::ClusterKind;
        use crate::source::tiers::Schema;
        assert_eq!(
            Kind::classify(Some("crd.projectcalico.org/v1"), "NetworkPolicy"),
            Kind::Calico(super::super::calico::WireKind {
                kind: super::super::calico::ObjectKind::NetworkPolicy,
                stored: true
            })
        );
        assert_eq!(
            Kind::classify(Some("cilium.io/v2"), "CiliumNetworkPolicy"),
            Kind::CiliumPolicy { clusterwide: false }
        );
        assert_eq!(Kind::classify(Some("example.com/v1"), "CiliumNetworkPolicy"), Kind::Other);
        assert_eq!(
            Kind::classify(Some("policy.networking.k8s.io/v1alpha1"), "AdminNetworkPolicy"),
            Kind::ClusterPolicy(ClusterKind::AdminNetworkPolicy, Schema::V1Alpha1)
        );
        assert_eq!(
            Kind::classify(Some("policy.networking.k8s.io/v1beta1"), "ClusterNetworkPolicy"),
            Kind::ClusterPolicy(ClusterKind::ClusterNetworkPolicy, Schema::V1Beta1)
        );
        // A version this tool does not read stays a policy of another engine, named.
        assert_eq!(
            Kind::classify(Some("policy.networking.k8s.io/v1alpha3"), "ClusterNetworkPolicy"),
            Kind::ForeignPolicy("ClusterNetworkPolicy")
        );
        assert_eq!(
            Kind::classify(Some("crd.antrea.io/v1beta1"), "ClusterNetworkPolicy"),
            Kind::ForeignPolicy("Antrea ClusterNetworkPolicy")
        );
        assert_eq!(Kind::classify(Some("serving.knative.dev/v1"), "Service"), Kind::Other);
        assert_eq!(Kind::classify(Some("networking.k8s.io/v1"), "NetworkPolicy"), Kind::NetworkPolicy);
        assert_eq!(Kind::classify(None, "NetworkPolicy"), Kind::NetworkPolicy);
        assert_eq!(Kind::classify(Some("batch/v1"), "CronJob"), Kind::Workload(WorkloadKind::CronJob));
        assert_eq!(Kind::classify(Some("v1"), "ConfigMapList"), Kind::List);
    }

    #[test]
    fn null_reads_as_absent() {
        let read = json(
            r#"{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":null,
                "spec":{"podSelector":null,"ingress":[{"from":null,"ports":null}]}}"#,
        );
        let Object::NetworkPolicy(np) = &read[0].0 else { panic!() };
        let spec = np.spec.as_ref().unwrap();
        assert_eq!(spec.pod_selector, None);
        assert_eq!(spec.ingress.as_ref().unwrap()[0], super::super::netpol::NetworkPolicyIngressRule::default());
    }

    #[test]
    fn int_or_string_reads_both() {
        let read = json(
            r#"{"kind":"NetworkPolicy","spec":{"ingress":[{"ports":[{"port":80},{"port":"http","endPort":null}]}]}}"#,
        );
        let Object::NetworkPolicy(np) = &read[0].0 else { panic!() };
        let ports = np.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0].ports.clone().unwrap();
        assert_eq!(ports[0].port, Some(IntOrString::Int(80)));
        assert_eq!(ports[1].port, Some(IntOrString::String("http".into())));
    }

    #[test]
    fn object_list_reads_an_api_list_response() {
        let list: ObjectList<Pod> = serde_json::from_str(
            r#"{"kind":"PodList","metadata":{"continue":"abc"},"items":[{"metadata":{"name":"p"}}]}"#,
        )
        .unwrap();
        assert_eq!(list.metadata.unwrap().continue_.as_deref(), Some("abc"));
        assert_eq!(list.items.unwrap().len(), 1);
    }

    #[test]
    fn in_order_reads_yaml_in_one_pass_and_asks_for_a_probe_when_it_must() {
        let read_in_order = |text: &str| {
            let needs_probe = Cell::new(false);
            let mut names = Vec::new();
            let mut sink = |object, _: &[usize]| {
                if let Object::Pod(pod) = object {
                    names.push(pod.metadata.unwrap().name.unwrap().to_string());
                }
                Ok(())
            };
            let result = serde_saphyr::with_deserializer_from_str(text, |de| {
                DocumentSeed::in_order(&needs_probe, &mut sink).deserialize(de)
            });
            (result.is_ok(), needs_probe.get(), names)
        };
        let sorted_list = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\nkind: List\n";
        assert_eq!(read_in_order(sorted_list), (true, false, vec!["a".to_string()]));
        // Fields before the kind are held (kubectl's EndpointSlices start with `addressType`)...
        let metadata_first = "metadata: {name: a}\nkind: Pod\napiVersion: v1\n";
        assert_eq!(read_in_order(metadata_first), (true, false, vec!["a".to_string()]));
        // ... unless a number, which the typed read could take differently, asks for the probe.
        let number_first = "spec: {containers: [{ports: [{containerPort: 80}]}]}\nkind: Pod\napiVersion: v1\n";
        assert_eq!(read_in_order(number_first), (false, true, vec![]));
    }

    #[test]
    fn probed_yaml_reads_fields_in_any_order() {
        let text = "items:\n- metadata:\n    name: web\n  spec:\n    hostNetwork: true\n  kind: Pod\nkind: List\n";
        let probe: Probe = serde_saphyr::from_str(text).unwrap();
        let mut read = Vec::new();
        let mut sink = |object, items: &[usize]| {
            read.push((object, items.to_vec()));
            Ok(())
        };
        serde_saphyr::with_deserializer_from_str(text, |de| DocumentSeed::probed(&probe, &mut sink).deserialize(de))
            .unwrap();
        let Object::Pod(pod) = &read[0].0 else { panic!("not a pod: {read:?}") };
        assert_eq!(pod.spec.as_ref().unwrap().host_network, Some(true));
    }
}
