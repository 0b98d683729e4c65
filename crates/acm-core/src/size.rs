//! Sizes as operators type them (`512`, `64K`, `1G`) and as the manual prints them (`4.0 Gbyte`).

/// Parses a byte count with an optional binary suffix K, M, G or T (case-insensitive,
/// an optional trailing `B` or `iB` is accepted).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let upper = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, shift) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 10),
        Some('M') => (&upper[..upper.len() - 1], 20),
        Some('G') => (&upper[..upper.len() - 1], 30),
        Some('T') => (&upper[..upper.len() - 1], 40),
        _ => (upper, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (bytes, or a number with K, M, G or T)"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}

/// Formats a byte count the way the manual's device displays do: one decimal and a unit
/// (`1.0 Gbyte`, `512.0 Mbyte`).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("Tbyte", 1 << 40),
        ("Gbyte", 1 << 30),
        ("Mbyte", 1 << 20),
        ("Kbyte", 1 << 10),
    ];
    for (name, unit) in UNITS {
        if bytes >= unit {
            // One decimal, truncated as the product does rather than rounded up.
            let tenths = bytes as u128 * 10 / unit as u128;
            return format!("{}.{} {}", tenths / 10, tenths % 10, name);
        }
    }
    format!("{bytes} byte")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suffixes() {
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("64K").unwrap(), 65536);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("2MiB").unwrap(), 2 << 20);
        assert!(parse_size("x1").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn formats_like_the_manual() {
        assert_eq!(format_size(1 << 30), "1.0 Gbyte");
        assert_eq!(format_size(4 << 30), "4.0 Gbyte");
        assert_eq!(format_size(1536 << 20), "1.5 Gbyte");
        assert_eq!(format_size(100), "100 byte");
    }
}
