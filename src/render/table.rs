//! kubectl-style tables: no borders, upper-case headers, columns three spaces apart, no trailing
//! spaces. Colour comes from the resolved palette, so `NO_COLOR` and `--color` hold here too.
//!
//! Hand-written rather than comfy-table: these tables need no wrapping or borders, and a
//! `matrix` over thousands of pods prints tens of thousands of rows, which comfy-table laid out
//! 25 times slower (0.5 s for 80,000 rows).

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    text: String,
    role: Role,
}

/// A cell; unprintable characters in `text` are shown escaped (see `escape`).
pub fn cell(text: impl ToString, role: Role) -> Cell {
    let text = text.to_string();
    let text = match super::escape::escaped(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    };
    Cell { text, role }
}

#[derive(Debug, Clone)]
pub struct Table {
    palette: Palette,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn add_row(&mut self, row: Vec<Cell>) -> &mut Self {
        self.rows.push(row);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

pub fn new(palette: Palette, header: &[&str]) -> Table {
    Table { palette, header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// The table's lines, each ending in a newline.
pub fn render(t: &Table) -> String {
    render_with(t, true)
}

/// The table's lines; without `headers` (`--no-headers`), the rows alone, aligned among
/// themselves as kubectl aligns them.
pub fn render_with(t: &Table, headers: bool) -> String {
    let columns = t.header.len().max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
    let mut widths = vec![0usize; columns];
    if headers {
        for (i, h) in t.header.iter().enumerate() {
            widths[i] = width(h);
        }
    }
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(&c.text));
        }
    }
    let mut out = String::with_capacity((t.rows.len() + 1) * (widths.iter().sum::<usize>() + 3 * columns + 1));
    let mut line = |cells: &mut dyn Iterator<Item = (String, usize)>| {
        let cells: Vec<(String, usize)> = cells.collect();
        let last = cells.len().saturating_sub(1);
        for (i, (painted, plain_width)) in cells.iter().enumerate() {
            out.push_str(painted);
            if i < last {
                let pad = widths[i] - plain_width + 3;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        // No trailing spaces: the last cell is never padded, and empty cells at the end drop out.
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    };
    if headers {
        line(&mut t.header.iter().map(|h| (h.clone(), width(h))));
    }
    for row in &t.rows {
        line(&mut row.iter().map(|c| (paint(t.palette, c), width(&c.text))));
    }
    out
}

fn paint(p: Palette, c: &Cell) -> String {
    match c.role {
        Role::Plain => c.text.clone(),
        Role::Good => p.good(&c.text),
        Role::Bad => p.bad(&c.text),
        Role::Warn => p.warn(&c.text),
        Role::Name => p.name(&c.text),
        Role::Dim => p.dim(&c.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tables_have_no_escape_codes_and_kubectl_spacing() {
        let mut t = new(Palette::PLAIN, &["NAME", "STATE"]);
        t.add_row(vec![cell("prod", Role::Name), cell("deny", Role::Good)]);
        t.add_row(vec![cell("kube-system", Role::Name), cell("none", Role::Bad)]);
        assert_eq!(render(&t), "NAME          STATE\nprod          deny\nkube-system   none\n");
    }

    #[test]
    fn coloured_cells_keep_the_columns_aligned() {
        let mut t = new(Palette::COLORED, &["A", "B"]);
        t.add_row(vec![cell("x", Role::Bad), cell("y", Role::Plain)]);
        t.add_row(vec![cell("long", Role::Plain), cell("z", Role::Plain)]);
        let s = render(&t);
        assert!(s.contains('\u{1b}'));
        let plain: String = s
            .split('\u{1b}')
            .map(|part| part.trim_start_matches(|c: char| c == '[' || c.is_ascii_digit() || c == ';' || c == 'm'))
            .collect();
        assert_eq!(plain, "A      B\nx      y\nlong   z\n");
    }

    #[test]
    fn without_headers_the_rows_are_aligned_among_themselves() {
        let mut t = new(Palette::PLAIN, &["NAMESPACE", "STATE"]);
        t.add_row(vec![cell("a", Role::Name), cell("deny", Role::Good)]);
        t.add_row(vec![cell("bb", Role::Name), cell("none", Role::Bad)]);
        assert_eq!(render_with(&t, false), "a    deny\nbb   none\n");
    }

    #[test]
    fn no_line_ends_in_spaces() {
        let mut t = new(Palette::PLAIN, &["A", "B"]);
        t.add_row(vec![cell("x", Role::Plain), cell("", Role::Plain)]);
        assert!(render(&t).lines().all(|l| !l.ends_with(' ')));
    }
}
