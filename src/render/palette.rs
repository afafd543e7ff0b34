//! Colour, decided once and passed around as a value with semantic methods.
//!
//! The decision (terminal or not, `NO_COLOR`, `TERM=dumb`, `--color`) is made in
//! `context::Context::resolve`; renderers only ask the palette to paint a role.

use std::fmt::Display;

use owo_colors::{OwoColorize, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub const PLAIN: Palette = Palette { enabled: false };
    pub const COLORED: Palette = Palette { enabled: true };

    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    /// Decides `--color auto` the way fd, just and hyperfine do: colour on a terminal only, never
    /// when `NO_COLOR` is set to anything or `TERM` is `dumb`.
    pub fn auto(is_terminal: bool, no_color: Option<&std::ffi::OsStr>, term: Option<&str>) -> Self {
        let enabled = is_terminal && no_color.is_none() && term != Some("dumb");
        Palette { enabled }
    }

    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn paint(self, text: impl Display, style: Style) -> String {
        if self.enabled { text.style(style).to_string() } else { text.to_string() }
    }

    /// A positive outcome: allowed, deny in place.
    pub fn good(self, text: impl Display) -> String {
        self.paint(text, Style::new().green().bold())
    }
    /// A negative outcome: blocked, no isolation.
    pub fn bad(self, text: impl Display) -> String {
        self.paint(text, Style::new().red().bold())
    }
    /// Something to look at: a caveat, a partial state.
    pub fn warn(self, text: impl Display) -> String {
        self.paint(text, Style::new().yellow())
    }
    /// Names of objects: pods, policies, namespaces.
    pub fn name(self, text: impl Display) -> String {
        self.paint(text, Style::new().cyan())
    }
    /// Section headings.
    pub fn heading(self, text: impl Display) -> String {
        self.paint(text, Style::new().bold())
    }
    /// Secondary detail.
    pub fn dim(self, text: impl Display) -> String {
        self.paint(text, Style::new().dimmed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn auto_colours_only_on_a_terminal() {
        assert!(Palette::auto(true, None, Some("xterm-256color")).enabled());
        assert!(!Palette::auto(false, None, Some("xterm-256color")).enabled());
    }

    #[test]
    fn no_color_with_any_value_disables_colour() {
        assert!(!Palette::auto(true, Some(OsStr::new("")), None).enabled());
        assert!(!Palette::auto(true, Some(OsStr::new("1")), None).enabled());
    }

    #[test]
    fn dumb_terminal_disables_colour() {
        assert!(!Palette::auto(true, None, Some("dumb")).enabled());
    }

    #[test]
    fn plain_palette_adds_no_escape_codes() {
        assert_eq!(Palette::PLAIN.bad("blocked"), "blocked");
        assert!(Palette::COLORED.bad("blocked").contains('\u{1b}'));
    }
}
