//! `labelSelector` and `fieldSelector` query parameters: parsing and matching, with the API
//! server's grammar (equality- and set-based requirements) and its refusals (unsupported fields).
//!
//! Pure functions over `serde_json::Value` objects; knows nothing about HTTP or storage.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
    GreaterThan(i64),
    LessThan(i64),
}

/// A parsed `labelSelector`: every requirement must hold (they are ANDed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<(String, Op)>,
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text)? {
            let part = part.trim();
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(format!("unable to parse requirement: empty requirement in {text:?}"));
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(LabelSelector { requirements })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|(key, op)| {
            let value = labels.get(key);
            match op {
                Op::Equals(v) => value == Some(v),
                Op::NotEquals(v) => value != Some(v),
                Op::In(vs) => value.is_some_and(|x| vs.contains(x)),
                Op::NotIn(vs) => value.is_none_or(|x| !vs.contains(x)),
                Op::Exists => value.is_some(),
                Op::DoesNotExist => value.is_none(),
                Op::GreaterThan(n) => value.and_then(|x| x.parse::<i64>().ok()).is_some_and(|x| x > *n),
                Op::LessThan(n) => value.and_then(|x| x.parse::<i64>().ok()).is_some_and(|x| x < *n),
            }
        })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Splits at commas that are not inside `( ... )`.
fn split_top_level(text: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("unable to parse requirement: unbalanced ')' in {text:?}"))?
            }
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("unable to parse requirement: unclosed '(' in {text:?}"));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')
}

fn parse_requirement(part: &str) -> Result<(String, Op), String> {
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        validate_key(key)?;
        return Ok((key.to_string(), Op::DoesNotExist));
    }
    let key_len = part.find(|c: char| !is_key_char(c)).unwrap_or(part.len());
    let key = &part[..key_len];
    validate_key(key)?;
    let rest = part[key_len..].trim();
    let op = if rest.is_empty() {
        Op::Exists
    } else if let Some(v) = rest.strip_prefix("!=") {
        Op::NotEquals(parse_value(v)?)
    } else if let Some(v) = rest.strip_prefix("==") {
        Op::Equals(parse_value(v)?)
    } else if let Some(v) = rest.strip_prefix('=') {
        Op::Equals(parse_value(v)?)
    } else if let Some(v) = rest.strip_prefix('>') {
        Op::GreaterThan(parse_number(v)?)
    } else if let Some(v) = rest.strip_prefix('<') {
        Op::LessThan(parse_number(v)?)
    } else if let Some(v) = rest.strip_prefix("notin") {
        Op::NotIn(parse_set(v)?)
    } else if let Some(v) = rest.strip_prefix("in") {
        Op::In(parse_set(v)?)
    } else {
        return Err(format!("unable to parse requirement: found {rest:?}, expected: in, notin, =, ==, !=, gt, lt"));
    };
    Ok((key.to_string(), op))
}

fn validate_key(key: &str) -> Result<(), String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    if key.is_empty() || name.is_empty() || name.len() > 63 || key.matches('/').count() > 1 {
        return Err(format!("unable to parse requirement: invalid label key {key:?}"));
    }
    Ok(())
}

fn parse_value(v: &str) -> Result<String, String> {
    let v = v.trim();
    let ok = v.len() <= 63 && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(format!("unable to parse requirement: invalid label value {v:?}"));
    }
    Ok(v.to_string())
}

fn parse_number(v: &str) -> Result<i64, String> {
    v.trim().parse().map_err(|_| format!("unable to parse requirement: {:?} is not an integer", v.trim()))
}

fn parse_set(v: &str) -> Result<Vec<String>, String> {
    let v = v.trim();
    let inner = v
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: found {v:?}, expected: '(' values ')'"))?;
    inner.split(',').map(parse_value).collect()
}

/// A parsed `fieldSelector`: `path=value`, `path==value`, `path!=value`, ANDed.
#[derive(Debug, Clone, Default)]
pub struct FieldSelector {
    requirements: Vec<(String, bool, String)>,
}

/// The field labels the server supports for every kind, plus the extra ones some kinds register.
fn supported_field(kind: &str, path: &str) -> bool {
    let extra: &[&str] = match kind {
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Namespace" => &["status.phase"],
        "Node" => &["spec.unschedulable"],
        // Since Kubernetes 1.31.
        "Service" => &["spec.clusterIP", "spec.type"],
        "Secret" => &["type"],
        "Event" => &["involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "reason", "type"],
        _ => &[],
    };
    path == "metadata.name" || path == "metadata.namespace" || extra.contains(&path)
}

impl FieldSelector {
    pub fn parse(text: &str, kind: &str) -> Result<FieldSelector, String> {
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (path, negate, value) = if let Some((p, v)) = part.split_once("!=") {
                (p, true, v)
            } else if let Some((p, v)) = part.split_once("==") {
                (p, false, v)
            } else if let Some((p, v)) = part.split_once('=') {
                (p, false, v)
            } else {
                return Err(format!("invalid selector: '{text}'; can't understand '{part}'"));
            };
            let path = path.trim();
            if !supported_field(kind, path) {
                return Err(format!("field label not supported: {path}"));
            }
            requirements.push((path.to_string(), negate, value.trim().to_string()));
        }
        Ok(FieldSelector { requirements })
    }

    pub fn matches(&self, object: &Value) -> bool {
        self.requirements.iter().all(|(path, negate, expected)| {
            let mut node = object;
            for segment in path.split('.') {
                node = node.get(segment).unwrap_or(&Value::Null);
            }
            let actual = match node {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (actual == *expected) != *negate
        })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// The labels of an object as a map (absent labels: empty).
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    object["metadata"]["labels"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}
