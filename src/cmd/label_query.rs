//! `-l/--selector`: kubectl's label query syntax, parsed into the engine's `Selector`.
//!
//! As `k8s.io/apimachinery/pkg/labels` reads it: requirements separated by commas, all of which
//! must hold (AND); each is `key` (the label exists), `!key` (it does not), `key=value`,
//! `key==value`, `key!=value` (a different value, or no such label), `key in (a,b)` or
//! `key notin (a,b)` (also true when the label is absent). Spaces around words are allowed.
//! Errors name the column (1-based) where the query stops making sense.

use crate::engine::model::{Operator, Requirement, Selector};

/// A parse failure: what was expected, and the column (1-based, in characters) where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

impl QueryError {
    /// `invalid label selector "app in (a": column 10: expected ')' ...`, naming the flag.
    pub fn describe(&self, query: &str) -> String {
        format!(
            "invalid label selector {query:?} given with -l: column {}: {}; the syntax is kubectl's: key=value, \
             key!=value, key in (a,b), key notin (a), key, !key, joined with commas (all must hold)",
            self.column, self.message
        )
    }
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn new(text: &str) -> Self {
        Lexer { chars: text.chars().collect(), at: 0 }
    }

    fn skip_spaces(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn error(&self, message: impl Into<String>) -> QueryError {
        QueryError { column: self.at + 1, message: message.into() }
    }

    /// A key or a value: everything up to a space, comma, parenthesis, `=`, `!`, `<` or `>`.
    fn word(&mut self) -> (usize, String) {
        self.skip_spaces();
        let start = self.at;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | '(' | ')' | '=' | '!' | '<' | '>') {
                break;
            }
            self.at += 1;
        }
        (start, self.chars[start..self.at].iter().collect())
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }
}

/// Parses a label query. An empty query selects everything.
pub fn parse(text: &str) -> Result<Selector, QueryError> {
    let mut lx = Lexer::new(text);
    let mut requirements = Vec::new();
    lx.skip_spaces();
    if lx.peek().is_none() {
        return Ok(Selector::default());
    }
    loop {
        requirements.push(requirement(&mut lx)?);
        lx.skip_spaces();
        match lx.peek() {
            None => break,
            Some(',') => {
                lx.at += 1;
                lx.skip_spaces();
                if lx.peek().is_none() {
                    return Err(lx.error("a requirement must follow ','"));
                }
            }
            Some(c) => return Err(lx.error(format!("expected ',' or the end, found {c:?}"))),
        }
    }
    Ok(Selector { match_labels: Vec::new(), match_expressions: requirements })
}

fn requirement(lx: &mut Lexer) -> Result<Requirement, QueryError> {
    if lx.eat('!') {
        let (at, key) = lx.word();
        check_key(&key).map_err(|m| QueryError { column: at + 1, message: m })?;
        return Ok(Requirement { key, operator: Operator::DoesNotExist, values: Vec::new() });
    }
    let (at, key) = lx.word();
    if key.is_empty() {
        return Err(lx.error("expected a label key"));
    }
    check_key(&key).map_err(|m| QueryError { column: at + 1, message: m })?;
    lx.skip_spaces();
    let operator_at = lx.at;
    let single = |lx: &mut Lexer, operator: Operator| -> Result<Requirement, QueryError> {
        let (at, value) = lx.word();
        check_value(&value).map_err(|m| QueryError { column: at + 1, message: m })?;
        Ok(Requirement { key: key.clone(), operator, values: vec![value] })
    };
    match lx.peek() {
        None | Some(',') => Ok(Requirement { key, operator: Operator::Exists, values: Vec::new() }),
        Some('=') => {
            lx.at += 1;
            if lx.peek() == Some('=') {
                lx.at += 1;
            }
            single(lx, Operator::In)
        }
        Some('!') => {
            lx.at += 1;
            if lx.peek() != Some('=') {
                return Err(lx.error("expected '=' after '!' (key!=value)"));
            }
            lx.at += 1;
            single(lx, Operator::NotIn)
        }
        Some('<' | '>') => Err(QueryError {
            column: operator_at + 1,
            message: "'<' and '>' are not supported: a NetworkPolicy's selectors have no such operator".into(),
        }),
        Some(_) => {
            let (at, word) = lx.word();
            let operator = match word.as_str() {
                "in" => Operator::In,
                "notin" => Operator::NotIn,
                other => {
                    return Err(QueryError {
                        column: at + 1,
                        message: format!("expected =, ==, !=, in or notin after {key:?}, found {other:?}"),
                    });
                }
            };
            if !lx.eat('(') {
                return Err(lx.error(format!("expected '(' after {word}")));
            }
            let mut values = Vec::new();
            loop {
                let (at, value) = lx.word();
                if value.is_empty() {
                    return Err(lx.error("expected a value"));
                }
                check_value(&value).map_err(|m| QueryError { column: at + 1, message: m })?;
                values.push(value);
                if lx.eat(',') {
                    continue;
                }
                if lx.eat(')') {
                    break;
                }
                return Err(lx.error("expected ',' or ')'"));
            }
            Ok(Requirement { key, operator, values })
        }
    }
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters
/// (alphanumerics, `-`, `_`, `.`, beginning and ending with an alphanumeric).
fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("expected a label key".into());
    }
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        let ok = !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !ok {
            return Err(format!("{key:?} is not a label key: its prefix must be a DNS subdomain (example.com/name)"));
        }
    }
    if !is_label_name(name) || name.is_empty() {
        return Err(format!(
            "{key:?} is not a label key: at most 63 letters, digits, '-', '_' or '.', starting and ending with a \
             letter or digit"
        ));
    }
    Ok(())
}

