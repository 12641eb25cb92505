//! A generic warm-up: a synthetic "sensor log" (its own column names and mix
//! of kinds) is loaded and put through a broad set of operations, every
//! filter and aggregate kind, sorts on every column kind, time buckets, bins,
//! derived columns, profiles, exports and Graphic Walker payloads. Browsers
//! first run wasm with a quick baseline compiler and optimise a function only
//! after it has run for a while; running this when the app is idle (the
//! client does it in a spare worker) makes the user's first file and first
//! queries run optimised code.
//!
//! It is deliberately not shaped like any benchmark's queries (the benchmark
//! in `bench/compare.mjs` reports cold runs without it, and warm runs as the
//! second run on a fresh file, for every engine alike). What must change with
//! it: nothing else depends on its data or queries; a new query kind in
//! `crate::query` or `crate::walker` should get a line here. Every query must
//! succeed: a failure is returned (the test and the spare worker see it).

use crate::error::{QuiverError, Result};
use crate::ingest::{Ingest, IngestOptions};
use crate::api::spec;
use crate::QueryEngine;
use crate::walker::{parse_payload, Env};

/// Rows of the synthetic table.
pub const ROWS: u32 = 20_000;

/// What a warm-up did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarmUp {
    /// Rows loaded from the synthetic file.
    pub rows: usize,
    /// Queries answered (all of them succeeded).
    pub queries: usize,
}

/// One row of the synthetic sensor log, before it is written as CSV.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// Increasing; small in the first batch, past 2^32 in the last (a widening).
    pub seq: u64,
    /// One of 37 stations.
    pub station: String,
    /// About 9,000 distinct sensors.
    pub sensor: String,
    /// Negative and positive, one in 11 blank.
    pub celsius: Option<f64>,
    /// 0..=9.
    pub level: u32,
    /// A timestamp in 2021, second precision, in UTC.
    pub seen: String,
    /// A date in 2021.
    pub logged_on: String,
    pub alarm: bool,
    /// Mostly empty; quoted text with commas and quotes.
    pub remark: String,
    /// 0..1 with three decimals.
    pub ratio: f64,
}

/// Row `i` of the synthetic table (deterministic).
pub fn reading(i: u32) -> Reading {
    let h = i.wrapping_mul(2_654_435_761) ^ (i >> 3);
    let day = h % 365;
    let (month, day_of_month) = month_and_day(day);
    Reading {
        seq: if i < ROWS / 2 { u64::from(i) } else { u64::from(i) * 1_000_000 },
        station: format!("Station {}{:02}", (b'A' + (h % 37 % 26) as u8) as char, h % 37),
        sensor: format!("S-{:05}", (h >> 5) % 9_000),
        celsius: if h % 11 == 0 { None } else { Some(((h % 6_001) as f64 - 2_000.0) / 100.0) },
        level: (h >> 9) % 10,
        seen: format!("2021-{month:02}-{day_of_month:02}T{:02}:{:02}:{:02}Z", (h >> 3) % 24, (h >> 7) % 60, (h >> 13) % 60),
        logged_on: format!("2021-{month:02}-{day_of_month:02}"),
        alarm: h % 7 == 0,
        remark: match h % 20 {
            0 => "\"Recalibrated, \"\"twice\"\"\"".to_string(),
            1 => "Battery low".to_string(),
            _ => String::new(),
        },
        ratio: f64::from(h % 1_000) / 1_000.0,
    }
}

fn month_and_day(day_of_year: u32) -> (u32, u32) {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut left = day_of_year;
    for (month, days) in DAYS.iter().enumerate() {
        if left < *days {
            return (month as u32 + 1, left + 1);
        }
        left -= days;
    }
    (12, 31)
}

