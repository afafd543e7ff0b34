//! kubectl-style tables: no borders, upper-case headers, columns three spaces apart. The resolved
//! colour decision drives comfy-table too (it would otherwise ignore `NO_COLOR`).

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};

use super::Palette;

/// What a cell means, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Plain,
    Good,
    Bad,
    Warn,
    Name,
    Dim,
}

pub fn new(palette: Palette, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_content_arrangement(ContentArrangement::Disabled);
    if palette.enabled() {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    let last = header.len().saturating_sub(1);
    for (i, col) in t.column_iter_mut().enumerate() {
        col.set_padding((0, if i == last { 0 } else { 3 }));
    }
    t
}

pub fn cell(text: impl ToString, role: Role) -> Cell {
    let c = Cell::new(text.to_string());
    match role {
        Role::Plain => c,
        Role::Good => c.fg(Color::Green).add_attribute(Attribute::Bold),
        Role::Bad => c.fg(Color::Red).add_attribute(Attribute::Bold),
        Role::Warn => c.fg(Color::Yellow),
        Role::Name => c.fg(Color::Cyan),
        Role::Dim => c.add_attribute(Attribute::Dim),
    }
}

/// The table's lines with trailing spaces removed, each ending in a newline.
pub fn render(t: &Table) -> String {
    let mut s = String::new();
    for line in t.lines() {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tables_have_no_escape_codes_and_kubectl_spacing() {
        let mut t = new(Palette::PLAIN, &["NAME", "STATE"]);
        t.add_row(vec![cell("prod", Role::Name), cell("deny", Role::Good)]);
        let s = render(&t);
        assert_eq!(s, "NAME   STATE\nprod   deny\n");
    }

    #[test]
    fn coloured_tables_carry_escape_codes() {
        let mut t = new(Palette::COLORED, &["NAME"]);
        t.add_row(vec![cell("prod", Role::Bad)]);
        assert!(render(&t).contains('\u{1b}'));
    }
}
