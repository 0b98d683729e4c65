//! A display's rows once, printed two ways: as the manual's text table, or,
//! with `-Xjson`, as one JSON document a script reads without awk.
//!
//! A display names its columns once ([`Column`]: the manual's header, a
//! stable JSON key, and what kind of value the cell is), fills rows of
//! [`Cell`]s, and prints the [`Table`] with [`Table::text`] (byte for byte the
//! table the manual shows) or [`Table::json`]. What the kinds become in JSON:
//!
//! | kind | text | JSON |
//! |---|---|---|
//! | [`Kind::Text`] | as printed | a string |
//! | [`Kind::Int`] | `3` | a number |
//! | [`Kind::Bytes`] | `64.0 Mbyte` | the exact byte count |
//! | [`Kind::Percent`] | `45%` | `45` |
//! | [`Kind::Date`] | `2000/11/12 22:00` | `"2000-11-12T22:00:00Z"` (RFC 3339; the boxes keep UTC) |
//!
//! A cell the manual prints as dashes (`----`, "no value") is `null` whatever
//! its kind, and so is one that does not read as its kind.

use serde_json::Map;
pub use serde_json::Value;

/// The option that asks a display for JSON.
pub const JSON: &str = "-Xjson";

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Bytes,
    Percent,
    Date,
}

/// One column: the manual's header and the JSON key of the same cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub key: &'static str,
    pub kind: Kind,
}

/// A column (for the `const` tables of the displays).
pub const fn col(header: &'static str, key: &'static str, kind: Kind) -> Column {
    Column { header, key, kind }
}

/// One cell: its text, and for a size the exact byte count behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    bytes: Option<u64>,
}

impl Cell {
    /// A size, printed as the manual prints sizes (`1.0 Gbyte`).
    pub fn bytes(n: u64) -> Cell {
        Cell::bytes_as(n, crate::size::format_size(n))
    }

    /// A size printed in a display's own way (`1024` megabytes, say).
    pub fn bytes_as(n: u64, text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            bytes: Some(n),
        }
    }

    /// The cell as a JSON value of `kind`.
    pub fn value(&self, kind: Kind) -> Value {
        let t = self.text.trim();
        if t.is_empty() || t.chars().all(|c| c == '-') {
            return Value::Null;
        }
        match kind {
            Kind::Text => Value::String(self.text.clone()),
            Kind::Int => t.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
            Kind::Bytes => self.bytes.map(Value::from).unwrap_or(Value::Null),
            Kind::Percent => t
                .strip_suffix('%')
                .unwrap_or(t)
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|p| serde_json::Number::from_f64(p).map(number))
                .unwrap_or(Value::Null),
            Kind::Date => rfc3339(t).map(Value::String).unwrap_or(Value::Null),
        }
    }
}

/// Whole numbers as integers (`45`, not `45.0`).
fn number(n: serde_json::Number) -> Value {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
        _ => Value::Number(n),
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, bytes: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl From<&String> for Cell {
    fn from(text: &String) -> Cell {
        Cell::from(text.clone())
    }
}

/// `yyyy/mm/dd hh:mm[:ss]` (UTC, as the product prints dates) in RFC 3339.
pub fn rfc3339(text: &str) -> Option<String> {
    let (date, time) = text.trim().split_once(' ')?;
    let d: Vec<&str> = date.split('/').collect();
    let t: Vec<&str> = time.split(':').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if d.len() != 3 || !digits(d[0], 4) || !digits(d[1], 2) || !digits(d[2], 2) {
        return None;
    }
    if !(2..=3).contains(&t.len()) || !t.iter().all(|p| digits(p, 2)) {
        return None;
    }
    let secs = t.get(2).copied().unwrap_or("00");
    Some(format!(
        "{}-{}-{}T{}:{}:{secs}Z",
        d[0], d[1], d[2], t[0], t[1]
    ))
}

/// The rows of one display.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: &[Column]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// A table of text cells (a display with no sizes among its columns).
    pub fn of_text(columns: &[Column], rows: Vec<Vec<String>>) -> Table {
        let mut t = Table::new(columns);
        for r in rows {
            t.push(r.into_iter().map(Cell::from).collect());
        }
        t
    }

    /// Adds a row, one cell per column.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "a cell per column");
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The manual's table: headers, then a line per row (see [`crate::table`]).
    pub fn text(&self) -> String {
        let header: Vec<&str> = self.columns.iter().map(|c| c.header).collect();
        crate::table::lines(
            &header,
            self.rows.iter().map(|r| r.iter().map(|c| c.text.as_str())),
        )
    }

    /// Prints the table as `args` ask: JSON with [`JSON`], else the text.
    pub fn print(&self, args: &crate::cli::Args) {
        if args.has(JSON) {
            print_rows(self.json());
        } else {
            print!("{}", self.text());
        }
    }

    /// One JSON object per row, keyed by the columns' keys.
    pub fn json(&self) -> Vec<Value> {
        self.rows.iter().map(|r| record(&self.columns, r)).collect()
    }
}

/// One JSON object from `columns` and their cells.
pub fn record(columns: &[Column], cells: &[Cell]) -> Value {
    let mut m = Map::new();
    for (c, cell) in columns.iter().zip(cells) {
        m.insert(c.key.to_string(), cell.value(c.kind));
    }
    Value::Object(m)
}

/// The JSON document as a display prints it: pretty, one trailing newline.
pub fn document(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// Prints `rows` as the one JSON array of a display.
pub fn print_rows(rows: Vec<Value>) {
    print!("{}", document(&Value::Array(rows)));
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        col("Server", "server", Kind::Text),
        col("Size", "size", Kind::Bytes),
        col("Rate", "rate", Kind::Percent),
        col("Date", "date", Kind::Date),
        col("Generation", "generation", Kind::Int),
    ];

    #[test]
    fn text_and_json_are_the_same_rows() {
        let mut t = Table::new(COLS);
        t.push(vec![
            "job2".into(),
            Cell::bytes(64 << 20),
            "45%".into(),
            "2000/11/12 22:00".into(),
            "1".into(),
        ]);
        t.push(vec![
            "job2".into(),
            Cell::bytes(1536),
            "----".into(),
            "2010/10/20 22:00:45".into(),
            "----".into(),
        ]);
        assert_eq!(
            t.text(),
            "Server Size       Rate Date                Generation\n\
             job2   64.0 Mbyte 45%  2000/11/12 22:00    1\n\
             job2   1.5 Kbyte  ---- 2010/10/20 22:00:45 ----\n"
        );
        let j = t.json();
        assert_eq!(
            j[0],
            serde_json::json!({"server": "job2", "size": 67108864, "rate": 45,
                "date": "2000-11-12T22:00:00Z", "generation": 1})
        );
        assert_eq!(
            j[1],
            serde_json::json!({"server": "job2", "size": 1536, "rate": null,
                "date": "2010-10-20T22:00:45Z", "generation": null})
        );
    }

    #[test]
    fn what_does_not_read_as_its_kind_is_null() {
        assert_eq!(
            Cell::from("12.5%").value(Kind::Percent),
            serde_json::json!(12.5)
        );
        assert_eq!(Cell::from("abc").value(Kind::Int), Value::Null);
        assert_eq!(Cell::from("2000-11-12").value(Kind::Date), Value::Null);
        assert_eq!(Cell::from("64.0 Mbyte").value(Kind::Bytes), Value::Null);
        assert_eq!(rfc3339("2000/1/12 22:00"), None);
    }
}
