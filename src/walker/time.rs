//! Times the way Graphic Walker reads them: instants in epoch milliseconds,
//! wall clocks in a zone given as an offset in minutes with JavaScript's sign
//! (`Date.getTimezoneOffset()`: UTC − local, so UTC+2 is −120).
//!
//! - A date or a timestamp without a zone is a wall-clock time in the `offset`
//!   zone (Graphic Walker's `newOffsetDate(offset)`); a timestamp with a zone
//!   is an instant; a number is already epoch milliseconds.
//! - Drilling and features read the wall clock in the display zone, and a
//!   drilled value is the instant that starts its period there.
//!
//! Weeks: `week` starts on Sunday (Graphic Walker's), `iso_week` on Monday.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, Int64Array};
use arrow_schema::DataType;

use crate::calendar::{civil_from_days, days_from_civil};
use crate::error::{QuiverError, Result};
use crate::ingest::infer;
use crate::query::domain;

pub const MS_PER_SECOND: i64 = 1000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;
pub const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;

/// How wall-clock values are placed in time: the zone of times without one,
/// and (separately, as JavaScript's `new Date(text)` does) of plain dates.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    pub offset: i32,
    pub date_offset: i32,
}

impl Reading {
    /// Both in one zone (Graphic Walker's `newOffsetDate(offset)`).
    pub fn in_zone(offset: i32) -> Self {
        Reading { offset, date_offset: offset }
    }
}

/// The instant (epoch ms, whole milliseconds) of every value of a date,
/// timestamp, number or text column; null where there is none.
pub fn instants(array: &ArrayRef, name: &str, reading: Reading) -> Result<Int64Array> {
    let shift = reading.offset as i64 * MS_PER_MINUTE;
    let date_shift = reading.date_offset as i64 * MS_PER_MINUTE;
    Ok(match array.data_type() {
        DataType::Date32 => array.as_primitive::<Date32Type>().unary(|d| d as i64 * MS_PER_DAY + date_shift),
        DataType::Timestamp(_, zone) => {
            // Integer division truncates to whole milliseconds, as a JS Date does.
            let shift = if zone.is_some() { 0 } else { shift };
            array.as_primitive::<TimestampMicrosecondType>().unary(|m| m / 1000 + shift)
        }
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => domain::integers(array),
        DataType::Float32 | DataType::Float64 => {
            domain::floats(array).iter().map(|v| v.filter(|v| v.is_finite()).map(|v| v.trunc() as i64)).collect()
        }
        _ if domain::Kind::of(array.data_type()) == domain::Kind::Text => {
            let text = super::plain_text(array)?;
            text.as_string::<i32>()
                .iter()
                .map(|v| {
                    let v = v?.trim().as_bytes();
                    let parsed = infer::parse_timestamp(v)?;
                    Some(if parsed.zoned {
                        parsed.micros / 1000
                    } else if v.len() == 10 {
                        parsed.micros / 1000 + date_shift
                    } else {
                        parsed.micros / 1000 + shift
                    })
                })
                .collect()
        }
        other => {
            return Err(QuiverError::InvalidQuery(format!("\"{name}\" holds {other} values, which are not times")))
        }
    })
}

/// A wall-clock reading of an instant in a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wall {
    /// Milliseconds since 1970-01-01T00:00 on this wall clock.
    pub ms: i64,
    pub days: i32,
    pub year: i32,
    /// 1–12.
    pub month: u32,
    pub day: u32,
    /// 0 = Sunday … 6 = Saturday (JavaScript's `getDay`).
    pub weekday: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Wall {
    pub fn of(instant: i64, display_offset: i32) -> Wall {
        let ms = instant - display_offset as i64 * MS_PER_MINUTE;
        let days = ms.div_euclid(MS_PER_DAY) as i32;
        let of_day = ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Wall {
            ms,
            days,
            year,
            month,
            day,
            weekday: weekday(days),
            hour: (of_day / MS_PER_HOUR) as u32,
            minute: (of_day % MS_PER_HOUR / MS_PER_MINUTE) as u32,
            second: (of_day % MS_PER_MINUTE / MS_PER_SECOND) as u32,
        }
    }
}

/// 0 = Sunday (1970-01-01 was a Thursday).
fn weekday(days: i32) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

