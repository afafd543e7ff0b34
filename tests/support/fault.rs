//! Fault rules: which requests to fail or slow down (method, path pattern, which occurrence) and
//! how (status, message, body, `Retry-After`, delay).
//!
//! Only the rules and their matching; the server applies them and the router words the bodies.

use std::time::Duration;

use serde_json::Value;

/// A failure or delay injected for the requests that match a method and a path pattern.
///
/// The path pattern matches the request path (never the query); `*` stands for any run of
/// characters, `/` included. Without `.status()` the request is answered normally after the
/// delay. Rules are tried in the order they were injected; the first that fires wins. Each rule
/// counts the requests that match it, so `.nth(2)` fires on the second matching request only.
#[derive(Debug, Clone)]
pub struct Fault {
    method: Option<String>,
    pattern: String,
    occurrence: Occurrence,
    pub(super) delay: Option<Duration>,
    pub(super) status: Option<u16>,
    pub(super) message: Option<String>,
    pub(super) retry_after: Option<u64>,
    pub(super) body: Option<Value>,
    seen: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occurrence {
    Every,
    Nth(usize),
    First(usize),
}

impl Fault {
    /// `method`: `GET`, `PATCH`, ... or `*` for any.
    pub fn new(method: &str, path_pattern: &str) -> Fault {
        Fault {
            method: (method != "*").then(|| method.to_ascii_uppercase()),
            pattern: path_pattern.into(),
            occurrence: Occurrence::Every,
            delay: None,
            status: None,
            message: None,
            retry_after: None,
            body: None,
            seen: 0,
        }
    }

    /// Answer with this HTTP status and the `Status` body the real server sends for it (403 names
    /// the user, verb, resource, group and namespace of the request).
    pub fn status(mut self, code: u16) -> Fault {
        self.status = Some(code);
        self
    }

    /// Replace the generated `message` of the `Status` body.
    pub fn message(mut self, message: &str) -> Fault {
        self.message = Some(message.into());
        self
    }

    /// Send `Retry-After: secs` (and `details.retryAfterSeconds`), as 429 and 503 answers may.
    pub fn retry_after(mut self, secs: u64) -> Fault {
        self.retry_after = Some(secs);
        self
    }

    /// Replace the whole body (any JSON) of the answer.
    pub fn body(mut self, body: Value) -> Fault {
        self.body = Some(body);
        self
    }

    /// Wait this long before answering (with the fault's status, or normally without one).
    pub fn delay(mut self, delay: Duration) -> Fault {
        self.delay = Some(delay);
        self
    }

    /// Fire only on the `n`th matching request (1-based).
    pub fn nth(mut self, n: usize) -> Fault {
        assert!(n >= 1, "Fault::nth counts from 1");
        self.occurrence = Occurrence::Nth(n);
        self
    }

    /// Fire on the first `n` matching requests only.
    pub fn times(mut self, n: usize) -> Fault {
        self.occurrence = Occurrence::First(n);
        self
    }

    pub(super) fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method) && glob_match(&self.pattern, path)
    }

    /// Counts a matching request; true when the rule fires for it.
    pub(super) fn fire(&mut self) -> bool {
        self.seen += 1;
        match self.occurrence {
            Occurrence::Every => true,
            Occurrence::Nth(n) => self.seen == n,
            Occurrence::First(n) => self.seen <= n,
        }
    }
}

fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else { return false };
            (0..=rest.len()).filter(|&i| rest.is_char_boundary(i)).any(|i| glob_match(tail, &rest[i..]))
        }
    }
}
