//! Text from manifests and clusters, made safe to print: control characters (a terminal escape
//! sequence in a crafted name, a carriage return that rewrites a table row) and the invisible
//! characters that reorder text are shown escaped (`\u{1b}`), never written raw.

use std::borrow::Cow;

/// Whether a character must not reach a terminal as itself.
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// `text` with every unprintable character escaped as `\u{..}`; borrowed when there is none.
pub fn escaped(text: &str) -> Cow<'_, str> {
    // Printable ASCII, the common case, byte by byte.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `escaped`, owned: for text kept in a snapshot.
pub fn printable(text: &str) -> String {
    escaped(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_escaped() {
        assert_eq!(escaped("web"), "web");
        assert!(matches!(escaped("web"), Cow::Borrowed(_)));
        assert_eq!(escaped("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escaped("x\ry\n\t"), "x\\u{d}y\\u{a}\\u{9}");
        assert_eq!(escaped("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(escaped("\u{85}"), "\\u{85}", "C1 controls too");
    }
}
