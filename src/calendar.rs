//! The exchange's trading calendar and sessions.
//!
//! Trading days are weekdays that are not closures. The embedded calendar knows the exchange's
//! published weekday closures from 2021-07-16 to 2023-12-31 (114, 242 and 242 trading days in
//! 2021, 2022 and 2023); weekends, including official make-up working days, never trade. Dates
//! outside the calendar's coverage are an error unless the calendar is extended with the
//! closures of the later years.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::history::{self, HistoryError};

/// A calendar question about a date it does not cover, or bad calendar input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// The date is outside the calendar's coverage.
    #[error("date {date} is outside the calendar's coverage {first}..={last}")]
    OutOfRange {
        /// The date asked about.
        date: NaiveDate,
        /// First covered date.
        first: NaiveDate,
        /// Last covered date.
        last: NaiveDate,
    },
    /// An extension that does not continue the coverage.
    #[error("extension to {to} does not extend coverage ending {last}")]
    BadExtension {
        /// Requested end.
        to: NaiveDate,
        /// Current end.
        last: NaiveDate,
    },
    /// The embedded data failed to parse.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A time of day that is not `HH:MM` or `HH:MM:SS` within a day.
    #[error("time of day {text:?} is not HH:MM within 00:00..24:00")]
    BadTime {
        /// The text.
        text: String,
    },
}

/// Trading days over a covered range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingCalendar {
    first: NaiveDate,
    last: NaiveDate,
    closures: BTreeSet<NaiveDate>,
}

impl TradingCalendar {
    /// The exchange's calendar from launch (2021-07-16) to 2023-12-31.
    ///
    /// # Errors
    /// [`CalendarError::History`] if the embedded closures were malformed.
    pub fn sse_2021_2023() -> Result<Self, CalendarError> {
        Ok(TradingCalendar {
            first: NaiveDate::from_ymd_opt(2021, 7, 16).unwrap_or_default(),
            last: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default(),
            closures: history::closures()?.iter().copied().collect(),
        })
    }

    /// A calendar over `first..=last` with the given weekday closures.
    #[must_use]
    pub fn new(
        first: NaiveDate,
        last: NaiveDate,
        closures: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        TradingCalendar {
            first,
            last,
            closures: closures.into_iter().collect(),
        }
    }

    /// Extends coverage to `to` with the weekday closures of the added range (e.g. a later
    /// year's published holidays).
    ///
    /// # Errors
    /// [`CalendarError::BadExtension`] when `to` is not after the current end; nothing changes.
    pub fn extend(
        &mut self,
        to: NaiveDate,
        closures: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<(), CalendarError> {
        if to <= self.last {
            return Err(CalendarError::BadExtension {
                to,
                last: self.last,
            });
        }
        self.last = to;
        self.closures.extend(closures);
        Ok(())
    }

    /// First covered date.
    #[must_use]
    pub fn first(&self) -> NaiveDate {
        self.first
    }

    /// Last covered date.
    #[must_use]
    pub fn last(&self) -> NaiveDate {
        self.last
    }

    fn check(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if date < self.first || date > self.last {
            return Err(CalendarError::OutOfRange {
                date,
                first: self.first,
                last: self.last,
            });
        }
        Ok(())
    }

    /// Whether the exchange trades on `date`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] outside the coverage.
    pub fn is_trading_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check(date)?;
        Ok(
            !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
                && !self.closures.contains(&date),
        )
    }

    /// Trading days in `from..=to`, in order.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] if either end is outside the coverage.
    pub fn trading_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, CalendarError> {
        self.check(from)?;
        self.check(to)?;
        Ok(from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_trading_day(*d).unwrap_or(false))
            .collect())
    }

    /// The first trading day strictly after `date`, if within coverage.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] if `date` is outside the coverage.
    pub fn next_trading_day(&self, date: NaiveDate) -> Result<Option<NaiveDate>, CalendarError> {
        self.check(date)?;
        Ok(date
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= self.last)
            .find(|d| self.is_trading_day(*d).unwrap_or(false)))
    }
}

/// A time of day in China Standard Time, in seconds since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimeOfDay(u32);

impl TimeOfDay {
    /// 00:00.
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);

    /// `hours:minutes`, if a valid time.
    #[must_use]
    pub const fn hm(hours: u32, minutes: u32) -> Option<Self> {
        if hours < 24 && minutes < 60 {
            Some(TimeOfDay(hours * 3_600 + minutes * 60))
        } else {
            None
        }
    }

    /// Seconds since midnight.
    #[must_use]
    pub const fn seconds(self) -> u32 {
        self.0
    }

    /// This time plus `seconds`, if still within the day.
    #[must_use]
    pub const fn plus_seconds(self, seconds: u32) -> Option<Self> {
        let s = self.0 + seconds;
        if s < 86_400 { Some(TimeOfDay(s)) } else { None }
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}:{:02}",
            self.0 / 3_600,
            self.0 / 60 % 60,
            self.0 % 60
        )
    }
}

