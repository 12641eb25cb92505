//! Generated tables and queries shared by the plan's cross-check tests
//! (`tests/plan.rs`: rewrites on and off) and partition tests
//! (`tests/partitions.rs`: 1..8 partitions against the whole table).
//!
//! Tables hold what breaks engines: nulls, NaN, ±0, ±Infinity, duplicates,
//! empty strings, non-ASCII text, float and time keys, dates around 1970,
//! integers beyond 2^53, text that is a dictionary and text that is not,
//! many record batches. Queries cover every filter kind, sort, aggregate
//! function, key kind, time bucket, bin rule, having, offset and limit, the
//! pipelines' steps and profiles (Quiver's specs), and every filter rule,
//! transform, view and aggregator of Graphic Walker's payloads.
#![allow(dead_code)]

use quiver::ingest::{Ingest, IngestOptions};
use quiver::Table;
use serde_json::{json, Value};

/// A small seeded generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.int(0, items.len() as i64 - 1) as usize].clone()
    }

    /// Some of `items` (at least `min`), in a random order.
    pub fn some<T: Clone>(&mut self, items: &[T], min: usize) -> Vec<T> {
        let mut all: Vec<T> = items.to_vec();
        for i in (1..all.len()).rev() {
            let j = self.int(0, i as i64) as usize;
            all.swap(i, j);
        }
        let n = self.int(min as i64, items.len() as i64) as usize;
        all.truncate(n);
        all
    }
}

/// Columns: `id` (unique integers), `i` (small integers, nulls), `big`
/// (integers beyond 2^53), `f` (floats with NaN, ±0, ±Infinity, nulls,
/// duplicates), `s` (dictionary text, empty strings, nulls), `u` (mostly
/// distinct text: plain Utf8), `d` (dates around 1970), `t` (timestamps,
/// zoned), `b` (booleans).
pub const COLUMNS: [&str; 9] = ["id", "i", "big", "f", "s", "u", "d", "t", "b"];
pub const NUMBERS: [&str; 4] = ["id", "i", "big", "f"];
pub const TEXTS: [&str; 2] = ["s", "u"];
pub const TIMES: [&str; 2] = ["d", "t"];

/// A generated CSV table of `rows` rows read in batches of `batch_rows`.
pub fn table(seed: u64, rows: usize, batch_rows: usize) -> Table {
    let csv = csv(seed, rows);
    let mut ingest = Ingest::new(csv_options(batch_rows)).unwrap();
    for chunk in csv.as_bytes().chunks(4096) {
        ingest.push(chunk).unwrap();
    }
    ingest.finish().unwrap()
}

/// The options [`table`] reads [`csv`] with.
pub fn csv_options(batch_rows: usize) -> IngestOptions {
    IngestOptions { batch_rows, null_values: vec!["".into(), "NA".into()], ..Default::default() }
}