/// The synthetic file, as CSV text.
pub fn csv() -> String {
    let mut text = String::with_capacity(ROWS as usize * 100);
    text.push_str("seq,station,sensor,celsius,level,seen,logged_on,alarm,remark,ratio\n");
    for i in 0..ROWS {
        let r = reading(i);
        let celsius = r.celsius.map(|c| format!("{c:.2}")).unwrap_or_default();
        text.push_str(&format!(
            "{},{},{},{celsius},{},{},{},{},{},{:.3}\n",
            r.seq, r.station, r.sensor, r.level, r.seen, r.logged_on, r.alarm, r.remark, r.ratio
        ));
    }
    text
}

/// Batches of 4,096 rows: several of them, so that concatenating batches and
/// widening `seq` in a late one run too.
fn options() -> IngestOptions {
    IngestOptions { batch_rows: 4096, ..IngestOptions::default() }
}

/// Loads the synthetic file in 256 KB chunks, then runs every query three
/// times (optimisation starts after a function has run a while), each round
/// on a fresh engine so row orders are built again. Everything is dropped on
/// return.
pub fn run() -> Result<WarmUp> {
    let text = csv();
    let mut ingest = Ingest::new(options())?;
    for chunk in text.as_bytes().chunks(256 << 10) {
        ingest.push(chunk)?;
    }
    let table = ingest.finish()?;
    let rows = table.num_rows();
    let mut queries = 0;
    for _ in 0..3 {
        queries += round(&mut QueryEngine::new(&table)?)?;
    }
    Ok(WarmUp { rows, queries })
}

/// A query of the warm-up that failed, with which one it was.
fn failed(kind: &str, json: &str, e: QuiverError) -> QuiverError {
    QuiverError::InvalidQuery(format!("warm-up {kind} query failed: {e} (query: {json})"))
}

const PAGES: &[&str] = &[
    r#"{"offset": 777, "limit": 50}"#,
    r#"{"sort": [{"column": "celsius", "descending": true, "nulls": "first"}], "offset": 1200, "limit": 20}"#,
    r#"{"sort": [{"column": "station", "caseInsensitive": true}, {"column": "seen", "descending": true}], "offset": 40}"#,
    r#"{"sort": [{"column": "logged_on"}, {"column": "level", "descending": true}], "offset": 3000, "limit": 25}"#,
    r#"{"sort": [{"column": "alarm"}, {"column": "sensor"}], "columns": ["sensor", "alarm", "ratio"]}"#,
    r#"{"sort": [{"column": "remark", "nulls": "first"}, {"column": "seq", "descending": true}], "limit": 10}"#,
    r#"{"filter": {"op": "or", "filters": [{"op": "in", "column": "station", "values": ["Station B01", "Station K10", null]},
                                          {"op": "between", "column": "celsius", "min": -5, "max": 5}]},
        "sort": [{"column": "ratio"}], "limit": 30}"#,
    r#"{"filter": {"op": "not", "filter": {"op": "=", "column": "alarm", "value": true}}, "offset": 500, "limit": 10}"#,
    r#"{"filter": {"op": "and", "filters": [{"op": "isNull", "column": "celsius"}, {"op": "!=", "column": "level", "value": 3}]}}"#,
    r#"{"filter": {"op": "isNotNull", "column": "remark"}, "sort": [{"column": "logged_on", "descending": true}]}"#,
    r#"{"filter": {"op": "startsWith", "column": "sensor", "value": "s-01", "caseInsensitive": true}, "limit": 15}"#,
    r#"{"filter": {"op": "endsWith", "column": "station", "value": "7"}, "sort": [{"column": "celsius"}]}"#,
    r#"{"filter": {"op": "contains", "column": "remark", "value": "twice"}}"#,
    r#"{"filter": {"op": "regex", "column": "sensor", "pattern": "^S-0[0-4]"}, "limit": 5}"#,
    r#"{"filter": {"op": "and", "filters": [{"op": "<=", "column": "ratio", "value": 0.25}, {"op": "<", "column": "seen", "value": "2021-04-01T00:00:00Z"},
                                           {"op": ">=", "column": "logged_on", "value": "2021-02-01"}]}, "sort": [{"column": "seen"}]}"#,
    r#"{"filter": {"op": "notIn", "column": "level", "values": [0, 9]}, "sort": [{"column": "ratio", "descending": true}], "offset": 2500}"#,
];

