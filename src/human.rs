//! Numbers for people: UTC dates, durations, ether amounts and 256-bit integers.

use alloy_primitives::U256;

/// Seconds in a minute, hour and day.
const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
/// A Julian year of 365.25 days, for durations too long to count in days.
const YEAR: u64 = 365 * DAY + DAY / 4;

/// A unix timestamp as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian calendar).
pub(crate) fn utc(timestamp: u64) -> String {
    let days = timestamp / DAY;
    let seconds = timestamp % DAY;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        seconds / HOUR,
        seconds % HOUR / MINUTE,
        seconds % MINUTE
    )
}

/// A moment as a reader writes it: `1 Jan 2027` at midnight UTC, else
/// `1 Jan 2027, 13:05:07 UTC`.
pub(crate) fn moment(timestamp: u64) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (year, month, day) = civil_from_days(timestamp / DAY);
    let date = format!("{day} {} {year}", MONTHS[(month - 1) as usize]);
    let seconds = timestamp % DAY;
    if seconds == 0 {
        date
    } else {
        format!(
            "{date}, {:02}:{:02}:{:02} UTC",
            seconds / HOUR,
            seconds % HOUR / MINUTE,
            seconds % MINUTE
        )
    }
}

/// The Gregorian date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// A duration in at most its two largest units: `2 hours`, `1 day 6 hours`, `45 seconds`;
/// beyond two years, in years.
pub(crate) fn duration(seconds: u64) -> String {
    if seconds >= 2 * YEAR {
        return format!("about {} years", group_digits(seconds / YEAR));
    }
    let units = [(DAY, "day"), (HOUR, "hour"), (MINUTE, "minute"), (1, "second")];
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (size, name) in units {
        let count = rest / size;
        if count > 0 {
            parts.push(format!("{count} {name}{}", if count == 1 { "" } else { "s" }));
            rest %= size;
        } else if !parts.is_empty() {
            // Two adjacent units at most: "1 day 30 seconds" would read as precision it lacks.
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    if parts.is_empty() { "0 seconds".to_string() } else { parts.join(" ") }
}

/// `1234567` as `1,234,567`.
pub(crate) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A 256-bit integer in decimal, with the maximum named: `2^256-1`.
pub(crate) fn integer(value: U256) -> String {
    if value == U256::MAX { "2^256-1".to_string() } else { value.to_string() }
}

/// A wei amount in ether with every significant decimal, then in wei:
/// `0.01 ETH (10000000000000000 wei)`.
pub(crate) fn ether(wei: U256) -> String {
    if wei == U256::MAX {
        return "2^256-1 wei (no limit)".to_string();
    }
    format!("{} ETH ({wei} wei)", decimal(wei, 18))
}

/// `amount` base units of a token with `decimals` decimals, every significant decimal kept and
/// no trailing zero: `1.5`, `5`, `0.000001`. Decimals beyond 77 (no 256-bit amount has a whole
/// unit then) show base units.
pub(crate) fn decimal(amount: U256, decimals: u8) -> String {
    match alloy_primitives::utils::format_units(amount, decimals) {
        // `format_units` writes every decimal place: `1.500000`.
        Ok(text) => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        Err(_) => amount.to_string(),
    }
}

/// A moment given on the command line: unix seconds (`1798761600`), an RFC 3339 / ISO 8601
/// timestamp with its offset (`2027-01-01T00:00:00Z`, `2027-01-01 09:00+09:00`), or a date
/// (`2027-01-01`, midnight UTC).
pub(crate) fn parse_moment(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| format!("{text:?} does not fit in 64 bits"));
    }
    // jiff reads a date from a civil date-time too, dropping its time: only a bare date is one.
    let bare_date = !text.contains(['T', 't', ' ', ':']);
    let timestamp = match text.parse::<jiff::Timestamp>() {
        Ok(timestamp) => timestamp,
        Err(_) => match text.parse::<jiff::civil::Date>().ok().filter(|_| bare_date).ok_or(()) {
            Ok(date) => date
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map_err(|e| e.to_string())?
                .timestamp(),
            Err(_) => {
                return Err(format!(
                    "{text:?} is not a moment: write unix seconds (1798761600), a timestamp with \
                     its offset (2027-01-01T00:00:00Z) or a date (2027-01-01, midnight UTC)"
                ));
            }
        },
    };
    u64::try_from(timestamp.as_second()).map_err(|_| format!("{text:?} is before 1970"))
}

