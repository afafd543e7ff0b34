//! Calico's selector language: parsing (with errors that name the column and what was expected),
//! evaluation against a label map, the explanation of a non-match, and a canonical printed form.
//!
//! The grammar is the one of `libcalico-go/lib/selector/{tokenizer,parser}` (projectcalico/calico),
//! which the documentation's "Selectors" section describes; the points where the code is more
//! precise than the documentation are kept here:
//!
//! - Whitespace is spaces and tabs only; a line break anywhere (even inside a YAML `|` block) is an
//!   error, as Calico's tokenizer rejects it. An empty or all-blank selector is `all()`.
//! - A label key is one or more of `A-Z a-z 0-9 _ . / -` (so `app.kubernetes.io/name` and
//!   `pcns.projectcalico.org/name` are single keys). Values are quoted with `"` or `'`, without
//!   escapes: a value can hold the other quote, never its own.
//! - After a label, the operator words are recognised by prefix, as Calico does: `in`, `not in`,
//!   `contains`, `starts with`, `ends with`, with any blanks between the two words (`notin` and
//!   `startswith` are accepted). `has(`, `all(` and `global(` must be written without a blank
//!   before the parenthesis; blanks inside are allowed (`has( app )`).
//! - Precedence, tightest first: the match operators, parentheses, `!`, `&&`, `||`. A `!` applies
//!   to one operation or one parenthesised group (`!a == "x" && b == "y"` is
//!   `(!(a == "x")) && b == "y"`); repeated `!` cancel in pairs.
//! - `!=` and `not in` also match when the label is absent; `==`, `in`, `contains`, `starts with`
//!   and `ends with` need it present. Set literals may be empty (`in {}` matches nothing) and may
//!   end with a comma (`{"a",}`); they are sets (sorted, duplicates dropped).
//! - `all()` and `global()` both evaluate to true against a label map. What they select is a
//!   matter of scope, decided by where the selector is used: in a `namespaceSelector`, Calico turns
//!   `all()` into "any namespaced endpoint" and `global()` into "only non-namespaced resources"
//!   (host endpoints, global network sets); see [`Expr::namespace_scope`].
//!
//! `&&` and `||` chains are kept flat (`a && (b && c)` is one conjunction of three), and double
//! negation is removed, so that printing and parsing again gives back the same tree.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::engine::model::Labels;

/// A parsed Calico selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// `all()`, or the empty selector.
    All,
    /// `global()`.
    Global,
    /// `has(key)`.
    Has(String),
    /// `key == "value"`.
    Eq(String, String),
    /// `key != "value"`: also true when the label is absent.
    Ne(String, String),
    /// `key in {"a", "b"}`.
    In(String, BTreeSet<String>),
    /// `key not in {"a", "b"}`: also true when the label is absent.
    NotIn(String, BTreeSet<String>),
    /// `key contains "s"`.
    Contains(String, String),
    /// `key starts with "s"`.
    StartsWith(String, String),
    /// `key ends with "s"`.
    EndsWith(String, String),
    /// `!expr`; never directly around another `Not`.
    Not(Box<Expr>),
    /// `a && b && ...`: two or more operands, none of them an `And`.
    And(Vec<Expr>),
    /// `a || b || ...`: two or more operands, none of them an `Or`.
    Or(Vec<Expr>),
}

impl Expr {
    /// True when the labels satisfy the expression.
    pub fn matches(&self, labels: &Labels) -> bool {
        match self {
            Expr::All | Expr::Global => true,
            Expr::Has(k) => labels.contains_key(k),
            Expr::Eq(k, v) => labels.get(k) == Some(v),
            Expr::Ne(k, v) => labels.get(k) != Some(v),
            Expr::In(k, set) => labels.get(k).is_some_and(|v| set.contains(v)),
            Expr::NotIn(k, set) => labels.get(k).is_none_or(|v| !set.contains(v)),
            Expr::Contains(k, s) => labels.get(k).is_some_and(|v| v.contains(s.as_str())),
            Expr::StartsWith(k, s) => labels.get(k).is_some_and(|v| v.starts_with(s.as_str())),
            Expr::EndsWith(k, s) => labels.get(k).is_some_and(|v| v.ends_with(s.as_str())),
            Expr::Not(e) => !e.matches(labels),
            Expr::And(es) => es.iter().all(|e| e.matches(labels)),
            Expr::Or(es) => es.iter().any(|e| e.matches(labels)),
        }
    }

    /// Why the labels do not satisfy the expression: the nearest set of unmet requirements, empty
    /// exactly when [`Expr::matches`] is true. For `&&`, every operand that fails; for `||`, the
    /// alternative with the fewest unmet requirements (the first of equals), since meeting those
    /// would be enough; a negated group that holds is reported whole.
    pub fn misses(&self, labels: &Labels) -> Vec<Miss> {
        let mut out = Vec::new();
        self.collect_misses(labels, &mut out);
        out
    }

    fn collect_misses(&self, labels: &Labels, out: &mut Vec<Miss>) {
        match self {
            Expr::And(es) => {
                for e in es {
                    e.collect_misses(labels, out);
                }
            }
            Expr::Or(es) => {
                if self.matches(labels) {
                    return;
                }
                let nearest = es.iter().map(|e| e.misses(labels)).min_by_key(Vec::len).unwrap_or_default();
                out.extend(nearest);
            }
            _ if self.matches(labels) => {}
            _ => out.push(Miss::of(self, labels)),
        }
    }

    /// True for `all()` (and so for the empty selector).
    pub fn is_all(&self) -> bool {
        matches!(self, Expr::All)
    }

    /// The conjunction of two expressions, flattened; `all()` is its identity.
    pub fn and(self, other: Expr) -> Expr {
        match (self, other) {
            (Expr::All, e) | (e, Expr::All) => e,
            (a, b) => Expr::And(flatten(vec![a, b], true)),
        }
    }

    /// The disjunction of two expressions, flattened.
    pub fn or(self, other: Expr) -> Expr {
        Expr::Or(flatten(vec![self, other], false))
    }

    /// The negation, without double negation.
    pub fn negate(self) -> Expr {
        match self {
            Expr::Not(e) => *e,
            e => Expr::Not(Box::new(e)),
        }
    }