/// A label value: empty, or like a key's name part.
fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_label_name(value) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a \
             letter or digit"
        ))
    }
}

fn is_label_name(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Labels;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn matches(query: &str, pairs: &[(&str, &str)]) -> bool {
        parse(query).unwrap_or_else(|e| panic!("{}", e.describe(query))).matches(&labels(pairs))
    }

    #[test]
    fn equality_and_inequality() {
        assert!(matches("app=web", &[("app", "web")]));
        assert!(matches("app==web", &[("app", "web")]));
        assert!(!matches("app=web", &[("app", "api")]));
        assert!(matches("app!=web", &[("app", "api")]));
        assert!(matches("app!=web", &[]), "!= holds when the label is absent, as in kubectl");
        assert!(!matches("app!=web", &[("app", "web")]));
    }

    #[test]
    fn set_based_requirements() {
        assert!(matches("tier in (web, api)", &[("tier", "api")]));
        assert!(!matches("tier in (web,api)", &[("tier", "db")]));
        assert!(!matches("tier in (web)", &[]));
        assert!(matches("tier notin (db)", &[("tier", "web")]));
        assert!(matches("tier notin (db)", &[]));
        assert!(!matches("tier notin (db)", &[("tier", "db")]));
    }

    #[test]
    fn existence() {
        assert!(matches("app", &[("app", "x")]));
        assert!(!matches("app", &[]));
        assert!(matches("!app", &[]));
        assert!(matches(" ! app ", &[]));
        assert!(!matches("!app", &[("app", "x")]));
    }

    #[test]
    fn commas_join_requirements_that_must_all_hold() {
        assert!(matches("app=web, tier in (a,b), !canary", &[("app", "web"), ("tier", "b")]));
        assert!(!matches("app=web,!canary", &[("app", "web"), ("canary", "true")]));
        assert!(matches("", &[("anything", "x")]));
        assert!(matches("app.kubernetes.io/name=ingress-nginx", &[("app.kubernetes.io/name", "ingress-nginx")]));
    }

    #[test]
    fn errors_name_the_column() {
        let e = |q: &str| parse(q).unwrap_err();
        assert_eq!(e("app in (a").column, 10);
        assert_eq!(e("app in (a").message, "expected ',' or ')'");
        assert_eq!(e("app=web,").message, "a requirement must follow ','");
        assert_eq!(e("app=web,").column, 9);
        assert_eq!(e("app has (a)").column, 5);
        assert!(e("app has (a)").message.contains("expected =, ==, !=, in or notin"));
        assert_eq!(e("app>1").column, 4);
        assert_eq!(e("Ap p=1").column, 4);
        assert_eq!(e("app=-web").column, 5);
        assert!(e("app=-web").message.contains("is not a label value"));
        assert_eq!(e("app!web").message, "expected '=' after '!' (key!=value)");
        assert!(e("a=1 b=2").message.starts_with("expected ',' or the end"));
        let text = e("app in (a").describe("app in (a");
        assert!(text.starts_with("invalid label selector \"app in (a\" given with -l: column 10: expected ',' or ')'"));
    }
}
