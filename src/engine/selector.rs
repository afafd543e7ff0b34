//! Label selector matching, and the explanation of a mismatch (which requirement failed and what
//! the labels actually say), as `metav1.LabelSelector` defines it.

use std::fmt;

use serde::Serialize;

use super::model::{Labels, Operator, Requirement, Selector};

impl Selector {
    /// An empty selector (`{}`) selects everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// True when the selector looks at no label but `kubernetes.io/metadata.name`, which every
    /// namespace carries: matched against a namespace, it needs no label that could be unknown.
    pub fn only_names_namespaces(&self) -> bool {
        self.match_labels.iter().all(|(k, _)| k == super::model::NAMESPACE_NAME_LABEL)
            && self.match_expressions.iter().all(|r| r.key == super::model::NAMESPACE_NAME_LABEL)
    }

    /// True when every `matchLabels` entry and every `matchExpressions` requirement holds.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// The requirements that do not hold for `labels`, in the selector's order (matchLabels
    /// first). Empty exactly when `matches` is true.
    pub fn failures(&self, labels: &Labels) -> Vec<Unmet> {
        let mut out = Vec::new();
        for (k, v) in &self.match_labels {
            if labels.get(k) != Some(v) {
                out.push(Unmet { requirement: format!("{k}={v}"), key: k.clone(), actual: labels.get(k).cloned() });
            }
        }
        for r in &self.match_expressions {
            if !r.matches(labels) {
                out.push(Unmet { requirement: r.to_string(), key: r.key.clone(), actual: labels.get(&r.key).cloned() });
            }
        }
        out
    }
}

impl Requirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            // NotIn also matches when the key is absent, as in the API.
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// One requirement of a selector that the labels do not satisfy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unmet {
    /// The requirement in kubectl's selector syntax: `app=api`, `tier in (web,api)`, `!canary`.
    pub requirement: String,
    pub key: String,
    /// The label's actual value; `None` when the label is missing.
    pub actual: Option<String>,
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.actual {
            Some(v) => write!(f, "needs {} but has {}={}", self.requirement, self.key, v),
            None => write!(f, "needs {} but has no {} label", self.requirement, self.key),
        }
    }
}

/// kubectl's selector syntax: `app=api,tier in (a,b),!canary`; `{}` for the empty selector.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        let mut first = true;
        for (k, v) in &self.match_labels {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{k}={v}")?;
        }
        for r in &self.match_expressions {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operator {
            Operator::In => write!(f, "{} in ({})", self.key, self.values.join(",")),
            Operator::NotIn => write!(f, "{} notin ({})", self.key, self.values.join(",")),
            Operator::Exists => write!(f, "{}", self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement { key: key.into(), operator, values: values.iter().map(|s| s.to_string()).collect() }
    }

    fn sel(ml: &[(&str, &str)], me: Vec<Requirement>) -> Selector {
        Selector {
            match_labels: ml.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            match_expressions: me,
        }
    }

    #[test]
    fn empty_selector_matches_every_label_set() {
        assert!(Selector::default().matches(&labels(&[])));
        assert!(Selector::default().matches(&labels(&[("app", "x")])));
    }

    #[test]
    fn match_labels_require_every_pair() {
        let s = sel(&[("app", "api"), ("tier", "back")], vec![]);
        assert!(s.matches(&labels(&[("app", "api"), ("tier", "back"), ("extra", "1")])));
        assert!(!s.matches(&labels(&[("app", "api")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("tier", "front")])));
    }

    #[test]
    fn operator_in_requires_key_with_listed_value() {
        let s = sel(&[], vec![req("env", Operator::In, &["prod", "staging"])]);
        assert!(s.matches(&labels(&[("env", "prod")])));
        assert!(!s.matches(&labels(&[("env", "dev")])));
        assert!(!s.matches(&labels(&[])));
    }

    #[test]
    fn operator_not_in_matches_when_key_is_absent() {
        let s = sel(&[], vec![req("env", Operator::NotIn, &["prod"])]);
        assert!(s.matches(&labels(&[("env", "dev")])));
        assert!(s.matches(&labels(&[])));
        assert!(!s.matches(&labels(&[("env", "prod")])));
    }

    #[test]
    fn operator_exists_and_does_not_exist_ignore_values() {
        let exists = sel(&[], vec![req("canary", Operator::Exists, &[])]);
        let absent = sel(&[], vec![req("canary", Operator::DoesNotExist, &[])]);
        assert!(exists.matches(&labels(&[("canary", "")])));
        assert!(!exists.matches(&labels(&[])));
        assert!(absent.matches(&labels(&[])));
        assert!(!absent.matches(&labels(&[("canary", "true")])));
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = sel(&[("app", "api")], vec![req("env", Operator::In, &["prod"])]);
        assert!(s.matches(&labels(&[("app", "api"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("env", "dev")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "prod")])));
    }

    #[test]
    fn failures_name_each_unmet_requirement_and_the_actual_value() {
        let s = sel(
            &[("app", "api")],
            vec![req("env", Operator::In, &["prod"]), req("canary", Operator::DoesNotExist, &[])],
        );
        let f = s.failures(&labels(&[("app", "web"), ("canary", "yes")]));
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].to_string(), "needs app=api but has app=web");
        assert_eq!(f[1].to_string(), "needs env in (prod) but has no env label");
        assert_eq!(f[2].requirement, "!canary");
        assert!(s.failures(&labels(&[("app", "api"), ("env", "prod")])).is_empty());
    }

    #[test]
    fn selectors_print_in_kubectl_syntax() {
        let s =
            sel(&[("app", "api")], vec![req("tier", Operator::NotIn, &["a", "b"]), req("x", Operator::Exists, &[])]);
        assert_eq!(s.to_string(), "app=api,tier notin (a,b),x");
        assert_eq!(Selector::default().to_string(), "{}");
    }
}