    /// The same expression over prefixed label keys (`team == "x"` with `pcns.` becomes
    /// `pcns.team == "x"`), as Calico rewrites a `namespaceSelector` (`pcns.`) or a
    /// `serviceAccountSelector` (`pcsa.`) to match the labels an endpoint inherits from its
    /// namespace's and service account's profiles.
    pub fn prefixed(&self, prefix: &str) -> Expr {
        let key = |k: &String| format!("{prefix}{k}");
        match self {
            Expr::All => Expr::All,
            Expr::Global => Expr::Global,
            Expr::Has(k) => Expr::Has(key(k)),
            Expr::Eq(k, v) => Expr::Eq(key(k), v.clone()),
            Expr::Ne(k, v) => Expr::Ne(key(k), v.clone()),
            Expr::In(k, s) => Expr::In(key(k), s.clone()),
            Expr::NotIn(k, s) => Expr::NotIn(key(k), s.clone()),
            Expr::Contains(k, v) => Expr::Contains(key(k), v.clone()),
            Expr::StartsWith(k, v) => Expr::StartsWith(key(k), v.clone()),
            Expr::EndsWith(k, v) => Expr::EndsWith(key(k), v.clone()),
            Expr::Not(e) => Expr::Not(Box::new(e.prefixed(prefix))),
            Expr::And(es) => Expr::And(es.iter().map(|e| e.prefixed(prefix)).collect()),
            Expr::Or(es) => Expr::Or(es.iter().map(|e| e.prefixed(prefix)).collect()),
        }
    }

    /// A rule's `namespaceSelector` as Calico evaluates it against endpoint labels: keys prefixed
    /// with `pcns.`, every `all()` replaced by `has(projectcalico.org/namespace)` (any namespaced
    /// endpoint) and every `global()` by `!has(projectcalico.org/namespace)` (only non-namespaced
    /// resources). Calico does this rewrite on the printed selector
    /// (`libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go`, `getEndpointSelector`).
    pub fn namespace_scope(&self) -> Expr {
        self.prefixed(NAMESPACE_LABEL_PREFIX).map_scope()
    }

    fn map_scope(self) -> Expr {
        match self {
            Expr::All => Expr::Has(NAMESPACE_LABEL.to_string()),
            Expr::Global => Expr::Not(Box::new(Expr::Has(NAMESPACE_LABEL.to_string()))),
            Expr::Not(e) => e.map_scope().negate(),
            Expr::And(es) => Expr::And(flatten(es.into_iter().map(Expr::map_scope).collect(), true)),
            Expr::Or(es) => Expr::Or(flatten(es.into_iter().map(Expr::map_scope).collect(), false)),
            e => e,
        }
    }
}

/// The label Calico puts on every workload endpoint: the name of its namespace.
pub const NAMESPACE_LABEL: &str = "projectcalico.org/namespace";
/// The prefix of the namespace labels an endpoint inherits from its namespace's profile
/// (`kns.<namespace>`), and of the keys of a `namespaceSelector` once Calico rewrote it.
pub const NAMESPACE_LABEL_PREFIX: &str = "pcns.";
/// The prefix of the service-account labels an endpoint inherits (profile `ksa.<ns>.<sa>`).
pub const SERVICE_ACCOUNT_LABEL_PREFIX: &str = "pcsa.";

/// Merges nested operands of the same connective into one list.
fn flatten(operands: Vec<Expr>, and: bool) -> Vec<Expr> {
    let mut out = Vec::with_capacity(operands.len());
    for e in operands {
        match e {
            Expr::And(inner) if and => out.extend(inner),
            Expr::Or(inner) if !and => out.extend(inner),
            e => out.push(e),
        }
    }
    out
}

/// One requirement of a selector that the labels do not meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Miss {
    /// The requirement as printed in Calico's syntax: `app == "api"`, `!has(canary)`.
    pub requirement: String,
    /// The label the requirement is about, when it is about one label.
    pub key: Option<String>,
    /// That label's actual value; `None` when the label is missing (or there is no single key).
    pub actual: Option<String>,
}

impl Miss {
    fn of(e: &Expr, labels: &Labels) -> Miss {
        let key = e.key().map(str::to_string);
        let actual = key.as_ref().and_then(|k| labels.get(k).cloned());
        Miss { requirement: e.to_string(), key, actual }
    }
}

impl Expr {
    /// The one label key an atom (or a negated atom) is about.
    fn key(&self) -> Option<&str> {
        match self {
            Expr::Has(k)
            | Expr::Eq(k, _)
            | Expr::Ne(k, _)
            | Expr::In(k, _)
            | Expr::NotIn(k, _)
            | Expr::Contains(k, _)
            | Expr::StartsWith(k, _)
            | Expr::EndsWith(k, _) => Some(k),
            Expr::Not(e) => e.key(),
            _ => None,
        }
    }
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.key, &self.actual) {
            (Some(k), Some(v)) => write!(f, "needs {} but has {k}={v}", self.requirement),
            (Some(k), None) => write!(f, "needs {} but has no {k} label", self.requirement),
            (None, _) => write!(f, "needs {}, which these labels do not meet", self.requirement),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Printing

/// The canonical form: one space around binary operators, `"` quotes unless the value holds a
/// `"`, sets sorted, parentheses only where precedence needs them, and a negated comparison or
/// group written `!( ... )` so that it cannot be misread. `parse(e.to_string()) == e` for every
/// expression the parser produces (a value holding both quote characters cannot be written in
/// Calico's syntax at all, so only a hand-built expression could hold one).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::All => f.write_str("all()"),
            Expr::Global => f.write_str("global()"),
            Expr::Has(k) => write!(f, "has({k})"),
            Expr::Eq(k, v) => write!(f, "{k} == {}", Quoted(v)),
            Expr::Ne(k, v) => write!(f, "{k} != {}", Quoted(v)),
            Expr::In(k, s) => write!(f, "{k} in {}", SetLiteral(s)),
            Expr::NotIn(k, s) => write!(f, "{k} not in {}", SetLiteral(s)),
            Expr::Contains(k, v) => write!(f, "{k} contains {}", Quoted(v)),
            Expr::StartsWith(k, v) => write!(f, "{k} starts with {}", Quoted(v)),
            Expr::EndsWith(k, v) => write!(f, "{k} ends with {}", Quoted(v)),
            Expr::Not(e) => match **e {
                Expr::All | Expr::Global | Expr::Has(_) => write!(f, "!{e}"),
                _ => write!(f, "!({e})"),
            },
            Expr::And(es) => {
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    match e {
                        Expr::Or(_) => write!(f, "({e})")?,
                        e => write!(f, "{e}")?,
                    }
                }
                Ok(())
            }
            Expr::Or(es) => {
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = if self.0.contains('"') { '\'' } else { '"' };
        write!(f, "{q}{}{q}", self.0)
    }
}

struct SetLiteral<'a>(&'a BTreeSet<String>);

impl fmt::Display for SetLiteral<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", Quoted(v))?;
        }
        f.write_str("}")
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// A selector that is not valid Calico syntax: where (1-based character column) and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl ParseError {
    /// The selector on one line and a caret under the column on the next, for error output.
    pub fn pointer(&self, input: &str) -> String {
        let shown: String = input.chars().map(|c| if c == '\t' || c == '\n' || c == '\r' { ' ' } else { c }).collect();
        format!("{shown}\n{}^", " ".repeat(self.column.saturating_sub(1)))
    }
}