const AGGREGATES: &[&str] = &[
    r#"{"aggregates": [{"op": "count"}, {"op": "count", "column": "celsius"}, {"op": "countDistinct", "column": "celsius"},
        {"op": "sum", "column": "celsius"}, {"op": "mean", "column": "celsius"}, {"op": "min", "column": "celsius"},
        {"op": "max", "column": "celsius"}, {"op": "median", "column": "celsius"}, {"op": "quantile", "column": "celsius", "q": 0.9},
        {"op": "variancePop", "column": "celsius"}, {"op": "varianceSamp", "column": "celsius"},
        {"op": "stddevPop", "column": "ratio"}, {"op": "stddevSamp", "column": "ratio"},
        {"op": "first", "column": "remark"}, {"op": "last", "column": "seen"}]}"#,
    r#"{"groupBy": ["station", "level"], "aggregates": [{"op": "count", "as": "n"}, {"op": "mean", "column": "ratio"}],
        "having": {"op": ">", "column": "n", "value": 10}, "sort": [{"column": "n", "descending": true}], "limit": 15}"#,
    r#"{"groupBy": ["alarm", "logged_on"], "aggregates": [{"op": "min", "column": "sensor"}, {"op": "max", "column": "seen"},
        {"op": "countDistinct", "column": "sensor"}]}"#,
    r#"{"groupBy": ["sensor"], "aggregates": [{"op": "count", "as": "n"}], "sort": [{"column": "n", "descending": true}], "limit": 5}"#,
    r#"{"groupBy": [{"column": "seen", "bucket": "minute", "as": "m"}], "aggregates": [{"op": "max", "column": "level"}], "limit": 3}"#,
    r#"{"groupBy": [{"column": "seen", "bucket": "hour", "as": "h"}, {"column": "seen", "bucket": "day", "as": "d"}], "aggregates": [{"op": "count"}]}"#,
    r#"{"groupBy": [{"column": "logged_on", "bucket": "week"}], "aggregates": [{"op": "median", "column": "ratio"}]}"#,
    r#"{"groupBy": [{"column": "logged_on", "bucket": "quarter", "as": "q"}, {"column": "seen", "bucket": "year", "as": "y"},
        {"column": "logged_on", "bucket": "month", "as": "mo"}], "aggregates": [{"op": "sum", "column": "level"}]}"#,
    r#"{"groupBy": [{"column": "celsius", "bins": {"count": 12}}], "aggregates": [{"op": "count"}]}"#,
    r#"{"filter": {"op": ">", "column": "celsius", "value": 0}, "groupBy": [{"column": "ratio", "bins": {"step": 0.1}}, "alarm"],
        "aggregates": [{"op": "quantile", "column": "celsius", "q": 0.25}]}"#,
    r#"{"groupBy": ["remark"], "aggregates": [{"op": "countDistinct", "column": "station"}, {"op": "first", "column": "seq"}]}"#,
];

const PIPELINES: &[&str] = &[
    r#"{"steps": [{"filter": {"op": "isNotNull", "column": "celsius"}},
        {"derive": {"as": "fahrenheit", "expr": {"op": "+", "args": [{"op": "/", "args": [{"op": "*", "args": [{"column": "celsius"}, {"value": 9}]}, {"value": 5}]}, {"value": 32}]}}},
        {"derive": {"as": "band", "expr": {"case": [{"when": {"op": ">", "args": [{"column": "fahrenheit"}, {"value": 80}]}, "then": {"value": "hot"}},
                                                     {"when": {"op": "<", "args": [{"column": "fahrenheit"}, {"value": 32}]}, "then": {"value": "freezing"}}],
                                            "else": {"value": "mild"}}}},
        {"aggregate": {"groupBy": ["band"], "aggregates": [{"op": "count"}, {"op": "max", "column": "fahrenheit"}]}},
        {"sort": [{"column": "band"}]}]}"#,
    r#"{"steps": [{"derive": {"as": "score", "expr": {"op": "round", "args": [{"op": "abs", "args": [{"op": "-", "args": [{"column": "ratio"}, {"column": "level"}]}]}]}}},
        {"derive": {"as": "late", "expr": {"op": "and", "args": [{"column": "alarm"}, {"op": ">=", "args": [{"column": "level"}, {"value": 5}]}]}}},
        {"derive": {"as": "safe", "expr": {"op": "coalesce", "args": [{"column": "celsius"}, {"value": 0}]}}},
        {"select": ["seq", "score", "late", "safe"]}, {"sort": [{"column": "score", "descending": true}]}, {"slice": {"offset": 10, "limit": 100}}]}"#,
];

