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

/// A table written a line at a time, for tables too long to hold (`matrix` over thousands of
/// groups lists millions of lines): the caller measures every cell first, then writes the lines,
/// which read exactly as `render_with` renders the same rows. Cells arrive painted, with their
/// width unpainted, so that a text repeated on many lines is escaped and painted once.
pub struct Stream {
    widths: Vec<usize>,
    line: String,
}

impl Stream {
    /// Widths start at the header's, when it is shown.
    pub fn new(header: &[&str], headers: bool) -> Stream {
        let widths = header.iter().map(|h| if headers { width(h) } else { 0 }).collect();
        Stream { widths, line: String::new() }
    }

    /// Widens `column` to hold `plain_width` characters.
    pub fn measure(&mut self, column: usize, plain_width: usize) {
        self.widths[column] = self.widths[column].max(plain_width);
    }

    /// One line: `(painted text, plain width)` per column.
    pub fn line(&mut self, out: &mut dyn std::io::Write, cells: &[(&str, usize)]) -> std::io::Result<()> {
        self.line.clear();
        let last = cells.len().saturating_sub(1);
        for (i, (painted, plain_width)) in cells.iter().enumerate() {
            self.line.push_str(painted);
            if i < last {
                let mut pad = self.widths[i] - plain_width + 3;
                while pad > 0 {
                    let n = pad.min(SPACES.len());
                    self.line.push_str(&SPACES[..n]);
                    pad -= n;
                }
            }
        }
        let trimmed = self.line.trim_end_matches(' ').len();
        self.line.truncate(trimmed);
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }
}

const SPACES: &str = "                                                                ";

/// A cell's text as a table shows it (escaped) and its width.
pub fn shown(text: &str) -> (String, usize) {
    let text = super::escape::escaped(text).into_owned();
    let w = width(&text);
    (text, w)
}

/// A cell's text painted for its role.
pub fn painted(p: Palette, text: String, role: Role) -> String {
    paint(p, &Cell { text, role })
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
    fn a_streamed_table_reads_as_the_rendered_one() {
        for headers in [true, false] {
            for palette in [Palette::PLAIN, Palette::COLORED] {
                let rows = [["frontend", "ok", ""], ["a", "blocked", "x"], ["long-name-here", "", ""]];
                let mut t = new(palette, &["FROM", "VERDICT", "NOTE"]);
                let mut stream = Stream::new(&["FROM", "VERDICT", "NOTE"], headers);
                for row in &rows {
                    t.add_row(row.iter().map(|c| cell(c, Role::Name)).collect());
                    for (i, c) in row.iter().enumerate() {
                        stream.measure(i, width(c));
                    }
                }
                let mut out = Vec::new();
                if headers {
                    stream.line(&mut out, &[("FROM", 4), ("VERDICT", 7), ("NOTE", 4)]).unwrap();
                }
                for row in &rows {
                    let cells: Vec<(String, usize)> =
                        row.iter().map(|c| (painted(palette, c.to_string(), Role::Name), width(c))).collect();
                    let cells: Vec<(&str, usize)> = cells.iter().map(|(p, w)| (p.as_str(), *w)).collect();
                    stream.line(&mut out, &cells).unwrap();
                }
                assert_eq!(String::from_utf8(out).unwrap(), render_with(&t, headers));
            }
        }
    }

    #[test]
    fn no_line_ends_in_spaces() {
        let mut t = new(Palette::PLAIN, &["A", "B"]);
        t.add_row(vec![cell("x", Role::Plain), cell("", Role::Plain)]);
        assert!(render(&t).lines().all(|l| !l.ends_with(' ')));
    }
}
