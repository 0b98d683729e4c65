//! Tables as the product prints them: a header line and one line
//! per row, each cell left-aligned and padded to its column's widest cell, one space
//! between columns. Scripts split on white space, so tokens matter more than padding.

/// Formats a table: header and rows, each cell left-aligned and padded to its
/// column's widest cell, one space between columns (trailing blanks dropped).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(cell);
            s.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
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