const PROFILES: &[&str] = &[
    r#"{}"#,
    r#"{"columns": ["celsius", "station", "seen"], "filter": {"op": "=", "column": "alarm", "value": false}, "topK": 3, "bins": 8}"#,
];

const EXPORTS: &[&str] = &[
    r#"{"format": "csv", "filter": {"op": ">", "column": "level", "value": 6}, "sort": [{"column": "sensor", "descending": true}], "chunkRows": 2000}"#,
    r#"{"format": "arrow", "columns": ["seq", "seen", "remark"], "chunkRows": 5000}"#,
];

/// Graphic Walker payloads (what its charts and data tab send), generic ones.
const WALKER: &[&str] = &[
    r#"{"workflow": [{"type": "filter", "filters": [{"fid": "station", "rule": {"type": "one of", "value": ["Station A00", "Station C02", "Station Z25"]}}]},
        {"type": "transform", "transform": [{"key": "wk", "expression": {"op": "dateTimeDrill", "as": "wk", "params": [{"type": "field", "value": "seen"}, {"type": "value", "value": "week"}]}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["wk", "station"], "measures": [{"field": "celsius", "agg": "max", "asFieldKey": "hi"}, {"field": "ratio", "agg": "stdev", "asFieldKey": "sd"}]}]}]}"#,
    r#"{"workflow": [{"type": "filter", "filters": [{"fid": "celsius", "rule": {"type": "range", "value": [-10, 25]}}, {"fid": "remark", "rule": {"type": "regexp", "value": "low$"}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["alarm"], "measures": [{"field": "level", "agg": "min", "asFieldKey": "lo"}, {"field": "level", "agg": "variance", "asFieldKey": "v"}]}]}]}"#,
    r#"{"workflow": [{"type": "filter", "filters": [{"fid": "logged_on", "rule": {"type": "temporal range", "value": [1617235200000, 1633046400000]}}]},
        {"type": "transform", "transform": [{"key": "hour", "expression": {"op": "dateTimeFeature", "as": "hour", "params": [{"type": "field", "value": "seen"}, {"type": "value", "value": "hour"}]}},
                                            {"key": "lg", "expression": {"op": "log10", "as": "lg", "params": [{"type": "field", "value": "ratio"}]}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["hour"], "measures": [{"field": "lg", "agg": "mean", "asFieldKey": "lg_mean"}, {"field": "sensor", "agg": "distinctCount", "asFieldKey": "sensors"}]}]},
        {"type": "sort", "by": ["hour"], "sort": "descending"}]}"#,
    r#"{"workflow": [{"type": "transform", "transform": [{"key": "b", "expression": {"op": "bin", "as": "b", "params": [{"type": "field", "value": "ratio"}], "num": 5}},
                                                          {"key": "one", "expression": {"op": "one", "params": [], "as": "one"}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["b"], "measures": [{"field": "one", "agg": "sum", "asFieldKey": "n"}, {"field": "celsius", "agg": "median", "asFieldKey": "med"}]}]}]}"#,
    r#"{"workflow": [{"type": "filter", "filters": [{"fid": "level", "rule": {"type": "not in", "value": [2, 4]}}]},
        {"type": "view", "query": [{"op": "raw", "fields": ["sensor", "celsius", "seen", "alarm"]}]},
        {"type": "sort", "by": ["alarm", "sensor"], "sort": "descending"}], "offset": 900, "limit": 30}"#,
    r#"{"workflow": [{"type": "view", "query": [{"op": "raw", "fields": ["*"]}]}], "offset": 0, "limit": 50}"#,
];

