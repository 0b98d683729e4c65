//! Dates as the product prints them.
//!
//! History dates are `yyyy/mm/dd hh:mm`, `swsrpstat -Xdate` dates
//! `yyyy/mm/dd hh:mm:ss`, both in UTC (the simulated boxes keep UTC, so the
//! "time zone of the storage system" is UTC). `ACMSIM_CLOCK` (seconds since the
//! epoch) pins the clock for tests and demos.

/// The latest `ACMSIM_CLOCK` accepted: 9999-12-31 23:59:59 UTC, the last
/// second a four-digit year prints (and far from any overflow in nanoseconds).
pub const MAX_CLOCK: u64 = 253_402_300_799;

/// The fixed clock, `ACMSIM_CLOCK` seconds since the epoch, when it is set to
/// a number from 0 to [`MAX_CLOCK`]; anything else leaves the clock real.
pub fn fixed_clock() -> Option<u64> {
    std::env::var("ACMSIM_CLOCK")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s <= MAX_CLOCK)
}

/// Seconds since the epoch: `ACMSIM_CLOCK` when set, else the system clock.
pub fn now_secs() -> u64 {
    fixed_clock().unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    })
}

/// Year, month, day, hour, minute, second (UTC) of `secs` since the epoch.
pub fn civil(secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// `yyyy/mm/dd hh:mm` (UTC).
pub fn format_minutes(secs: u64) -> String {
    let (y, m, d, h, mi, _) = civil(secs);
    format!("{y:04}/{m:02}/{d:02} {h:02}:{mi:02}")
}

/// `yyyy/mm/dd hh:mm:ss` (UTC).
pub fn format_seconds(secs: u64) -> String {
    let (y, m, d, h, mi, s) = civil(secs);
    format!("{y:04}/{m:02}/{d:02} {h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_minutes(0), "1970/01/01 00:00");
        assert_eq!(format_minutes(974_066_400), "2000/11/12 22:00");
        assert_eq!(format_minutes(951_782_400 + 59), "2000/02/29 00:00");
        assert_eq!(format_seconds(1_287_612_045), "2010/10/20 22:00:45");
    }
}