/// `count thing` or `count things`.
pub(crate) fn plural(count: u64, thing: &str) -> String {
    format!("{count} {thing}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_767_225_600), "2026-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        // The largest timestamp a policy can name (spec TIME_MAX).
        assert_eq!(utc((1 << 48) - 1), "8921556-12-07 10:44:15 UTC");
    }

    #[test]
    fn moments_read_as_dates() {
        assert_eq!(moment(1_798_761_600), "1 Jan 2027");
        assert_eq!(moment(1_798_761_601), "1 Jan 2027, 00:00:01 UTC");
        assert_eq!(moment(951_782_400 + 13 * HOUR), "29 Feb 2000, 13:00:00 UTC");
    }

    #[test]
    fn durations_use_two_units_at_most() {
        assert_eq!(duration(0), "0 seconds");
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(90), "1 minute 30 seconds");
        assert_eq!(duration(2 * HOUR), "2 hours");
        assert_eq!(duration(DAY + 6 * HOUR + 5), "1 day 6 hours");
        assert_eq!(duration(DAY + 30), "1 day");
        assert_eq!(duration(45 * DAY), "45 days");
        assert_eq!(duration(3 * YEAR), "about 3 years");
    }

    #[test]
    fn ether_keeps_every_significant_decimal() {
        let wei = |n: u64| U256::from(n);
        assert_eq!(ether(wei(0)), "0 ETH (0 wei)");
        assert_eq!(ether(wei(10_000_000_000_000_000)), "0.01 ETH (10000000000000000 wei)");
        assert_eq!(ether(wei(1_500_000_000_000_000_000)), "1.5 ETH (1500000000000000000 wei)");
        assert_eq!(ether(wei(1)), "0.000000000000000001 ETH (1 wei)");
        assert_eq!(ether(U256::MAX), "2^256-1 wei (no limit)");
    }

    #[test]
    fn decimals_keep_every_significant_digit() {
        let n = |n: u64| U256::from(n);
        assert_eq!(decimal(n(5_000_000), 6), "5");
        assert_eq!(decimal(n(1_500_001), 6), "1.500001");
        assert_eq!(decimal(n(1), 6), "0.000001");
        assert_eq!(decimal(n(0), 6), "0");
        assert_eq!(decimal(n(1_200), 0), "1200");
        assert_eq!(
            decimal(U256::MAX, 77),
            "1.15792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
        // No whole unit has 78 decimals in 256 bits: base units.
        assert_eq!(decimal(n(7), 78), "7");
    }

    /// The calendar arithmetic agrees with jiff's over jiff's whole range (years up to 9999),
    /// at every boundary that matters and at a spread of seconds in between; beyond 9999 (the
    /// spec's TIME_MAX is in year 8921556) only the hand-written arithmetic reaches.
    #[test]
    fn dates_agree_with_jiff() {
        let last = jiff::Timestamp::MAX.as_second() as u64;
        let mut samples = vec![0, 59, 60, 86_399, 86_400, 951_782_400, 4_107_542_400, last];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            // splitmix64: a fixed spread of seconds over the whole range.
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            samples.push((z ^ (z >> 31)) % (last + 1));
        }
        for t in samples {
            let jiff = jiff::Timestamp::from_second(t as i64).expect("in jiff's range");
            assert_eq!(utc(t), jiff.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(), "{t}");
            let expected = if t % DAY == 0 {
                jiff.strftime("%-d %b %Y").to_string()
            } else {
                jiff.strftime("%-d %b %Y, %H:%M:%S UTC").to_string()
            };
            assert_eq!(moment(t), expected, "{t}");
        }
    }

    #[test]
    fn moments_parse_from_seconds_timestamps_and_dates() {
        assert_eq!(parse_moment("1798761600"), Ok(1_798_761_600));
        assert_eq!(parse_moment("2027-01-01T00:00:00Z"), Ok(1_798_761_600));
        assert_eq!(parse_moment("2027-01-01T09:00:00+09:00"), Ok(1_798_761_600));
        assert_eq!(parse_moment("2027-01-01"), Ok(1_798_761_600));
        assert_eq!(parse_moment("1970-01-01T00:00:01Z"), Ok(1));
        for bad in ["soon", "", "-5", "2027-13-01", "2027-01-01T00:00:00", "1969-12-31"] {
            let error = parse_moment(bad).unwrap_err();
            assert!(error.contains(&format!("{:?}", bad.trim())), "{bad}: {error}");
        }
        assert!(parse_moment("99999999999999999999").unwrap_err().contains("64 bits"));
    }

    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }
}