/// The day number of the Monday of ISO week 1 of `year`.
fn first_iso_monday(year: i32) -> i32 {
    let jan4 = days_from_civil(year, 1, 4);
    jan4 - ((weekday(jan4) + 6) % 7) as i32
}

fn iso_year(wall: &Wall) -> i32 {
    if wall.days < first_iso_monday(wall.year) {
        wall.year - 1
    } else if wall.days >= first_iso_monday(wall.year + 1) {
        wall.year + 1
    } else {
        wall.year
    }
}

/// Drill levels (`dateTimeDrill`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drill {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    IsoYear,
    IsoWeek,
    Hour,
    Minute,
    Second,
}

impl Drill {
    pub fn parse(level: &str) -> Option<Drill> {
        Some(match level {
            "year" => Drill::Year,
            "quarter" => Drill::Quarter,
            "month" => Drill::Month,
            "week" => Drill::Week,
            "day" => Drill::Day,
            "iso_year" => Drill::IsoYear,
            "iso_week" => Drill::IsoWeek,
            "hour" => Drill::Hour,
            "minute" => Drill::Minute,
            "second" => Drill::Second,
            _ => return None,
        })
    }

    /// The instant starting the period of `instant` on the display clock.
    pub fn start(self, instant: i64, display_offset: i32) -> i64 {
        let wall = Wall::of(instant, display_offset);
        let midnight = |days: i32| days as i64 * MS_PER_DAY;
        let wall_start = match self {
            Drill::Year => midnight(days_from_civil(wall.year, 1, 1)),
            Drill::Quarter => midnight(days_from_civil(wall.year, (wall.month - 1) / 3 * 3 + 1, 1)),
            Drill::Month => midnight(days_from_civil(wall.year, wall.month, 1)),
            Drill::Week => midnight(wall.days - wall.weekday as i32),
            Drill::Day => midnight(wall.days),
            Drill::IsoYear => midnight(days_from_civil(iso_year(&wall), 1, 1)),
            Drill::IsoWeek => midnight(wall.days - ((wall.weekday + 6) % 7) as i32),
            Drill::Hour => wall.ms.div_euclid(MS_PER_HOUR) * MS_PER_HOUR,
            Drill::Minute => wall.ms.div_euclid(MS_PER_MINUTE) * MS_PER_MINUTE,
            Drill::Second => wall.ms.div_euclid(MS_PER_SECOND) * MS_PER_SECOND,
        };
        wall_start + display_offset as i64 * MS_PER_MINUTE
    }
}

/// Calendar features (`dateTimeFeature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Year,
    Quarter,
    Month,
    Week,
    Weekday,
    IsoYear,
    IsoWeek,
    IsoWeekday,
    Day,
    Hour,
    Minute,
    Second,
}

impl Feature {
    pub fn parse(level: &str) -> Option<Feature> {
        Some(match level {
            "year" => Feature::Year,
            "quarter" => Feature::Quarter,
            "month" => Feature::Month,
            "week" => Feature::Week,
            "weekday" => Feature::Weekday,
            "iso_year" => Feature::IsoYear,
            "iso_week" => Feature::IsoWeek,
            "iso_weekday" => Feature::IsoWeekday,
            "day" => Feature::Day,
            "hour" => Feature::Hour,
            "minute" => Feature::Minute,
            "second" => Feature::Second,
            _ => return None,
        })
    }

    pub fn of(self, instant: i64, display_offset: i32) -> i64 {
        let wall = Wall::of(instant, display_offset);
        match self {
            Feature::Year => wall.year as i64,
            Feature::Quarter => ((wall.month - 1) / 3 + 1) as i64,
            Feature::Month => wall.month as i64,
            Feature::Week => {
                // Week 1 starts on the year's first Sunday; days before it are week 0.
                let jan1 = days_from_civil(wall.year, 1, 1);
                let sunday = jan1 - weekday(jan1) as i32;
                let first_sunday = if sunday < jan1 { sunday + 7 } else { sunday };
                (wall.ms - first_sunday as i64 * MS_PER_DAY).div_euclid(MS_PER_WEEK) + 1
            }
            Feature::Weekday => wall.weekday as i64,
            Feature::IsoYear => iso_year(&wall) as i64,
            Feature::IsoWeek => (wall.ms - first_iso_monday(iso_year(&wall)) as i64 * MS_PER_DAY).div_euclid(MS_PER_WEEK) + 1,
            Feature::IsoWeekday => ((wall.weekday + 6) % 7 + 1) as i64,
            Feature::Day => wall.day as i64,
            Feature::Hour => wall.hour as i64,
            Feature::Minute => wall.minute as i64,
            Feature::Second => wall.second as i64,
        }
    }
}