/// The CSV text of [`table`].
pub fn csv(seed: u64, rows: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut csv = String::from("id,i,big,f,s,u,d,t,b\n");
    let words = ["North", "south", "Öst", "", "West", "ß", "a,b", "\"q\"", "North "];
    for id in 0..rows {
        let null = |rng: &mut Rng| rng.chance(0.08);
        let i = if null(&mut rng) { String::new() } else { rng.int(-3, 12).to_string() };
        let big = if null(&mut rng) { String::new() } else { (9_007_199_254_740_000i64 + rng.int(0, 2000) * rng.pick(&[1, -1])).to_string() };
        let f = if null(&mut rng) {
            String::new()
        } else if rng.chance(0.5) {
            rng.pick(&["NaN", "-0.0", "0.0", "inf", "-inf", "1.5", "2.25", "-7.125"]).to_string()
        } else {
            format!("{}", rng.int(-500, 500) as f64 / 8.0)
        };
        let s = if null(&mut rng) { "NA".to_string() } else { rng.pick(&words).to_string() };
        let u = if null(&mut rng) { "NA".to_string() } else { format!("u{}-{}", rng.int(0, rows as i64 * 4), rng.pick(&["x", "Y", "é"])) };
        let d = if null(&mut rng) {
            String::new()
        } else {
            let day = rng.int(-40, 400);
            format!("{}", chrono_day(day))
        };
        let t = if null(&mut rng) {
            String::new()
        } else {
            format!("{}T{:02}:{:02}:{:02}Z", chrono_day(rng.int(-5, 60)), rng.int(0, 23), rng.pick(&[0, 15, 30, 59]), rng.int(0, 59))
        };
        let b = if null(&mut rng) { String::new() } else { rng.pick(&["true", "false"]).to_string() };
        let quote = |v: &str| if v.contains(',') || v.contains('"') { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_string() };
        csv.push_str(&format!("{id},{i},{big},{f},{},{},{d},{t},{b}\n", quote(&s), quote(&u)));
    }
    csv
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
fn chrono_day(days: i64) -> String {
    let (y, m, d) = quiver::calendar::civil_from_days(days as i32);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A value to compare `column` with.
fn value_for(rng: &mut Rng, column: &str) -> Value {
    match column {
        "id" => json!(rng.int(0, 400)),
        "i" => json!(rng.int(-4, 13)),
        "big" => json!(9_007_199_254_740_000i64 + rng.int(-2000, 2000)),
        "f" => rng.pick(&[json!(0), json!(-0.0), json!(1.5), json!(-7.125), json!("NaN"), json!(2.25), json!(10)]),
        "s" => rng.pick(&[json!("North"), json!(""), json!("Öst"), json!("a,b"), json!("nope")]),
        "u" => json!(format!("u{}", rng.int(0, 40))),
        "d" => json!(chrono_day(rng.int(-40, 400))),
        "t" => json!(format!("{}T12:00:00Z", chrono_day(rng.int(-5, 60)))),
        _ => json!(rng.chance(0.5)),
    }
}

/// A Quiver filter.
pub fn filter(rng: &mut Rng, depth: u32) -> Value {
    let column = rng.pick(&COLUMNS);
    match rng.int(0, if depth > 1 { 9 } else { 12 }) {
        0 => json!({"op": rng.pick(&["=", "!=", "<", "<=", ">", ">="]), "column": column, "value": value_for(rng, column)}),
        1 => json!({"op": "between", "column": column, "min": value_for(rng, column), "max": if rng.chance(0.3) { Value::Null } else { value_for(rng, column) }}),
        2 => {
            let mut values: Vec<Value> = (0..rng.int(1, 4)).map(|_| value_for(rng, column)).collect();
            if rng.chance(0.3) {
                values.push(Value::Null);
            }
            json!({"op": rng.pick(&["in", "notIn"]), "column": column, "values": values})
        }
        3 => json!({"op": rng.pick(&["isNull", "isNotNull"]), "column": column}),
        4 | 5 => {
            let text = rng.pick(&TEXTS);
            let value = rng.pick(&["o", "N", "u1", "é", ""]);
            json!({"op": rng.pick(&["contains", "startsWith", "endsWith"]), "column": text, "value": value, "caseInsensitive": rng.chance(0.5)})
        }
        6 => json!({"op": "regex", "column": rng.pick(&TEXTS), "pattern": rng.pick(&["^N", "t$", "u[0-3]", "(?i)öst"]), "caseInsensitive": rng.chance(0.3)}),
        7 => json!({"op": "=", "column": "f", "value": "NaN"}),
        8 | 9 => json!({"op": ">", "column": rng.pick(&NUMBERS), "value": value_for(rng, "i")}),
        _ => {
            let parts: Vec<Value> = (0..rng.int(1, 3)).map(|_| filter(rng, depth + 1)).collect();
            match rng.int(0, 2) {
                0 => json!({"op": "and", "filters": parts}),
                1 => json!({"op": "or", "filters": parts}),
                _ => json!({"op": "not", "filter": parts[0]}),
            }
        }
    }
}

/// Sort keys on 1–3 columns.
pub fn sort(rng: &mut Rng, columns: &[&str]) -> Value {
    let keys: Vec<Value> = rng
        .some(columns, 1)
        .into_iter()
        .take(3)
        .map(|c| json!({"column": c, "descending": rng.chance(0.5), "nulls": rng.pick(&["first", "last"]), "caseInsensitive": rng.chance(0.2)}))
        .collect();
    Value::Array(keys)
}

/// A page spec.
pub fn page(rng: &mut Rng) -> Value {
    let mut spec = json!({"sort": sort(rng, &COLUMNS), "offset": rng.int(0, 30), "limit": rng.int(0, 40)});
    if rng.chance(0.6) {
        spec["filter"] = filter(rng, 0);
    }
    if rng.chance(0.3) {
        spec["sort"] = json!([]);
    }
    spec
}

/// Every aggregate function (with the columns it can take).
fn aggregate_call(rng: &mut Rng) -> Value {
    let op = rng.pick(&[
        "count", "count", "countDistinct", "sum", "mean", "min", "max", "median", "quantile", "variancePop", "varianceSamp",
        "stddevPop", "stddevSamp", "first", "last",
    ]);
    let numeric = matches!(op, "sum" | "mean" | "median" | "quantile" | "variancePop" | "varianceSamp" | "stddevPop" | "stddevSamp");
    let column = if numeric { rng.pick(&NUMBERS) } else { rng.pick(&COLUMNS) };
    let mut call = json!({"op": op});
    if op != "count" || rng.chance(0.5) {
        call["column"] = json!(column);
    }
    if op == "quantile" {
        call["q"] = json!(rng.pick(&[0.0, 0.1, 0.5, 0.9, 1.0]));
    }
    call
}

/// A group key: a column, a time bucket or bins.
fn group_key(rng: &mut Rng) -> Value {
    match rng.int(0, 5) {
        0 => json!({"column": rng.pick(&TIMES), "bucket": rng.pick(&["year", "quarter", "month", "week", "day", "hour", "minute"]), "as": "bucket"}),
        1 => json!({"column": rng.pick(&["f", "i", "id"]), "bins": if rng.chance(0.5) { json!({"count": rng.int(1, 6)}) } else { json!({"step": rng.pick(&[0.5, 3.0, 100.0])}) }, "as": "bin"}),
        _ => json!(rng.pick(&COLUMNS)),
    }
}

/// An aggregate spec: keys, calls named apart, having, sort, slice.
pub fn aggregate(rng: &mut Rng) -> Value {
    let mut keys: Vec<Value> = Vec::new();
    for _ in 0..rng.int(0, 2) {
        let key = group_key(rng);
        if !keys.contains(&key) && !(key.get("as").is_some() && keys.iter().any(|k| k.get("as") == key.get("as"))) {
            keys.push(key);
        }
    }
    let mut calls: Vec<Value> = Vec::new();
    for n in 0..rng.int(if keys.is_empty() { 1 } else { 0 }, 3) {
        let mut call = aggregate_call(rng);
        call["as"] = json!(format!("a{n}"));
        calls.push(call);
    }
    let mut spec = json!({"groupBy": keys, "aggregates": calls});
    if rng.chance(0.5) {
        spec["filter"] = filter(rng, 0);
    }
    let outputs: Vec<String> = calls.iter().filter_map(|c| c["as"].as_str().map(String::from)).collect();
    if !outputs.is_empty() && rng.chance(0.3) {
        spec["having"] = json!({"op": ">", "column": rng.pick(&outputs), "value": 1});
    }
    if rng.chance(0.6) {
        let mut names: Vec<&str> = outputs.iter().map(String::as_str).collect();
        for key in &keys {
            names.push(key.as_str().or_else(|| key["as"].as_str()).unwrap());
        }
        let sort_on: Vec<&str> = names.clone();
        spec["sort"] = sort(rng, &sort_on);
    }
    if rng.chance(0.5) {
        spec["offset"] = json!(rng.int(0, 3));
        spec["limit"] = json!(rng.int(0, 5));
    }
    spec
}

/// The query Graphic Walker's profiling sends most: a key's groups counted,
/// sorted by the count with a limit (the `top_values` fusion), or counted
/// over all groups (the `distinct_count` fusion).
pub fn counting_aggregate(rng: &mut Rng) -> Value {
    let key = rng.pick(&COLUMNS);
    json!({"groupBy": [key], "aggregates": [{"op": "count", "as": "c"}],
           "sort": [{"column": "c", "descending": rng.chance(0.7)}], "limit": rng.int(1, 6), "offset": rng.int(0, 2)})
}

/// A pipeline: steps after one another.
pub fn pipeline(rng: &mut Rng) -> Value {
    let mut steps: Vec<Value> = Vec::new();
    if rng.chance(0.5) {
        steps.push(json!({"filter": filter(rng, 0)}));
    }
    if rng.chance(0.5) {
        steps.push(json!({"derive": {"as": "x", "expr": rng.pick(&[
            json!({"op": "*", "args": [{"column": "i"}, {"column": "f"}]}),
            json!({"case": [{"when": {"op": ">", "args": [{"column": "i"}, {"value": 3}]}, "then": {"value": "big"}}], "else": {"value": "small"}}),
            json!({"op": "||", "args": [{"column": "s"}, {"column": "i"}]}),
            json!({"op": "coalesce", "args": [{"column": "f"}, {"value": 0}]}),
        ])}}));
    }
    match rng.int(0, 3) {
        0 => {
            // Distinct values of a key: grouped, then the groups counted.
            let key = rng.pick(&COLUMNS);
            steps.push(json!({"aggregate": {"groupBy": [key], "aggregates": [{"op": "count", "as": "c"}]}}));
            steps.push(json!({"aggregate": {"aggregates": [{"op": "count", "as": "groups"}, {"op": "sum", "column": "c", "as": "rows"}]}}));
        }
        1 => {
            let key = rng.pick(&COLUMNS);
            steps.push(json!({"aggregate": {"groupBy": [key], "aggregates": [{"op": "count", "as": "c"}]}}));
            steps.push(json!({"sort": [{"column": "c", "descending": true}]}));
            steps.push(json!({"slice": {"offset": rng.int(0, 2), "limit": rng.int(1, 4)}}));
        }
        2 => {
            steps.push(json!({"aggregate": aggregate(rng)}));
        }
        _ => {
            steps.push(json!({"sort": sort(rng, &COLUMNS)}));
            steps.push(json!({"slice": {"offset": rng.int(0, 20), "limit": rng.int(0, 20)}}));
            steps.push(json!({"select": rng.some(&COLUMNS, 1)}));
        }
    }
    json!({"steps": steps})
}

/// A profile spec.
pub fn profile(rng: &mut Rng) -> Value {
    let mut spec = json!({"topK": rng.int(0, 5), "bins": rng.int(1, 8)});
    if rng.chance(0.5) {
        spec["columns"] = json!(rng.some(&COLUMNS, 1));
    }
    if rng.chance(0.4) {
        spec["filter"] = filter(rng, 0);
    }
    spec
}

/// `a` and `b` equal, numbers to `tolerance` relative (0: exactly).
pub fn same(a: &Value, b: &Value, tolerance: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if tolerance > 0.0 && x.is_finite() && y.is_finite() => {
                x == y || (x - y).abs() <= tolerance * x.abs().max(y.abs()).max(1e-300)
            }
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y, tolerance)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy, tolerance))
        }
        _ => a == b,
    }
}