impl FromStr for TimeOfDay {
    type Err = CalendarError;
    fn from_str(text: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::BadTime {
            text: text.to_owned(),
        };
        let parts: Vec<&str> = text.split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
            return Err(bad());
        }
        let n: Vec<u32> = parts
            .iter()
            .map(|p| p.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let secs = n.get(2).copied().unwrap_or(0);
        if secs >= 60 {
            return Err(bad());
        }
        TimeOfDay::hm(n[0], n[1])
            .and_then(|t| t.plus_seconds(secs))
            .ok_or_else(bad)
    }
}

/// Open windows of a trading method, each `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sessions(pub Vec<(TimeOfDay, TimeOfDay)>);

impl Sessions {
    /// Listed agreement trading: 09:30–11:30 and 13:00–15:00.
    #[must_use]
    pub fn listed() -> Self {
        Sessions(vec![(t(9, 30), t(11, 30)), (t(13, 0), t(15, 0))])
    }

    /// Block agreement trading: 13:00–15:00.
    #[must_use]
    pub fn block() -> Self {
        Sessions(vec![(t(13, 0), t(15, 0))])
    }

    /// Whether `time` falls in a window.
    #[must_use]
    pub fn is_open(&self, time: TimeOfDay) -> bool {
        self.0.iter().any(|(s, e)| *s <= time && time < *e)
    }

    /// `time` itself if a window is open then, otherwise the start of the next window that day.
    #[must_use]
    pub fn open_at_or_after(&self, time: TimeOfDay) -> Option<TimeOfDay> {
        if self.is_open(time) {
            return Some(time);
        }
        self.0.iter().map(|(s, _)| *s).filter(|s| *s > time).min()
    }
}

const fn t(h: u32, m: u32) -> TimeOfDay {
    TimeOfDay(h * 3_600 + m * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn trading_days_per_year_match_the_exchange() {
        let cal = TradingCalendar::sse_2021_2023().unwrap();
        let count = |a, b| cal.trading_days(d(a), d(b)).unwrap().len();
        assert_eq!(count("2021-07-16", "2021-12-31"), 114);
        assert_eq!(count("2022-01-01", "2022-12-31"), 242);
        assert_eq!(count("2023-01-01", "2023-12-31"), 242);
    }

    #[test]
    fn calendar_days_are_exactly_the_published_days() {
        let cal = TradingCalendar::sse_2021_2023().unwrap();
        let days = cal.trading_days(d("2021-07-16"), d("2023-12-29")).unwrap();
        let published: Vec<NaiveDate> = history::daily().unwrap().iter().map(|q| q.date).collect();
        assert_eq!(days, published);
    }

    #[test]
    fn out_of_range_and_extension() {
        let mut cal = TradingCalendar::sse_2021_2023().unwrap();
        let err = cal.is_trading_day(d("2024-01-02")).unwrap_err();
        assert!(err.to_string().contains("2024-01-02"));
        assert!(cal.extend(d("2023-06-01"), []).is_err());
        cal.extend(d("2024-12-31"), [d("2024-01-01")]).unwrap();
        assert!(!cal.is_trading_day(d("2024-01-01")).unwrap());
        assert!(cal.is_trading_day(d("2024-01-02")).unwrap());
        assert_eq!(
            cal.next_trading_day(d("2021-09-17")).unwrap(),
            Some(d("2021-09-22"))
        );
    }

    #[test]
    fn sessions_and_times() {
        let listed = Sessions::listed();
        assert!(listed.is_open("09:30".parse().unwrap()));
        assert!(!listed.is_open("11:30".parse().unwrap()));
        assert!(!listed.is_open("12:00".parse().unwrap()));
        assert!(Sessions::block().is_open("14:59:59".parse().unwrap()));
        assert!(!Sessions::block().is_open("10:00".parse().unwrap()));
        let at = |s: &str| s.parse::<TimeOfDay>().unwrap();
        assert_eq!(listed.open_at_or_after(at("11:30")), Some(at("13:00")));
        assert_eq!(listed.open_at_or_after(at("10:15")), Some(at("10:15")));
        assert_eq!(listed.open_at_or_after(at("15:00")), None);
        for bad in ["9:30", "25:00", "10:61", "x", "10:00:60"] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad}");
        }
        assert_eq!(
            "13:05:07".parse::<TimeOfDay>().unwrap().to_string(),
            "13:05:07"
        );
    }
}