/// Epoch ms of a UTC date-time, for tests.
#[cfg(test)]
fn utc(y: i32, m: u32, d: u32, h: i64, min: i64) -> i64 {
    days_from_civil(y, m, d) as i64 * MS_PER_DAY + h * MS_PER_HOUR + min * MS_PER_MINUTE
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wall_clock_values_are_read_in_the_offset_zone() {
        let dates: ArrayRef = Arc::new(arrow_array::Date32Array::from(vec![days_from_civil(2024, 1, 5)]));
        // UTC+2 (offset −120): local midnight is 22:00 UTC the day before.
        let got = instants(&dates, "d", Reading::in_zone(-120)).unwrap();
        assert_eq!(got.value(0), utc(2024, 1, 4, 22, 0));
        let zoned: ArrayRef = Arc::new(
            arrow_array::TimestampMicrosecondArray::from(vec![utc(2024, 1, 5, 10, 0) * 1000]).with_timezone("UTC"),
        );
        assert_eq!(instants(&zoned, "t", Reading::in_zone(-120)).unwrap().value(0), utc(2024, 1, 5, 10, 0));
        let text: ArrayRef = Arc::new(arrow_array::StringArray::from(vec![Some("2024-01-05"), Some("2024-01-05T10:00:00Z"), Some("x"), None]));
        let got = instants(&text, "s", Reading { offset: 60, date_offset: 0 }).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [Some(utc(2024, 1, 5, 0, 0)), Some(utc(2024, 1, 5, 10, 0)), None, None]);
    }

    #[test]
    fn drills_start_periods_on_the_display_clock() {
        let t = utc(2024, 5, 15, 13, 45) + 30 * MS_PER_SECOND; // a Wednesday
        assert_eq!(Drill::Year.start(t, 0), utc(2024, 1, 1, 0, 0));
        assert_eq!(Drill::Quarter.start(t, 0), utc(2024, 4, 1, 0, 0));
        assert_eq!(Drill::Month.start(t, 0), utc(2024, 5, 1, 0, 0));
        assert_eq!(Drill::Week.start(t, 0), utc(2024, 5, 12, 0, 0)); // Sunday
        assert_eq!(Drill::IsoWeek.start(t, 0), utc(2024, 5, 13, 0, 0)); // Monday
        assert_eq!(Drill::Day.start(t, 0), utc(2024, 5, 15, 0, 0));
        assert_eq!(Drill::Hour.start(t, 0), utc(2024, 5, 15, 13, 0));
        assert_eq!(Drill::Minute.start(t, 0), utc(2024, 5, 15, 13, 45));
        // On a UTC−5 clock (offset 300) 2024-01-01T02:00Z is still 2023.
        assert_eq!(Drill::Year.start(utc(2024, 1, 1, 2, 0), 300), utc(2023, 1, 1, 5, 0));
        // 2021-01-01 belongs to ISO year 2020.
        assert_eq!(Drill::IsoYear.start(utc(2021, 1, 1, 12, 0), 0), utc(2020, 1, 1, 0, 0));
    }

    #[test]
    fn features() {
        let t = utc(2024, 5, 15, 13, 45);
        assert_eq!(Feature::Quarter.of(t, 0), 2);
        assert_eq!(Feature::Weekday.of(t, 0), 3);
        assert_eq!(Feature::IsoWeekday.of(utc(2024, 5, 12, 0, 0), 0), 7);
        assert_eq!(Feature::IsoWeek.of(t, 0), 20);
        assert_eq!(Feature::IsoWeek.of(utc(2021, 1, 1, 0, 0), 0), 53);
        assert_eq!(Feature::IsoYear.of(utc(2021, 1, 1, 0, 0), 0), 2020);
        // 2024-01-01 is a Monday: the first Sunday is the 7th, so the 1st is in week 0.
        assert_eq!(Feature::Week.of(utc(2024, 1, 1, 0, 0), 0), 0);
        assert_eq!(Feature::Week.of(utc(2024, 1, 7, 0, 0), 0), 1);
        assert_eq!(Feature::Hour.of(t, -60), 14);
    }
}
