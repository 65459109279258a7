//! Plain-text tables for terminal summaries: right-aligned numbers, left-aligned text, a rule
//! under the header. No colour or terminal codes, so the output is the same in a pipe or a file.

use std::fmt;

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// A table of strings with a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTable {
    header: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// A table with these column headers and alignments.
    #[must_use]
    pub fn new(header: &[(&str, Align)]) -> Self {
        TextTable {
            header: header.iter().map(|(h, a)| ((*h).to_owned(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells print empty and extra cells are ignored.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.header.len())
            .map(Into::into)
            .collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }
}

impl fmt::Display for TextTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths: Vec<usize> = self
            .header
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[&str]| -> fmt::Result {
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    f.write_str("  ")?;
                }
                let w = widths[i];
                match self.header[i].1 {
                    Align::Left if i + 1 == cells.len() => f.write_str(cell)?,
                    Align::Left => write!(f, "{cell:<w$}")?,
                    Align::Right => write!(f, "{cell:>w$}")?,
                }
            }
            writeln!(f)
        };
        let header: Vec<&str> = self.header.iter().map(|(h, _)| h.as_str()).collect();
        line(f, &header)?;
        let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        writeln!(f, "{}", "-".repeat(total))?;
        for row in &self.rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            line(f, &cells)?;
        }
        Ok(())
    }
}

/// Formats an integer with thousands separators (`178789350` → `178,789,350`).
#[must_use]
pub fn group_thousands(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = TextTable::new(&[("year", Align::Left), ("volume_t", Align::Right)]);
        t.row(["2021", "178,789,350"]);
        t.row(["2022", "50,889,493"]);
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "year     volume_t");
        assert_eq!(lines[1], "-----------------");
        assert_eq!(lines[2], "2021  178,789,350");
        assert_eq!(lines[3], "2022   50,889,493");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands("178789350"), "178,789,350");
        assert_eq!(group_thousands("7661230022.99"), "7,661,230,022.99");
        assert_eq!(group_thousands("-1000"), "-1,000");
        assert_eq!(group_thousands("999"), "999");
    }
}