/// Parses a selector; the empty (or all-blank) selector is `all()`.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let tokens = lex(input)?;
    let mut p = Parser { input, tokens, at: 0 };
    if p.peek().kind == Tok::Eof {
        return Ok(Expr::All);
    }
    let e = p.or()?;
    let t = p.peek();
    if t.kind != Tok::Eof {
        return Err(p.error_at(t, format!("expected '&&', '||' or the end of the selector, found {}", t.describe())));
    }
    Ok(e)
}

impl FromStr for Expr {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Expr, ParseError> {
        parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Label(String),
    Str(String),
    LBrace,
    RBrace,
    Comma,
    Eq,
    Ne,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    Not,
    All,
    Global,
    Has(String),
    LParen,
    RParen,
    And,
    Or,
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    /// Byte offset of the token in the input.
    start: usize,
}

impl Token {
    fn describe(&self) -> String {
        match &self.kind {
            Tok::Label(l) => format!("label '{l}'"),
            Tok::Str(s) => format!("the value \"{s}\""),
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::Comma => "','".into(),
            Tok::Eq => "'=='".into(),
            Tok::Ne => "'!='".into(),
            Tok::In => "'in'".into(),
            Tok::NotIn => "'not in'".into(),
            Tok::Contains => "'contains'".into(),
            Tok::StartsWith => "'starts with'".into(),
            Tok::EndsWith => "'ends with'".into(),
            Tok::Not => "'!'".into(),
            Tok::All => "'all()'".into(),
            Tok::Global => "'global()'".into(),
            Tok::Has(k) => format!("'has({k})'"),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::And => "'&&'".into(),
            Tok::Or => "'||'".into(),
            Tok::Eof => "the end of the selector".into(),
        }
    }
}

fn column(input: &str, byte: usize) -> usize {
    input[..byte.min(input.len())].chars().count() + 1
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-')
}

const OPERATORS: &str = "'==', '!=', 'in', 'not in', 'contains', 'starts with' or 'ends with'";

struct Lexer<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn skip_blanks(&mut self) {
        while self.pos < self.bytes.len() && is_blank(self.bytes[self.pos]) {
            self.pos += 1;
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn error(&self, byte: usize, message: impl Into<String>) -> ParseError {
        ParseError { column: column(self.input, byte), message: message.into() }
    }

    /// What is at `pos`, for "found ..." in messages.
    fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "the end of the selector".into(),
            Some('\n' | '\r') => "a line break".into(),
            Some(c) => format!("'{c}'"),
        }
    }

    fn key(&mut self) -> &'a str {
        let start = self.pos;
        while self.pos < self.bytes.len() && is_key_byte(self.bytes[self.pos]) {
            self.pos += 1;
        }
        &self.input[start..self.pos]
    }

    /// After `word` (already consumed), blanks and then `second`, as in `starts with`.
    fn second_word(&mut self, first: &str, second: &str, label: &str) -> Result<(), ParseError> {
        self.skip_blanks();
        if self.rest().starts_with(second) {
            self.pos += second.len();
            Ok(())
        } else {
            Err(self.error(
                self.pos,
                format!(
                    "expected '{second}' after '{first}' (label '{label}' needs an operator), found {}",
                    self.found()
                ),
            ))
        }
    }

    /// `has(`, `all(` or `global(` was consumed: blanks, the label for `has`, blanks, `)`.
    fn close_call(&mut self, name: &str, open: usize) -> Result<(), ParseError> {
        self.skip_blanks();
        if self.rest().starts_with(')') {
            self.pos += 1;
            Ok(())
        } else {
            let what = if name == "has" { "after the label in the" } else { "to close the" };
            Err(self.error(
                self.pos,
                format!("expected ')' {what} {name}( at column {}, found {}", column(self.input, open), self.found()),
            ))
        }
    }
}

