//! When a source refreshes by itself: `daily@02:00` (local time), `hourly`, or an interval
//! such as `6h`, `30m`, `2d`.
use crate::error::{ApiError, Result};
use chrono::{DateTime, Duration, Local, NaiveTime, TimeZone, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every day at this local time.
    Daily(NaiveTime),
    /// Every so many seconds after the last refresh (hourly = 3600).
    Every(i64),
}

impl Schedule {
    pub fn parse(s: &str) -> Result<Schedule> {
        let s = s.trim();
        let bad = || {
            ApiError::invalid(format!(
                "\"{s}\" is not a schedule: use daily@HH:MM (local time), hourly, or an interval like 6h, 30m or 2d"
            ))
        };
        if let Some(t) = s.strip_prefix("daily@") {
            let t = NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad())?;
            return Ok(Schedule::Daily(t));
        }
        match s {
            "hourly" => return Ok(Schedule::Every(3600)),
            "daily" => return Ok(Schedule::Daily(NaiveTime::MIN)),
            _ => {}
        }
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (n, unit) = s.split_at(split);
        let n: i64 = n.parse().map_err(|_| bad())?;
        let secs = match unit {
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => return Err(bad()),
        } * n;
        if secs < 300 {
            return Err(ApiError::invalid(format!(
                "\"{s}\" is too often: refreshes are at least 5 minutes apart"
            )));
        }
        Ok(Schedule::Every(secs))
    }

    /// The first time after `after` the schedule is due.
    pub fn next_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        match *self {
            Schedule::Every(secs) => after + Duration::seconds(secs),
            Schedule::Daily(t) => {
                let local = after.with_timezone(&Local);
                let mut day = local.date_naive();
                loop {
                    // A time skipped by a DST change falls on the next valid instant.
                    let at = Local
                        .from_local_datetime(&day.and_time(t))
                        .earliest()
                        .map(|d| d.with_timezone(&Utc));
                    match at {
                        Some(at) if at > after => return at,
                        _ => day = day.succ_opt().unwrap_or(day),
                    }
                }
            }
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Schedule::Daily(t) => write!(f, "daily@{}", t.format("%H:%M")),
            Schedule::Every(3600) => f.write_str("hourly"),
            Schedule::Every(s) if s % 86400 == 0 => write!(f, "{}d", s / 86400),
            Schedule::Every(s) if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            Schedule::Every(s) => write!(f, "{}m", s / 60),
        }
    }
}

impl Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_each_form() {
        for (text, shown) in [
            ("daily@02:00", "daily@02:00"),
            ("hourly", "hourly"),
            ("6h", "6h"),
            ("30m", "30m"),
            ("2d", "2d"),
            ("daily", "daily@00:00"),
        ] {
            assert_eq!(Schedule::parse(text).unwrap().to_string(), shown);
        }
        for bad in ["", "daily@25:00", "weekly", "1m", "h", "6x"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_daily_run_is_the_next_local_time_of_day() {
        let s = Schedule::parse("daily@02:00").unwrap();
        let now = Utc::now();
        let next = s.next_after(now);
        assert!(next > now && next <= now + Duration::hours(25), "{next}");
        assert_eq!(
            next.with_timezone(&Local).time(),
            NaiveTime::from_hms_opt(2, 0, 0).unwrap()
        );
        assert!(s.next_after(next) > next);
    }

    #[test]
    fn intervals_count_from_the_last_run() {
        let now = Utc::now();
        assert_eq!(
            Schedule::parse("6h").unwrap().next_after(now),
            now + Duration::hours(6)
        );
    }
}