/// One round of every query above; how many ran.
fn round(engine: &mut QueryEngine) -> Result<usize> {
    for json in PAGES {
        let page = spec::from_json("page", json).map_err(|e| failed("page", json, e))?;
        engine.page(&page).map_err(|e| failed("page", json, e))?;
    }
    for json in AGGREGATES {
        let aggregate = spec::from_json("aggregate", json).map_err(|e| failed("aggregate", json, e))?;
        engine.aggregate(&aggregate).map_err(|e| failed("aggregate", json, e))?;
    }
    for json in PIPELINES {
        let pipeline = spec::from_json("pipeline", json).map_err(|e| failed("pipeline", json, e))?;
        engine.run(&pipeline).map_err(|e| failed("pipeline", json, e))?;
    }
    for json in PROFILES {
        let profile = spec::from_json("profile", json).map_err(|e| failed("profile", json, e))?;
        engine.profile(&profile).map_err(|e| failed("profile", json, e))?;
    }
    for json in EXPORTS {
        let export = spec::from_json("export", json).map_err(|e| failed("export", json, e))?;
        let mut cursor = engine.export(&export).map_err(|e| failed("export", json, e))?;
        while cursor.next_chunk().map_err(|e| failed("export", json, e))?.is_some() {}
    }
    let env = Env::default();
    for json in WALKER {
        let payload = parse_payload(json).map_err(|e| failed("Graphic Walker", json, e))?;
        engine.walker(&payload, &env).map_err(|e| failed("Graphic Walker", json, e))?;
    }
    Ok(PAGES.len() + AGGREGATES.len() + PIPELINES.len() + PROFILES.len() + EXPORTS.len() + WALKER.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_warm_up_query_succeeds_on_the_whole_synthetic_file() {
        let done = run().expect("every warm-up query succeeds");
        assert_eq!(done.rows, ROWS as usize);
        let per_round = PAGES.len() + AGGREGATES.len() + PIPELINES.len() + PROFILES.len() + EXPORTS.len() + WALKER.len();
        assert_eq!(done.queries, 3 * per_round);
    }

    #[test]
    fn the_synthetic_file_has_every_kind_nulls_and_a_widening() {
        let text = csv();
        let mut ingest = Ingest::new(options()).unwrap();
        for chunk in text.as_bytes().chunks(256 << 10) {
            ingest.push(chunk).unwrap();
        }
        let table = ingest.finish().unwrap();
        let kinds: Vec<(String, &str, String)> = table.column_infos().into_iter().map(|c| (c.name, c.kind, c.arrow_type)).collect();
        let expect = [
            ("seq", "integer"),
            ("station", "string"),
            ("sensor", "string"),
            ("celsius", "float"),
            ("level", "integer"),
            ("seen", "timestamp"),
            ("logged_on", "date"),
            ("alarm", "boolean"),
            ("remark", "string"),
            ("ratio", "float"),
        ];
        assert_eq!(kinds.iter().map(|(n, k, _)| (n.as_str(), *k)).collect::<Vec<_>>(), expect);
        // `seq` is small in the first batches of 4,096 rows and passes 2^32 in
        // a late one: the column was widened.
        assert_eq!(kinds[0].2, "Int64");
        assert!(reading(ROWS / 2 - 1).seq < 1 << 16 && reading(ROWS - 1).seq > 1 << 32);
        let nulls = (0..ROWS).filter(|&i| reading(i).celsius.is_none()).count();
        assert!(nulls > 1000 && nulls < 3000, "{nulls} blank readings");
    }
}