fn lex(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer { input, bytes: input.as_bytes(), pos: 0 };
    let mut tokens: Vec<Token> = Vec::new();
    loop {
        lx.skip_blanks();
        let start = lx.pos;
        let Some(&b) = lx.bytes.get(start) else {
            tokens.push(Token { kind: Tok::Eof, start });
            return Ok(tokens);
        };
        let after_label = match tokens.last() {
            Some(Token { kind: Tok::Label(l), .. }) => Some(l.clone()),
            _ => None,
        };
        let kind = match b {
            b'(' => {
                lx.pos += 1;
                Tok::LParen
            }
            b')' => {
                lx.pos += 1;
                Tok::RParen
            }
            b'{' => {
                lx.pos += 1;
                Tok::LBrace
            }
            b'}' => {
                lx.pos += 1;
                Tok::RBrace
            }
            b',' => {
                lx.pos += 1;
                Tok::Comma
            }
            b'"' | b'\'' => {
                let quote = b as char;
                let body = &input[start + 1..];
                match body.find(quote) {
                    Some(len) => {
                        lx.pos = start + 1 + len + 1;
                        Tok::Str(body[..len].to_string())
                    }
                    None => {
                        return Err(lx.error(
                            start,
                            format!(
                                "the value opened with {quote} is never closed; close it with {quote} \
                                 (Calico has no escapes: use the other quote around a value that holds a {quote})"
                            ),
                        ));
                    }
                }
            }
            b'=' => {
                if lx.rest().starts_with("==") {
                    lx.pos += 2;
                    Tok::Eq
                } else {
                    return Err(lx.error(start, "expected '==' (a single '=' is not an operator)"));
                }
            }
            b'!' => {
                if lx.rest().starts_with("!=") {
                    lx.pos += 2;
                    Tok::Ne
                } else {
                    lx.pos += 1;
                    Tok::Not
                }
            }
            b'&' => {
                if lx.rest().starts_with("&&") {
                    lx.pos += 2;
                    Tok::And
                } else {
                    return Err(lx.error(start, "expected '&&' (a single '&' is not an operator)"));
                }
            }
            b'|' => {
                if lx.rest().starts_with("||") {
                    lx.pos += 2;
                    Tok::Or
                } else {
                    return Err(lx.error(start, "expected '||' (a single '|' is not an operator)"));
                }
            }
            b'\n' | b'\r' => {
                return Err(lx.error(
                    start,
                    "a line break is not allowed in a Calico selector (only spaces and tabs separate tokens); \
                     write the selector on one line",
                ));
            }
            _ => {
                if let Some(label) = after_label {
                    // A label must be followed by an operator; Calico matches the words by prefix.
                    let rest = lx.rest();
                    if rest.starts_with("contains") {
                        lx.pos += "contains".len();
                        Tok::Contains
                    } else if rest.starts_with("starts") {
                        lx.pos += "starts".len();
                        lx.second_word("starts", "with", &label)?;
                        Tok::StartsWith
                    } else if rest.starts_with("ends") {
                        lx.pos += "ends".len();
                        lx.second_word("ends", "with", &label)?;
                        Tok::EndsWith
                    } else if rest.starts_with("not") {
                        lx.pos += "not".len();
                        lx.second_word("not", "in", &label)?;
                        Tok::NotIn
                    } else if rest.starts_with("in") {
                        lx.pos += "in".len();
                        Tok::In
                    } else {
                        return Err(lx.error(
                            start,
                            format!("expected an operator after label '{label}' ({OPERATORS}), found {}", lx.found()),
                        ));
                    }
                } else if lx.rest().starts_with("has(") {
                    lx.pos += "has(".len();
                    lx.skip_blanks();
                    let key = lx.key();
                    if key.is_empty() {
                        return Err(
                            lx.error(lx.pos, format!("expected a label name inside has( ), found {}", lx.found()))
                        );
                    }
                    let key = key.to_string();
                    lx.close_call("has", start)?;
                    Tok::Has(key)
                } else if lx.rest().starts_with("all(") {
                    lx.pos += "all(".len();
                    lx.close_call("all", start)?;
                    Tok::All
                } else if lx.rest().starts_with("global(") {
                    lx.pos += "global(".len();
                    lx.close_call("global", start)?;
                    Tok::Global
                } else if is_key_byte(b) {
                    Tok::Label(lx.key().to_string())
                } else {
                    return Err(lx.error(
                        start,
                        format!(
                            "unexpected {}; a label may only hold letters, digits, '_', '.', '/' and '-', \
                             and values must be quoted",
                            lx.found()
                        ),
                    ));
                }
            }
        };
        tokens.push(Token { kind, start });
    }
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn error_at(&self, t: &Token, message: String) -> ParseError {
        ParseError { column: column(self.input, t.start), message }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.and()?];
        while self.peek().kind == Tok::Or {
            self.next();
            operands.push(self.and()?);
        }
        Ok(if operands.len() == 1 { operands.pop().unwrap_or(Expr::All) } else { Expr::Or(flatten(operands, false)) })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.operation()?];
        while self.peek().kind == Tok::And {
            self.next();
            operands.push(self.operation()?);
        }
        Ok(if operands.len() == 1 { operands.pop().unwrap_or(Expr::All) } else { Expr::And(flatten(operands, true)) })
    }

    /// One possibly negated operation: a match operator, or a parenthesised expression.
    fn operation(&mut self) -> Result<Expr, ParseError> {
        let mut negated = false;
        while self.peek().kind == Tok::Not {
            self.next();
            negated = !negated;
        }
        let t = self.next();
        let e = match t.kind {
            Tok::All => Expr::All,
            Tok::Global => Expr::Global,
            Tok::Has(k) => Expr::Has(k),
            Tok::Label(key) => self.comparison(key)?,
            Tok::LParen => {
                let e = self.or()?;
                let close = self.next();
                if close.kind != Tok::RParen {
                    return Err(self.error_at(
                        &close,
                        format!(
                            "expected ')' to close the '(' at column {}, found {}",
                            column(self.input, t.start),
                            close.describe()
                        ),
                    ));
                }
                e
            }
            _ => {
                return Err(self.error_at(
                    &t,
                    format!("expected a label, '(', '!', has(label), all() or global(), found {}", t.describe()),
                ));
            }
        };
        Ok(if negated { e.negate() } else { e })
    }

    /// `key OP value` or `key [not] in {set}`, after the label.
    fn comparison(&mut self, key: String) -> Result<Expr, ParseError> {
        let op = self.next();
        match op.kind {
            Tok::Eq | Tok::Ne | Tok::Contains | Tok::StartsWith | Tok::EndsWith => {
                let v = self.next();
                let Tok::Str(value) = v.kind else {
                    return Err(self.error_at(
                        &v,
                        format!("expected a quoted value after {}, found {}", op.describe(), v.describe()),
                    ));
                };
                Ok(match op.kind {
                    Tok::Eq => Expr::Eq(key, value),
                    Tok::Ne => Expr::Ne(key, value),
                    Tok::Contains => Expr::Contains(key, value),
                    Tok::StartsWith => Expr::StartsWith(key, value),
                    _ => Expr::EndsWith(key, value),
                })
            }
            Tok::In | Tok::NotIn => {
                let open = self.next();
                if open.kind != Tok::LBrace {
                    return Err(self.error_at(
                        &open,
                        format!(
                            "expected a set such as {{\"a\", \"b\"}} after {}, found {}",
                            op.describe(),
                            open.describe()
                        ),
                    ));
                }
                let mut values = BTreeSet::new();
                while let Tok::Str(v) = &self.peek().kind {
                    values.insert(v.clone());
                    self.next();
                    if self.peek().kind == Tok::Comma {
                        self.next();
                    } else {
                        break;
                    }
                }
                let close = self.next();
                if close.kind != Tok::RBrace {
                    let expected = if values.is_empty() { "a quoted value or '}'" } else { "',' or '}'" };
                    return Err(self.error_at(
                        &close,
                        format!(
                            "expected {expected} in the set opened at column {}, found {}",
                            column(self.input, open.start),
                            close.describe()
                        ),
                    ));
                }
                Ok(if op.kind == Tok::In { Expr::In(key, values) } else { Expr::NotIn(key, values) })
            }
            _ => Err(self.error_at(
                &op,
                format!("expected an operator after label '{key}' ({OPERATORS}), found {}", op.describe()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn err(s: &str) -> ParseError {
        match parse(s) {
            Ok(e) => panic!("{s:?} should not parse, got {e}"),
            Err(e) => e,
        }
    }

    fn set(vs: &[&str]) -> BTreeSet<String> {
        vs.iter().map(|v| v.to_string()).collect()
    }

    fn eq(k: &str, v: &str) -> Expr {
        Expr::Eq(k.into(), v.into())
    }

    // --- every operator -------------------------------------------------------------------

    #[test]
    fn equals_needs_the_label_with_that_value() {
        let e = p(r#"app == "api""#);
        assert_eq!(e, eq("app", "api"));
        assert!(e.matches(&labels(&[("app", "api")])));
        assert!(!e.matches(&labels(&[("app", "web")])));
        assert!(!e.matches(&labels(&[])));
    }

    #[test]
    fn not_equals_also_matches_a_missing_label() {
        let e = p(r#"app != "api""#);
        assert_eq!(e, Expr::Ne("app".into(), "api".into()));
        assert!(e.matches(&labels(&[("app", "web")])));
        assert!(e.matches(&labels(&[])));
        assert!(!e.matches(&labels(&[("app", "api")])));
    }

    #[test]
    fn in_needs_the_label_with_a_listed_value() {
        let e = p(r#"tier in {"web", "api"}"#);
        assert_eq!(e, Expr::In("tier".into(), set(&["api", "web"])));
        assert!(e.matches(&labels(&[("tier", "api")])));
        assert!(!e.matches(&labels(&[("tier", "db")])));
        assert!(!e.matches(&labels(&[])));
    }

    #[test]
    fn not_in_also_matches_a_missing_label() {
        let e = p(r#"tier not in {"web", "api"}"#);
        assert!(e.matches(&labels(&[("tier", "db")])));
        assert!(e.matches(&labels(&[])));
        assert!(!e.matches(&labels(&[("tier", "web")])));
    }

    #[test]
    fn empty_sets_match_nothing_for_in_and_everything_for_not_in() {
        assert!(!p("a in {}").matches(&labels(&[("a", "")])));
        assert!(p("a not in {}").matches(&labels(&[("a", "x")])));
        assert!(p("a not in {}").matches(&labels(&[])));
    }

    #[test]
    fn sets_are_sorted_deduplicated_and_accept_a_trailing_comma() {
        assert_eq!(p(r#"a in {"b", "a", "b",}"#), Expr::In("a".into(), set(&["a", "b"])));
        assert_eq!(p(r#"a in {"b", "a", "b",}"#).to_string(), r#"a in {"a", "b"}"#);
    }

    #[test]
    fn has_needs_the_label_whatever_its_value() {
        let e = p("has(canary)");
        assert_eq!(e, Expr::Has("canary".into()));
        assert!(e.matches(&labels(&[("canary", "")])));
        assert!(!e.matches(&labels(&[])));
    }

    #[test]
    fn not_has_needs_the_label_absent() {
        let e = p("!has(canary)");
        assert_eq!(e, Expr::Has("canary".into()).negate());
        assert!(e.matches(&labels(&[])));
        assert!(!e.matches(&labels(&[("canary", "true")])));
    }

    #[test]
    fn all_and_the_empty_selector_match_everything() {
        for s in ["all()", "", "   ", "\t", "all( )", "  all(\t)  "] {
            assert_eq!(p(s), Expr::All, "{s:?}");
            assert!(p(s).matches(&labels(&[])));
        }
        assert!(!p("!all()").matches(&labels(&[])));
    }

    #[test]
    fn global_is_true_against_labels_and_its_scope_is_the_callers() {
        assert_eq!(p("global()"), Expr::Global);
        assert!(p("global()").matches(&labels(&[("a", "b")])));
        assert!(!p("!global()").matches(&labels(&[])));
    }

    #[test]
    fn contains_starts_with_and_ends_with_need_the_label() {
        let c = p(r#"env contains "rod""#);
        let s = p(r#"env starts with "pro""#);
        let e = p(r#"env ends with "od""#);
        let prod = labels(&[("env", "prod")]);
        let dev = labels(&[("env", "dev")]);
        assert!(c.matches(&prod) && s.matches(&prod) && e.matches(&prod));
        assert!(!c.matches(&dev) && !s.matches(&dev) && !e.matches(&dev));
        for x in [&c, &s, &e] {
            assert!(!x.matches(&labels(&[])), "{x} without the label");
        }
        // The empty string is a prefix, suffix and part of every value, but the label must exist.
        assert!(p(r#"env contains """#).matches(&labels(&[("env", "")])));
        assert!(!p(r#"env starts with """#).matches(&labels(&[])));
    }

    #[test]
    fn negation_and_conjunction_and_disjunction() {
        let e = p(r#"app == "a" && !(tier == "x" || tier == "y")"#);
        assert!(e.matches(&labels(&[("app", "a"), ("tier", "z")])));
        assert!(e.matches(&labels(&[("app", "a")])));
        assert!(!e.matches(&labels(&[("app", "a"), ("tier", "y")])));
        assert!(!e.matches(&labels(&[("app", "b")])));
    }

    // --- precedence -----------------------------------------------------------------------

    #[test]
    fn and_binds_tighter_than_or() {
        let e = p(r#"a == "1" || b == "1" && c == "1""#);
        assert_eq!(e, Expr::Or(vec![eq("a", "1"), Expr::And(vec![eq("b", "1"), eq("c", "1")])]));
        assert!(e.matches(&labels(&[("a", "1")])));
        assert!(!e.matches(&labels(&[("b", "1")])));
    }

    #[test]
    fn not_applies_to_one_operation_only() {
        let e = p(r#"!a == "1" && b == "1""#);
        assert_eq!(e, Expr::And(vec![eq("a", "1").negate(), eq("b", "1")]));
        assert!(e.matches(&labels(&[("b", "1")])));
        assert!(!e.matches(&labels(&[("a", "1"), ("b", "1")])));
    }

    #[test]
    fn not_applies_to_a_parenthesised_group() {
        let e = p(r#"!(a == "1" || b == "1")"#);
        assert_eq!(e, Expr::Or(vec![eq("a", "1"), eq("b", "1")]).negate());
        assert!(e.matches(&labels(&[])));
        assert!(!e.matches(&labels(&[("b", "1")])));
    }

    #[test]
    fn repeated_negations_cancel_in_pairs() {
        assert_eq!(p("!!has(a)"), Expr::Has("a".into()));
        assert_eq!(p("!!!has(a)"), p("!has(a)"));
        assert_eq!(p("! ! has(a)"), Expr::Has("a".into()));
        assert_eq!(p("!(!has(a))"), Expr::Has("a".into()));
    }

    #[test]
    fn the_documented_bracketing_example() {
        // From the "Selectors" section of Calico's NetworkPolicy reference.
        let e = p("! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}");
        let expected = Expr::Or(vec![
            Expr::Has("my-label".into()).negate(),
            Expr::And(vec![
                Expr::StartsWith("my-label".into(), "prod".into()),
                Expr::In("role".into(), set(&["business", "frontend"])),
            ]),
        ]);
        assert_eq!(e, expected);
        assert_eq!(
            p("((!(has(my-label)) || ((my-label starts with 'prod') && (role in {'frontend','business'}))))"),
            expected
        );
    }

    #[test]
    fn nested_chains_of_one_operator_are_flattened() {
        assert_eq!(p("(has(a) && has(b)) && has(c)"), p("has(a) && (has(b) && has(c))"));
        assert_eq!(p("(has(a) || has(b)) || has(c)").to_string(), "has(a) || has(b) || has(c)");
        assert_eq!(p("((((has(a)))))"), Expr::Has("a".into()));
    }

    // --- quoting and keys -----------------------------------------------------------------

    #[test]
    fn single_and_double_quotes_are_equivalent() {
        assert_eq!(p("a == 'x'"), p(r#"a == "x""#));
        assert_eq!(p(r#"a in {'x', "y"}"#), Expr::In("a".into(), set(&["x", "y"])));
    }

    #[test]
    fn a_value_may_hold_the_other_quote_and_anything_else() {
        assert_eq!(p(r#"a == 'say "hi"'"#), eq("a", r#"say "hi""#));
        assert_eq!(p(r#"a == "it's""#), eq("a", "it's"));
        assert_eq!(p(r#"a == "x && y || !(z) {,}""#), eq("a", "x && y || !(z) {,}"));
        assert_eq!(p(r#"a == "" "#), eq("a", ""));
        assert_eq!(p("a == 'ünïcødé ✓'"), eq("a", "ünïcødé ✓"));
        // Printed back with the quote that the value does not hold.
        assert_eq!(p(r#"a == 'say "hi"'"#).to_string(), r#"a == 'say "hi"'"#);
        assert_eq!(p(r#"a == 'it"s'"#).to_string(), r#"a == 'it"s'"#);
        assert_eq!(p("a == 'plain'").to_string(), r#"a == "plain""#);
    }

    #[test]
    fn keys_take_prefixes_dots_slashes_dashes_and_underscores() {
        for key in [
            "app.kubernetes.io/name",
            "projectcalico.org/namespace",
            "pcns.kubernetes.io/metadata.name",
            "pcsa.projectcalico.org/name",
            "my_label-2",
            "1-starts-with-a-digit",
            "-",
        ] {
            assert_eq!(p(&format!("{key} == 'x'")), eq(key, "x"), "{key}");
            assert_eq!(p(&format!("has({key})")), Expr::Has(key.into()), "{key}");
        }
    }

    #[test]
    fn operator_words_can_be_keys() {
        assert_eq!(p("has == 'x'"), eq("has", "x"));
        assert_eq!(p("all == 'x' && global == 'y'"), Expr::And(vec![eq("all", "x"), eq("global", "y")]));
        assert_eq!(p("in in {'a'}"), Expr::In("in".into(), set(&["a"])));
        assert_eq!(p("contains contains 'c'"), Expr::Contains("contains".into(), "c".into()));
        assert_eq!(p("not not in {}"), Expr::NotIn("not".into(), set(&[])));
    }

    // --- whitespace -----------------------------------------------------------------------

    #[test]
    fn blanks_are_optional_between_tokens() {
        assert_eq!(p(r#"a=="1"&&b!="2"||!has(c)"#), p(r#"a == "1" && b != "2" || !has(c)"#));
        assert_eq!(p("a in{'x'}"), p("a in {'x'}"));
        assert_eq!(p("has(\t a \t)"), Expr::Has("a".into()));
    }

    #[test]
    fn tabs_count_as_blanks_and_two_word_operators_take_any_blanks() {
        assert_eq!(p("a\tnot \t in {'x'}"), Expr::NotIn("a".into(), set(&["x"])));
        assert_eq!(p("a starts    with 'x'"), Expr::StartsWith("a".into(), "x".into()));
        assert_eq!(p("a ends\twith 'x'"), Expr::EndsWith("a".into(), "x".into()));
    }

    #[test]
    fn operator_words_are_matched_by_prefix_as_calico_does() {
        assert_eq!(p("a notin {'x'}"), Expr::NotIn("a".into(), set(&["x"])));
        assert_eq!(p("a startswith 'x'"), Expr::StartsWith("a".into(), "x".into()));
        assert_eq!(p("a endswith 'x'"), Expr::EndsWith("a".into(), "x".into()));
        assert_eq!(p("a contains'x'"), Expr::Contains("a".into(), "x".into()));
    }

    #[test]
    fn a_line_break_is_an_error_with_its_column() {
        let e = err("app == 'a' &&\nteam == 'b'");
        assert_eq!(e.column, 14);
        assert!(e.message.contains("line break"), "{e}");
        assert_eq!(err("has(a)\r\n").column, 7);
    }

    // --- errors, with the column ----------------------------------------------------------

    #[test]
    fn error_unterminated_value() {
        let e = err(r#"app == "api"#);
        assert_eq!(e.column, 8);
        assert!(e.message.contains("never closed"), "{e}");
        assert_eq!(e.to_string(), format!("column 8: {}", e.message));
    }

    #[test]
    fn error_single_equals_ampersand_and_bar() {
        let e = err("app = 'x'");
        assert_eq!((e.column, e.message.starts_with("expected '=='")), (5, true), "{e}");
        let e = err("has(a) & has(b)");
        assert_eq!((e.column, e.message.starts_with("expected '&&'")), (8, true), "{e}");
        let e = err("has(a) | has(b)");
        assert_eq!((e.column, e.message.starts_with("expected '||'")), (8, true), "{e}");
    }

    #[test]
    fn error_value_not_quoted() {
        let e = err("app == api");
        assert_eq!(e.column, 8);
        assert_eq!(e.message, "expected a quoted value after '==', found label 'api'");
    }

    #[test]
    fn error_label_without_operator() {
        let e = err("app");
        assert_eq!(e.column, 4);
        assert!(e.message.starts_with("expected an operator after label 'app'"), "{e}");
        assert!(e.message.ends_with("found the end of the selector"), "{e}");
        let e = err("app && has(b)");
        assert_eq!(e.column, 5);
        assert!(e.message.ends_with("found '&&'"), "{e}");
        let e = err("app is 'x'");
        assert_eq!(e.column, 5);
        assert!(e.message.contains("found 'i'"), "{e}");
    }

    #[test]
    fn error_two_word_operator_cut_short() {
        let e = err("a starts 'x'");
        assert_eq!(e.column, 10);
        assert!(e.message.starts_with("expected 'with' after 'starts'"), "{e}");
        let e = err("a not {'x'}");
        assert_eq!(e.column, 7);
        assert!(e.message.starts_with("expected 'in' after 'not'"), "{e}");
    }

    #[test]
    fn error_set_literal() {
        let e = err("a in 'x'");
        assert_eq!(e.column, 6);
        assert!(e.message.starts_with("expected a set such as"), "{e}");
        let e = err("a in {'x' 'y'}");
        assert_eq!(e.column, 11);
        assert_eq!(e.message, "expected ',' or '}' in the set opened at column 6, found the value \"y\"");
        let e = err("a in {,}");
        assert_eq!(e.column, 7);
        assert!(e.message.starts_with("expected a quoted value or '}'"), "{e}");
        let e = err("a in {'x'");
        assert_eq!(e.column, 10);
    }

    #[test]
    fn error_parentheses() {
        let e = err("(has(a) || has(b)");
        assert_eq!(e.column, 18);
        assert_eq!(e.message, "expected ')' to close the '(' at column 1, found the end of the selector");
        let e = err("has(a))");
        assert_eq!(e.column, 7);
        assert!(e.message.starts_with("expected '&&', '||' or the end of the selector, found ')'"), "{e}");
        let e = err("()");
        assert_eq!(e.column, 2);
        assert!(e.message.starts_with("expected a label, '(', '!'"), "{e}");
    }

    #[test]
    fn error_calls() {
        let e = err("has()");
        assert_eq!(e.column, 5);
        assert!(e.message.starts_with("expected a label name inside has( )"), "{e}");
        let e = err("has(a b)");
        assert_eq!(e.column, 7);
        assert_eq!(e.message, "expected ')' after the label in the has( at column 1, found 'b'");
        let e = err("all(x)");
        assert_eq!(e.column, 5);
        assert_eq!(e.message, "expected ')' to close the all( at column 1, found 'x'");
        let e = err("global( ");
        assert_eq!(e.column, 9);
        // A blank between the word and the parenthesis makes the word a label, as in Calico.
        let e = err("has (a)");
        assert_eq!(e.column, 5);
        assert!(e.message.starts_with("expected an operator after label 'has'"), "{e}");
    }

    #[test]
    fn error_dangling_connectives_and_negation() {
        let e = err("has(a) &&");
        assert_eq!(e.column, 10);
        assert!(e.message.ends_with("found the end of the selector"), "{e}");
        let e = err("|| has(a)");
        assert_eq!(e.column, 1);
        let e = err("!");
        assert_eq!(e.column, 2);
        let e = err("has(a) has(b)");
        assert_eq!(e.column, 8);
    }

    #[test]
    fn error_columns_count_characters_not_bytes() {
        let e = err("a == 'é' &");
        assert_eq!(e.column, 10);
        let e = err("é == 'x'");
        assert_eq!(e.column, 1);
        assert!(e.message.contains("'é'"), "{e}");
    }

    #[test]
    fn error_pointer_puts_a_caret_under_the_column() {
        let input = "app ==\t'x' & b";
        let e = err(input);
        assert_eq!(e.column, 12);
        assert_eq!(e.pointer(input), "app == 'x' & b\n           ^");
    }

    // --- explanation ----------------------------------------------------------------------

    #[test]
    fn misses_name_every_failed_conjunct_with_the_actual_value() {
        let e = p(r#"app == "api" && tier in {"back"} && !has(canary) && has(team)"#);
        let m = e.misses(&labels(&[("app", "web"), ("canary", "yes"), ("team", "x")]));
        let shown: Vec<String> = m.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                r#"needs app == "api" but has app=web"#,
                r#"needs tier in {"back"} but has no tier label"#,
                "needs !has(canary) but has canary=yes",
            ]
        );
        assert!(e.misses(&labels(&[("app", "api"), ("tier", "back"), ("team", "x")])).is_empty());
    }

    #[test]
    fn misses_of_a_disjunction_are_those_of_its_nearest_alternative() {
        let e = p(r#"(app == "a" && tier == "t" && env == "e") || (app == "b" && team == "x")"#);
        let m = e.misses(&labels(&[("app", "c"), ("tier", "t"), ("env", "e")]));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].requirement, r#"app == "a""#);
        assert_eq!(m[0].actual.as_deref(), Some("c"));
        // Equally near: the first alternative.
        let m = p("has(x) || has(y)").misses(&labels(&[]));
        assert_eq!(m[0].requirement, "has(x)");
    }

    #[test]
    fn misses_of_a_negated_group_report_the_group() {
        let e = p(r#"!(a == "1" && b == "2")"#);
        let m = e.misses(&labels(&[("a", "1"), ("b", "2")]));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].to_string(), r#"needs !(a == "1" && b == "2"), which these labels do not meet"#);
        assert_eq!(p("!all()").misses(&labels(&[])).len(), 1);
    }

    #[test]
    fn misses_are_empty_exactly_when_the_expression_matches() {
        let mut rng = Rng(7);
        for _ in 0..2000 {
            let g = gen_tree(&mut rng, 3);
            let e = p(&render(&g, &mut rng));
            let l = random_labels(&mut rng);
            assert_eq!(e.misses(&l).is_empty(), e.matches(&l), "{e} on {l:?}");
        }
    }

    // --- helpers for the policy layer -----------------------------------------------------

    #[test]
    fn prefixed_rewrites_every_key() {
        let e = p(r#"team == "x" && !has(env) || tier in {"a"}"#).prefixed("pcns.");
        assert_eq!(e.to_string(), r#"pcns.team == "x" && !has(pcns.env) || pcns.tier in {"a"}"#);
    }

    #[test]
    fn namespace_scope_maps_all_and_global_as_calico_does() {
        assert_eq!(p("all()").namespace_scope().to_string(), "has(projectcalico.org/namespace)");
        assert_eq!(p("global()").namespace_scope().to_string(), "!has(projectcalico.org/namespace)");
        assert_eq!(
            p("team == 'x' || global()").namespace_scope().to_string(),
            r#"pcns.team == "x" || !has(projectcalico.org/namespace)"#
        );
        assert_eq!(p("!global()").namespace_scope().to_string(), "has(projectcalico.org/namespace)");
        let ns_pod = labels(&[("projectcalico.org/namespace", "prod"), ("pcns.team", "x")]);
        let global_set = labels(&[("role", "dns")]);
        let scope = p("global()").namespace_scope();
        assert!(!scope.matches(&ns_pod) && scope.matches(&global_set));
    }

    #[test]
    fn and_or_negate_build_normal_forms() {
        let a = Expr::Has("a".into());
        let b = Expr::Has("b".into());
        assert_eq!(Expr::All.and(a.clone()), a);
        assert_eq!(a.clone().and(b.clone()).and(a.clone()), Expr::And(vec![a.clone(), b.clone(), a.clone()]));
        assert_eq!(a.clone().or(b.clone().or(a.clone())), Expr::Or(vec![a.clone(), b.clone(), a.clone()]));
        assert_eq!(a.clone().negate().negate(), a);
        assert_eq!("has(a)".parse::<Expr>(), Ok(a));
    }

    // --- property tests -------------------------------------------------------------------

    /// SplitMix64: a deterministic source of random selectors and label sets.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len() as u64) as usize]
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
    }

    const KEYS: &[&str] = &["app", "tier", "app.kubernetes.io/name", "pcns.team", "has", "in", "a-b_c"];
    /// Values that stress the lexer: quotes of either kind, operators, braces, blanks, the empty
    /// string, non-ASCII.
    const VALUES: &[&str] = &["a", "b", "ab", "", "x y", "it's", r#"say "hi""#, "&&", "||", "{,}", "()", "é✓", "!="];

    /// The reference: a selector tree of its own, evaluated naively, independent of `Expr`.
    #[derive(Debug, Clone)]
    enum Gen {
        All,
        Global,
        Has(&'static str),
        Cmp(&'static str, &'static str, &'static str),
        Set(&'static str, bool, Vec<&'static str>),
        Not(Box<Gen>),
        And(Box<Gen>, Box<Gen>),
        Or(Box<Gen>, Box<Gen>),
    }

    fn gen_tree(rng: &mut Rng, depth: u32) -> Gen {
        if depth == 0 || rng.chance(35) {
            return match rng.below(12) {
                0 => Gen::All,
                1 => Gen::Global,
                2 | 3 => Gen::Has(rng.pick(KEYS)),
                4..=8 => Gen::Cmp(
                    rng.pick(KEYS),
                    rng.pick(&["==", "!=", "contains", "starts with", "ends with"]),
                    rng.pick(VALUES),
                ),
                _ => {
                    let n = rng.below(4);
                    Gen::Set(rng.pick(KEYS), rng.chance(50), (0..n).map(|_| rng.pick(VALUES)).collect())
                }
            };
        }
        match rng.below(3) {
            0 => Gen::Not(Box::new(gen_tree(rng, depth - 1))),
            1 => Gen::And(Box::new(gen_tree(rng, depth - 1)), Box::new(gen_tree(rng, depth - 1))),
            _ => Gen::Or(Box::new(gen_tree(rng, depth - 1)), Box::new(gen_tree(rng, depth - 1))),
        }
    }

    fn eval(g: &Gen, l: &Labels) -> bool {
        match g {
            Gen::All | Gen::Global => true,
            Gen::Has(k) => l.contains_key(k),
            Gen::Cmp(k, op, v) => match (l.get(k), *op) {
                (None, "!=") => true,
                (None, _) => false,
                (Some(x), "==") => x == v,
                (Some(x), "!=") => x != v,
                (Some(x), "contains") => x.contains(v),
                (Some(x), "starts with") => x.starts_with(v),
                (Some(x), _) => x.ends_with(v),
            },
            Gen::Set(k, negated, vs) => match l.get(k) {
                None => *negated,
                Some(x) => vs.contains(&x.as_str()) != *negated,
            },
            Gen::Not(g) => !eval(g, l),
            Gen::And(a, b) => eval(a, l) && eval(b, l),
            Gen::Or(a, b) => eval(a, l) || eval(b, l),
        }
    }

    /// Blanks the lexer must accept where one is optional.
    fn blank(rng: &mut Rng) -> &'static str {
        rng.pick(&["", "", " ", " ", "  ", "\t", " \t "])
    }

    /// At least one blank (between two words).
    fn blank1(rng: &mut Rng) -> &'static str {
        rng.pick(&[" ", " ", "\t", "   "])
    }

    fn quote(rng: &mut Rng, v: &str) -> String {
        let q = if v.contains('"') {
            '\''
        } else if v.contains('\'') {
            '"'
        } else {
            rng.pick(&['"', '\''])
        };
        format!("{q}{v}{q}")
    }

    /// Renders the reference tree in a random but valid surface syntax: parentheses where
    /// precedence needs them and sometimes where it does not, random blanks and quotes, `!!`.
    fn render(g: &Gen, rng: &mut Rng) -> String {
        let inner = match g {
            Gen::All => format!("all({})", blank(rng)),
            Gen::Global => format!("global({})", blank(rng)),
            Gen::Has(k) => format!("has({}{k}{})", blank(rng), blank(rng)),
            Gen::Cmp(k, op, v) => {
                // A word operator needs a blank after the label only to end the label: the
                // operator words are themselves label characters.
                let before = if op.chars().next().is_some_and(char::is_alphabetic) { blank1(rng) } else { blank(rng) };
                let op = op.replace(' ', blank1(rng));
                format!("{k}{before}{op}{}{}", blank(rng), quote(rng, v))
            }
            Gen::Set(k, negated, vs) => {
                let op = if *negated { format!("not{}in", blank1(rng)) } else { "in".to_string() };
                let mut items: Vec<String> = vs.iter().map(|v| quote(rng, v)).collect();
                if !items.is_empty() && rng.chance(20) {
                    items.push(String::new()); // a trailing comma
                }
                let sep = format!("{},{}", blank(rng), blank(rng));
                format!("{k}{}{op}{}{{{}{}{}}}", blank1(rng), blank(rng), blank(rng), items.join(&sep), blank(rng))
            }
            Gen::Not(x) => {
                let bang = if rng.chance(15) { "!!!" } else { "!" };
                format!("{bang}{}{}", blank(rng), group(x, 3, rng))
            }
            Gen::And(a, b) => format!("{}{}&&{}{}", group(a, 2, rng), blank(rng), blank(rng), group(b, 2, rng)),
            Gen::Or(a, b) => format!("{}{}||{}{}", group(a, 1, rng), blank(rng), blank(rng), group(b, 1, rng)),
        };
        if rng.chance(8) { format!("({}{inner}{})", blank(rng), blank(rng)) } else { inner }
    }

    /// `g` rendered as an operand of an operator of precedence `level` (1 `||`, 2 `&&`, 3 `!`).
    fn group(g: &Gen, level: u8, rng: &mut Rng) -> String {
        let own = match g {
            Gen::Or(..) => 1,
            Gen::And(..) => 2,
            _ => 3,
        };
        let s = render(g, rng);
        if own < level { format!("({s})") } else { s }
    }

    fn random_labels(rng: &mut Rng) -> Labels {
        let mut l = Labels::new();
        for k in KEYS {
            if rng.chance(45) {
                l.insert(k.to_string(), rng.pick(VALUES).to_string());
            }
        }
        l
    }

    #[test]
    fn property_parse_agrees_with_the_reference_on_random_labels() {
        let mut rng = Rng(0x5eed);
        for case in 0..3000 {
            let g = gen_tree(&mut rng, 4);
            let text = render(&g, &mut rng);
            let e = parse(&text).unwrap_or_else(|err| panic!("case {case}: {text:?} should parse: {err}"));
            for _ in 0..8 {
                let l = random_labels(&mut rng);
                assert_eq!(e.matches(&l), eval(&g, &l), "case {case}: {text:?} parsed as {e} on {l:?}");
            }
        }
    }

    #[test]
    fn property_printing_then_parsing_gives_the_same_expression() {
        let mut rng = Rng(42);
        for case in 0..3000 {
            let g = gen_tree(&mut rng, 4);
            let text = render(&g, &mut rng);
            let e = p(&text);
            let printed = e.to_string();
            assert_eq!(parse(&printed), Ok(e.clone()), "case {case}: {text:?} printed as {printed:?}");
            // The canonical form is a fixed point.
            assert_eq!(p(&printed).to_string(), printed, "case {case}");
        }
    }

    #[test]
    fn property_mutated_selectors_fail_with_a_column_inside_the_input() {
        // Truncations and stray characters either still parse or fail at a column within (or
        // just past) the input; never a panic.
        let mut rng = Rng(99);
        for _ in 0..3000 {
            let g = gen_tree(&mut rng, 3);
            let mut text = render(&g, &mut rng);
            match rng.below(3) {
                0 => {
                    let cut =
                        text.char_indices().map(|(i, _)| i).nth(rng.below(text.chars().count() as u64 + 1) as usize);
                    text.truncate(cut.unwrap_or(text.len()));
                }
                1 => {
                    let at =
                        text.char_indices().map(|(i, _)| i).nth(rng.below(text.chars().count() as u64 + 1) as usize);
                    text.insert(
                        at.unwrap_or(text.len()),
                        rng.pick(&['=', '&', '|', '(', ')', '{', '"', '\'', '\n', '%']),
                    );
                }
                _ => text.push_str(rng.pick(&[" &&", " ||", " !", " (", " )", " in", " x"])),
            }
            if let Err(e) = parse(&text) {
                assert!(e.column >= 1 && e.column <= text.chars().count() + 1, "{text:?}: {e}");
                assert!(!e.message.is_empty());
            }
        }
    }
}
