//! Tables as the product prints them: a header line and one line
//! per row, each cell left-aligned and padded to its column's widest cell, one space
//! between columns. Scripts split on white space, so tokens matter more than padding.

/// Formats a table: header and rows, each cell left-aligned and padded to its
/// column's widest cell, one space between columns (trailing blanks dropped).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    lines(header, rows.iter().map(|r| r.iter().map(String::as_str)))
}

/// [`table`] of rows given as cells borrowed from wherever they are, written
/// into one buffer: a display of 10,000 rows makes no string per cell or line.
pub fn lines<'a, R, C>(header: &[&str], rows: R) -> String
where
    R: Iterator<Item = C> + Clone,
    C: Iterator<Item = &'a str>,
{
    let width = |cell: &str| {
        if cell.is_ascii() {
            cell.len()
        } else {
            cell.chars().count()
        }
    };
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    let mut bytes = 0;
    for row in rows.clone() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
        bytes += 1;
    }
    let mut out =
        String::with_capacity((bytes + 1) * (widths.iter().sum::<usize>() + widths.len()));
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let start = out.len();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', w - width(cell)));
        }
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
        out.push('\n');
    };
    line(&mut out, &mut header.iter().copied());
    for mut row in rows {
        line(&mut out, &mut row);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_to_the_widest_cell() {
        let t = super::table(
            &["Server", "Device", "Size"],
            &[
                vec!["job2".into(), "/dev/vg01".into(), "1.0 Gbyte".into()],
                vec!["job2".into(), "/dev/hdisk10".into(), "2.0 Gbyte".into()],
            ],
        );
        assert_eq!(
            t,
            "Server Device       Size\n\
             job2   /dev/vg01    1.0 Gbyte\n\
             job2   /dev/hdisk10 2.0 Gbyte\n"
        );
    }
}
