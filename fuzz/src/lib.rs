//! Shared by the fuzz targets (`fuzz_targets/`): loading CSV bytes in chunks
//! with snapshots in between, small generated tables full of awkward values
//! (nulls, NaN, ±0, empty strings, extreme dates, text that looks like
//! numbers), and query specs and Graphic Walker payloads built from the
//! fuzzer's bytes. Structured generation reaches far deeper into the engine
//! than raw JSON bytes would: almost every spec it builds parses, so the
//! fuzzer's time goes into evaluating them.
//!
//! What must change with the engine: the value pools follow the ingest's
//! readers (`src/ingest/infer.rs`), the specs follow `src/query/spec.rs` and
//! the payloads `src/walker/payload.rs`. A spec field the engine adds is not
//! fuzzed until it is added here.

use arbitrary::{Result, Unstructured};
use quiver::ingest::{Ingest, IngestOptions, Warning};
use quiver::rows::Rows;
use quiver::Table;
use serde_json::{json, Value};

/// With `QUIVER_FUZZ_PRINT=1`, prints what a target generated (to read a
/// crashing input: `QUIVER_FUZZ_PRINT=1 fuzz/target/…/walker crash-…`).
pub fn trace(what: &str, value: &dyn std::fmt::Display) {
    static PRINT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *PRINT.get_or_init(|| std::env::var_os("QUIVER_FUZZ_PRINT").is_some()) {
        eprintln!("--- {what}:\n{value}");
    }
}

// ---------------------------------------------------------------- loading

/// A finished load: the table and what was reported along the way.
#[derive(Debug)]
pub struct Load {
    pub table: Table,
    pub warnings: Vec<Warning>,
    pub delimiter: Option<char>,
}

/// How the bytes are cut: chunk lengths (0 = an empty chunk) used in turn,
/// and after which chunks a snapshot is taken.
#[derive(Clone, Debug, Default)]
pub struct Cuts {
    pub lengths: Vec<usize>,
    pub snapshots: Vec<bool>,
}

/// Loads `bytes` cut as `cuts` says (all at once when `cuts` is empty). A
/// snapshot must always be readable, hold the rows said to be readable, and
/// show the first rows of the final table (in every column whose kind did
/// not change afterwards).
pub fn load(bytes: &[u8], options: &IngestOptions, sniff_bytes: usize, cuts: &Cuts) -> std::result::Result<Load, String> {
    let mut snapshots = Vec::new();
    let load = load_with_snapshots(bytes, options, sniff_bytes, cuts, &mut snapshots)?;
    let fin = rows(&load.table);
    let Value::Array(fin) = &fin else { unreachable!() };
    for snapshot in snapshots {
        let snap = rows(&snapshot);
        let Value::Array(snap) = &snap else { unreachable!() };
        assert!(snap.len() <= fin.len(), "a snapshot has more rows than the table");
        if snapshot.num_columns() == 0 {
            // Taken before the header was read: nothing to show yet.
            assert!(snap.is_empty(), "a snapshot without columns has rows");
            continue;
        }
        assert_eq!(snapshot.num_columns(), load.table.num_columns(), "a snapshot has other columns than the table");
        // Columns whose kind (and zone) did not change after the snapshot.
        let comparable: std::collections::HashSet<&str> = snapshot
            .schema()
            .fields()
            .iter()
            .zip(load.table.schema().fields().iter())
            .filter(|(s, f)| {
                quiver::table::kind_of(s.data_type()) == quiver::table::kind_of(f.data_type())
                    && match (s.data_type(), f.data_type()) {
                        (arrow_schema::DataType::Timestamp(_, a), arrow_schema::DataType::Timestamp(_, b)) => a == b,
                        _ => true,
                    }
            })
            .map(|(s, _)| s.name().as_str())
            .collect();
        for (i, (row, final_row)) in snap.iter().zip(fin).enumerate() {
            let (Value::Object(row), Value::Object(final_row)) = (row, final_row) else { unreachable!() };
            for ((name, value), (final_name, final_value)) in row.iter().zip(final_row) {
                assert_eq!(name, final_name);
                if comparable.contains(name.as_str()) {
                    assert_eq!(value, final_value, "row {i} of column {name:?} differs between a snapshot and the table");
                }
            }
        }
    }
    Ok(load)
}

fn load_with_snapshots(
    bytes: &[u8],
    options: &IngestOptions,
    sniff_bytes: usize,
    cuts: &Cuts,
    snapshots: &mut Vec<Table>,
) -> std::result::Result<Load, String> {
    let mut ingest = Ingest::with_sniff_bytes(options.clone(), sniff_bytes).map_err(|e| e.to_string())?;
    let mut rest = bytes;
    let mut step = 0;
    while !rest.is_empty() {
        let len = if cuts.lengths.is_empty() { rest.len() } else { cuts.lengths[step % cuts.lengths.len()].min(rest.len()) };
        // A run of empty chunks only: still make progress after a few.
        let len = if len == 0 && step > 4 * (cuts.lengths.len() + 1) && cuts.lengths.iter().all(|&l| l == 0) { rest.len() } else { len };
        let (chunk, tail) = rest.split_at(len);
        ingest.push(chunk).map_err(|e| e.to_string())?;
        if cuts.snapshots.get(step % cuts.snapshots.len().max(1)).copied().unwrap_or(false) {
            let readable = ingest.rows_readable();
            let snapshot = ingest.snapshot().expect("a snapshot is always readable");
            assert_eq!(snapshot.num_rows(), readable, "a snapshot holds the rows said to be readable");
            assert_eq!(snapshot.column_infos(), ingest.column_infos(), "a snapshot's columns are the columns reported");
            assert!(ingest.rows_parsed() >= readable);
            snapshots.push(snapshot);
        }
        rest = tail;
        step += 1;
    }
    let table = ingest.finish().map_err(|e| e.to_string())?;
    Ok(Load { table, warnings: ingest.warnings(), delimiter: ingest.delimiter() })
}

/// The rows of `table` as JSON (NaN and infinities as text).
pub fn rows(table: &Table) -> Value {
    serde_json::to_value(Rows::json_text(table.batches())).expect("rows serialise")
}

// ---------------------------------------------------------------- tables

/// The kinds of generated columns. `Mixed` draws from every pool, so the
/// column widens (often in a late batch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    BigInteger,
    Float,
    Boolean,
    Date,
    ZonedTime,
    LocalTime,
    Text,
    Mixed,
}

const KINDS: [Kind; 9] = [
    Kind::Integer,
    Kind::BigInteger,
    Kind::Float,
    Kind::Boolean,
    Kind::Date,
    Kind::ZonedTime,
    Kind::LocalTime,
    Kind::Text,
    Kind::Mixed,
];

const INTEGERS: &[&str] = &["0", "1", "-1", "2", "3", "7", "-128", "127", "1000", "-40000", "2147483648", " 5 "];
const BIG_INTEGERS: &[&str] = &["9007199254740993", "-9223372036854775808", "9223372036854775807", "1", "0"];
const FLOATS: &[&str] = &[
    "0.5", "-0.0", "0.0", "0", "NaN", "inf", "-inf", "1.5", "-2.25", "1e300", "-1e-300", "3", "0.1", "2", "1e16", "5e-324",
];
const BOOLEANS: &[&str] = &["true", "false", "TRUE", "False"];
const DATES: &[&str] = &["2024-01-01", "2024-02-29", "1970-01-01", "1969-12-31", "0001-01-01", "9999-12-31", "2023-12-31"];
const ZONED_TIMES: &[&str] = &[
    "2024-01-01T00:00:00Z",
    "2024-03-10T02:30:00-05:00",
    "1970-01-01T00:00:00.000001Z",
    "2024-12-31T23:59:59.999Z",
    "0000-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-23:59",
    "2024-01-01",
];
const LOCAL_TIMES: &[&str] = &["2024-01-01 10:00", "2024-06-30T12:00:00.5", "1999-12-31T23:59:59", "2024-01-01"];
const TEXTS: &[&str] = &[
    "a", "A", "b", "B", "ä", "Ä", "a b", " a", "a ", "中文", "x,y", "say \"hi\"", "line\nbreak", "1", "007", "true", "NaN",
    "é", "e\u{301}", "\u{FFFD}", "Infinity", "apple", "Apple", "%", "_", "\\", ".*", "a;b", "-",
];
/// How a null is written in the file (all are default null tokens).
const NULLS: &[&str] = &["", "NA", "null"];

fn pool(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Integer => INTEGERS,
        Kind::BigInteger => BIG_INTEGERS,
        Kind::Float => FLOATS,
        Kind::Boolean => BOOLEANS,
        Kind::Date => DATES,
        Kind::ZonedTime => ZONED_TIMES,
        Kind::LocalTime => LOCAL_TIMES,
        Kind::Text | Kind::Mixed => TEXTS,
    }
}

/// A generated table: its CSV text, and its columns' names and kinds.
#[derive(Clone, Debug)]
pub struct Generated {
    pub csv: String,
    pub columns: Vec<(String, Kind)>,
    pub rows: usize,
    pub batch_rows: usize,
}

const NAMES: &[&str] = &["a", "b", "c", "d", "e", "count", "x y", "Ä", "n_sum"];

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// 1–5 columns of random kinds, 0–40 rows, some nulls, random batch size.
pub fn table(u: &mut Unstructured) -> Result<Generated> {
    let count = u.int_in_range(1..=5)?;
    let mut columns: Vec<(String, Kind)> = Vec::new();
    for i in 0..count {
        let name = if u.ratio(1, 4)? { NAMES[u.choose_index(NAMES.len())?] } else { NAMES[i] };
        if columns.iter().any(|(n, _)| n == name) {
            continue;
        }
        columns.push((name.to_string(), *u.choose(&KINDS)?));
    }
    let rows = u.int_in_range(0..=40)?;
    let mut csv = columns.iter().map(|(n, _)| csv_field(n)).collect::<Vec<_>>().join(",");
    csv.push('\n');
    for _ in 0..rows {
        let mut fields = Vec::with_capacity(columns.len());
        for (_, kind) in &columns {
            let text = if u.ratio(1, 5)? {
                *u.choose(NULLS)?
            } else if *kind == Kind::Mixed {
                let drawn = *u.choose(&KINDS)?;
                *u.choose(pool(drawn))?
            } else {
                *u.choose(pool(*kind))?
            };
            fields.push(csv_field(text));
        }
        // A row of one empty field would be a blank line (skipped): quote it.
        if fields.len() == 1 && fields[0].is_empty() {
            fields[0] = "\"\"".into();
        }
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    let batch_rows = *u.choose(&[1usize, 2, 3, 7, 16, 65_536])?;
    Ok(Generated { csv, columns, rows, batch_rows })
}

impl Generated {
    pub fn load(&self) -> Table {
        trace("table (CSV)", &format!("{}(batchRows {})", self.csv, self.batch_rows));
        // A generated row may equal the header (a one-column table of
        // names): kept, so the table has every generated row (dropping
        // such rows by default is tested in tests/dialects.rs).
        let options = IngestOptions { batch_rows: self.batch_rows, keep_repeated_headers: true, ..Default::default() };
        let mut ingest = Ingest::new(options).expect("default options are valid");
        ingest.push(self.csv.as_bytes()).expect("generated CSV loads");
        ingest.finish().expect("generated CSV loads")
    }

    /// A column name: almost always one of the table's.
    pub fn column(&self, u: &mut Unstructured) -> Result<String> {
        if u.ratio(1, 30)? {
            return Ok("nope".into());
        }
        Ok(self.columns[u.choose_index(self.columns.len())?].0.clone())
    }

    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, k)| *k)
    }
}

/// A JSON value to compare a column of `kind` with: usually one of its pool
/// (as text, or as a number when it reads as one), sometimes anything.
pub fn value(u: &mut Unstructured, kind: Option<Kind>) -> Result<Value> {
    let kind = kind.unwrap_or(Kind::Mixed);
    Ok(match u.int_in_range(0..=9)? {
        0..=5 => {
            let text = *u.choose(pool(kind))?;
            match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && u.arbitrary()? => serde_json::Number::from_f64(v).map_or(json!(text), Value::Number),
                _ => json!(text),
            }
        }
        6 => json!(u.int_in_range(-5i64..=5)?),
        7 => json!(u.arbitrary::<f64>()?).clone(),
        8 => json!(u.arbitrary::<bool>()?),
        _ => match u.int_in_range(0..=4)? {
            0 => Value::Null,
            1 => json!(u.arbitrary::<i64>()?),
            2 => json!(1_704_067_200_000i64), // 2024-01-01 in epoch ms
            3 => json!(u.arbitrary::<String>()?),
            _ => json!([]),
        },
    })
}

const PATTERNS: &[&str] = &[
    "a", "^a", "a$", "^\\w+$", "\\d", "[ä-ö]", "(", "a{", "[^]", "(?i)a", ".*", "", "x|y", "\\bb", "^$", "a+?", "\\p{L}",
    "(a)\\1", "(?=a)", "[[:alpha:]]", "é", "中",
];
const NEEDLES: &[&str] = &["a", "A", "", "ä", "Ä", " ", "1", "%", "_", "\\", "中", "e\u{301}", "ß", "SS"];

/// A Quiver filter spec (`src/query/spec.rs`), as JSON.
pub fn filter(u: &mut Unstructured, t: &Generated, depth: u32) -> Result<Value> {
    let top = if depth >= 3 { 16 } else { 19 };
    let column = t.column(u)?;
    let kind = t.kind_of(&column);
    Ok(match u.int_in_range(0..=top)? {
        0..=5 => {
            let op = *u.choose(&["=", "!=", "<", "<=", ">", ">="])?;
            json!({"op": op, "column": column, "value": value(u, kind)?})
        }
        6 => {
            let mut f = json!({"op": "between", "column": column});
            if u.arbitrary()? {
                f["min"] = value(u, kind)?;
            }
            if u.arbitrary()? {
                f["max"] = value(u, kind)?;
            }
            f
        }
        7 | 8 => {
            let op = if u.arbitrary()? { "in" } else { "notIn" };
            let n = u.int_in_range(0..=4)?;
            let values = (0..n).map(|_| if u.ratio(1, 4)? { Ok(Value::Null) } else { value(u, kind) }).collect::<Result<Vec<_>>>()?;
            json!({"op": op, "column": column, "values": values})
        }
        9 => json!({"op": "isNull", "column": column}),
        10 => json!({"op": "isNotNull", "column": column}),
        11..=13 => {
            let op = *u.choose(&["contains", "startsWith", "endsWith"])?;
            json!({"op": op, "column": column, "value": *u.choose(NEEDLES)?, "caseInsensitive": u.arbitrary::<bool>()?})
        }
        14..=16 => {
            let pattern = if u.ratio(1, 4)? { u.arbitrary::<String>()? } else { u.choose(PATTERNS)?.to_string() };
            json!({"op": "regex", "column": column, "pattern": pattern, "caseInsensitive": u.arbitrary::<bool>()?})
        }
        17 => json!({"op": "not", "filter": filter(u, t, depth + 1)?}),
        _ => {
            let op = if u.arbitrary()? { "and" } else { "or" };
            let n = u.int_in_range(0..=3)?;
            let filters = (0..n).map(|_| filter(u, t, depth + 1)).collect::<Result<Vec<_>>>()?;
            json!({"op": op, "filters": filters})
        }
    })
}

/// Whether `f` is a comparison whose only unknown (null) result is a null
/// in its column: then `f`, `not f` and `isNull column` split the rows.
pub fn null_only_when_column_is(f: &Value) -> Option<&str> {
    let op = f["op"].as_str()?;
    let column = f["column"].as_str()?;
    match op {
        "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "startsWith" | "endsWith" | "regex" => Some(column),
        "between" if !f["min"].is_null() || !f["max"].is_null() => Some(column),
        "in" if !f["values"].as_array()?.iter().any(Value::is_null) => Some(column),
        _ => None,
    }
}

/// Sort keys (0–3).
pub fn sort(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let n = u.int_in_range(0..=3)?;
    let keys = (0..n)
        .map(|_| {
            let mut key = json!({"column": t.column(u)?});
            if u.arbitrary()? {
                key["descending"] = json!(true);
            }
            if u.arbitrary()? {
                key["nulls"] = json!(if u.arbitrary()? { "first" } else { "last" });
            }
            if u.ratio(1, 4)? {
                key["caseInsensitive"] = json!(true);
            }
            Ok(key)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::Array(keys))
}

const AGGREGATE_OPS: &[&str] = &[
    "count", "countDistinct", "sum", "mean", "min", "max", "median", "quantile", "variancePop", "varianceSamp", "stddevPop",
    "stddevSamp", "first", "last",
];

/// One aggregate (`{op, column?, q?, as?}`).
pub fn aggregate(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let op = *u.choose(AGGREGATE_OPS)?;
    let mut a = json!({"op": op});
    if op != "count" || u.arbitrary()? {
        a["column"] = json!(t.column(u)?);
    }
    if op == "quantile" || u.ratio(1, 20)? {
        a["q"] = json!(*u.choose(&[0.0, 0.5, 0.9, 1.0, -0.1, 1.5, f64::MIN_POSITIVE])?);
    }
    if u.ratio(1, 4)? {
        a["as"] = json!(*u.choose(&["n", "a", "count", "x"])?);
    }
    Ok(a)
}

/// A group key: a column, a time bucket or numeric bins.
pub fn group_key(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let column = t.column(u)?;
    Ok(match u.int_in_range(0..=5)? {
        0..=2 => json!(column),
        3 => json!({"column": column, "bucket": *u.choose(&["year", "quarter", "month", "week", "day", "hour", "minute"])?}),
        4 => json!({"column": column, "bins": {"count": *u.choose(&[0u64, 1, 2, 5, 20, 1000, 4_294_967_295])?}}),
        _ => json!({"column": column, "bins": {"step": *u.choose(&[0.5, 1.0, 10.0, 1e-300, 1e300, 0.0, -1.0])?}, "as": "bin"}),
    })
}

/// A whole aggregate spec.
pub fn aggregate_spec(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let keys = (0..u.int_in_range(0..=3)?).map(|_| group_key(u, t)).collect::<Result<Vec<_>>>()?;
    let aggregates = (0..u.int_in_range(0..=4)?).map(|_| aggregate(u, t)).collect::<Result<Vec<_>>>()?;
    let mut spec = json!({"groupBy": keys, "aggregates": aggregates});
    if u.ratio(1, 3)? {
        spec["filter"] = filter(u, t, 1)?;
    }
    if u.ratio(1, 4)? {
        spec["having"] = json!({"op": *u.choose(&[">", "<=", "="])?, "column": *u.choose(&["count", "n", "a", "sum_a"])?, "value": u.int_in_range(0..=3)?});
    }
    if u.ratio(1, 3)? {
        spec["sort"] = json!([{"column": *u.choose(&["count", "n", "a", "b"])?, "descending": u.arbitrary::<bool>()?}]);
    }
    if u.ratio(1, 4)? {
        spec["offset"] = json!(u.int_in_range(0..=5)?);
    }
    if u.ratio(1, 4)? {
        spec["limit"] = json!(u.int_in_range(0..=5)?);
    }
    Ok(spec)
}

/// A profile spec.
pub fn profile_spec(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let mut spec = json!({});
    if u.arbitrary()? {
        spec["columns"] = json!((0..u.int_in_range(0..=3)?).map(|_| t.column(u)).collect::<Result<Vec<_>>>()?);
    }
    if u.arbitrary()? {
        spec["filter"] = filter(u, t, 1)?;
    }
    if u.arbitrary()? {
        spec["topK"] = json!(*u.choose(&[0u64, 1, 3, 10, 1000])?);
    }
    if u.arbitrary()? {
        spec["bins"] = json!(*u.choose(&[0u64, 1, 2, 20, 200])?);
    }
    Ok(spec)
}

/// A derived-column expression (`src/query/expr.rs`).
pub fn expr(u: &mut Unstructured, t: &Generated, depth: u32) -> Result<Value> {
    Ok(match u.int_in_range(0..=if depth >= 2 { 1 } else { 3 })? {
        0 => json!({"column": t.column(u)?}),
        1 => json!({"value": value(u, None)?}),
        2 => {
            let op = *u.choose(&["+", "-", "*", "/", "%", "=", "!=", "<", ">=", "and", "or", "not", "neg", "abs", "sqrt", "exp", "log", "log10", "floor", "round", "coalesce", "isNull", "||", "if", "lower"])?;
            let n = u.int_in_range(0..=3)?;
            json!({"op": op, "args": (0..n).map(|_| expr(u, t, depth + 1)).collect::<Result<Vec<_>>>()?})
        }
        _ => json!({"case": [{"when": expr(u, t, depth + 1)?, "then": expr(u, t, depth + 1)?}], "else": expr(u, t, depth + 1)?}),
    })
}

/// A pipeline spec: 1–4 steps.
pub fn pipeline_spec(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let steps = (0..u.int_in_range(1..=4)?)
        .map(|_| {
            Ok(match u.int_in_range(0..=5)? {
                0 => json!({"filter": filter(u, t, 1)?}),
                1 => json!({"aggregate": aggregate_spec(u, t)?}),
                2 => json!({"select": (0..u.int_in_range(0..=3)?).map(|_| t.column(u)).collect::<Result<Vec<_>>>()?}),
                3 => json!({"derive": {"as": *u.choose(&["d", "a", "count"])?, "expr": expr(u, t, 0)?}}),
                4 => json!({"sort": sort(u, t)?}),
                _ => json!({"slice": {"offset": u.int_in_range(-1..=5)?, "limit": u.int_in_range(-1..=5)?}}),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({"steps": steps}))
}

// ---------------------------------------------------------------- Graphic Walker

/// A Graphic Walker filter (`{fid, rule}`), on a column or a computed field.
pub fn walker_filter(u: &mut Unstructured, t: &Generated, fields: &[String]) -> Result<Value> {
    let fid = if !fields.is_empty() && u.ratio(1, 4)? { fields[u.choose_index(fields.len())?].clone() } else { t.column(u)? };
    let kind = t.kind_of(&fid);
    let end = |u: &mut Unstructured| -> Result<Value> {
        Ok(match u.int_in_range(0..=4)? {
            0 => Value::Null,
            1 => json!(u.int_in_range(-3..=3)?),
            2 => json!(*u.choose(&[0.5, -0.0, 1e300, -1e300, 1_704_067_200_000.0, -62_135_596_800_000.0])?),
            3 => json!(u.arbitrary::<f64>()?),
            _ => json!(u.arbitrary::<i64>()? as f64),
        })
    };
    let rule = match u.int_in_range(0..=5)? {
        0 => json!({"type": "range", "value": [end(u)?, end(u)?]}),
        1 => {
            let mut r = json!({"type": "temporal range", "value": [end(u)?, end(u)?]});
            if u.arbitrary()? {
                r["offset"] = json!(offset(u)?);
            }
            r
        }
        2 | 3 => {
            let n = u.int_in_range(0..=4)?;
            let values = (0..n).map(|_| if u.ratio(1, 4)? { Ok(Value::Null) } else { value(u, kind) }).collect::<Result<Vec<_>>>()?;
            json!({"type": if u.arbitrary()? { "one of" } else { "not in" }, "value": values})
        }
        4 => {
            let pattern = if u.ratio(1, 4)? { u.arbitrary::<String>()? } else { u.choose(PATTERNS)?.to_string() };
            json!({"type": "regexp", "value": pattern, "caseSensitive": u.arbitrary::<bool>()?})
        }
        _ => Value::Null,
    };
    Ok(json!({"fid": fid, "rule": rule}))
}

/// A time zone offset in minutes: usually a real one, sometimes anything.
pub fn offset(u: &mut Unstructured) -> Result<i32> {
    Ok(match u.int_in_range(0..=9)? {
        0..=7 => u.int_in_range(-840..=840)?,
        8 => *u.choose(&[i32::MIN, i32::MAX, -1_000_000, 1_000_000])?,
        _ => u.arbitrary()?,
    })
}

const DRILLS: &[&str] = &["year", "quarter", "month", "week", "day", "iso_year", "iso_week", "hour", "minute", "second", "weekday", "iso_weekday", "decade"];
const SQL: &[&str] = &[
    "\"a\" + 1", "\"a\" * \"b\"", "\"a\" / 0", "-\"a\"", "NOT \"a\"", "\"a\" IS NULL", "CASE WHEN \"a\" > 1 THEN 'x' ELSE 'y' END",
    "\"a\" ~ '^a'", "sum(\"a\")", "count(*)", "avg(\"a\") / count(*)", "\"a\" || 'x'", "'x' + 1", "(", "1 +", "\"nope\"", "max(\"b\") - min(\"b\")",
    "\"a\" % 0", "\"a\" = 'NaN'", "ABS(\"a\")", "\"x y\" + 1", "\"Ä\" > 0",
];

/// A computed field (`{key, expression}`); `name` is its output field.
pub fn transform(u: &mut Unstructured, t: &Generated, name: &str) -> Result<Value> {
    let field = t.column(u)?;
    let mut params = vec![json!({"type": "field", "value": field})];
    let op = *u.choose(&["bin", "binCount", "log", "log2", "log10", "one", "dateTimeDrill", "dateTimeFeature", "expr", "paint", "nope"])?;
    let mut num = None;
    match op {
        "bin" | "binCount" | "log" => {
            if u.arbitrary()? {
                num = Some(json!(*u.choose(&[0.0, 1.0, 2.0, 10.0, -1.0, 1e9, 0.5])?));
            }
        }
        "dateTimeDrill" | "dateTimeFeature" => {
            params.push(json!({"type": "value", "value": *u.choose(DRILLS)?}));
            if u.arbitrary()? {
                params.push(json!({"type": "offset", "value": offset(u)?}));
            }
            if u.arbitrary()? {
                params.push(json!({"type": "displayOffset", "value": offset(u)?}));
            }
        }
        "expr" => {
            let sql = if u.ratio(1, 5)? { u.arbitrary::<String>()? } else { u.choose(SQL)?.to_string() };
            params = vec![json!({"type": "sql", "value": sql})];
        }
        _ => {}
    }
    let mut expression = json!({"op": op, "as": name, "params": params});
    if let Some(num) = num {
        expression["num"] = num;
    }
    Ok(json!({"key": name, "expression": expression}))
}

const AGGREGATORS: &[&str] = &["sum", "count", "max", "min", "mean", "median", "variance", "stdev", "distinctCount", "expr"];

/// A view: aggregate, raw, fold or bin.
pub fn view(u: &mut Unstructured, t: &Generated, fields: &[String]) -> Result<Value> {
    let any_field = |u: &mut Unstructured| -> Result<String> {
        if !fields.is_empty() && u.ratio(1, 3)? {
            Ok(fields[u.choose_index(fields.len())?].clone())
        } else {
            t.column(u)
        }
    };
    Ok(match u.int_in_range(0..=5)? {
        0..=2 => {
            let group_by = (0..u.int_in_range(0..=2)?).map(|_| any_field(u)).collect::<Result<Vec<_>>>()?;
            let measures = (0..u.int_in_range(0..=3)?)
                .map(|i| {
                    let agg = *u.choose(AGGREGATORS)?;
                    let field = if agg == "count" && u.arbitrary()? { "*".to_string() } else { any_field(u)? };
                    let mut m = json!({"field": field, "agg": agg, "asFieldKey": format!("m{i}")});
                    if u.ratio(1, 4)? {
                        m["format"] = json!("%Y-%m-%d");
                        m["offset"] = json!(offset(u)?);
                    }
                    Ok(m)
                })
                .collect::<Result<Vec<_>>>()?;
            json!({"op": "aggregate", "groupBy": group_by, "measures": measures})
        }
        3 => json!({"op": "raw", "fields": (0..u.int_in_range(0..=3)?).map(|_| any_field(u)).collect::<Result<Vec<_>>>()?}),
        4 => json!({"op": "fold", "foldBy": (0..u.int_in_range(0..=3)?).map(|_| any_field(u)).collect::<Result<Vec<_>>>()?,
                    "newFoldKeyCol": "key", "newFoldValueCol": "value"}),
        _ => json!({"op": "bin", "binBy": any_field(u)?, "newBinCol": "bin", "binSize": *u.choose(&[1.0, 0.5, 10.0, 0.0, -1.0, 1e300])?}),
    })
}

/// A whole payload: 1–5 steps, then offset / limit.
pub fn payload(u: &mut Unstructured, t: &Generated) -> Result<Value> {
    let mut fields: Vec<String> = Vec::new();
    let mut workflow = Vec::new();
    for i in 0..u.int_in_range(1..=5)? {
        workflow.push(match u.int_in_range(0..=4)? {
            0 => json!({"type": "filter", "filters": (0..u.int_in_range(0..=3)?).map(|_| walker_filter(u, t, &fields)).collect::<Result<Vec<_>>>()?}),
            1 => {
                let name = format!("f{i}");
                let step = json!({"type": "transform", "transform": [transform(u, t, &name)?]});
                fields.push(name);
                step
            }
            2 | 3 => json!({"type": "view", "query": [view(u, t, &fields)?]}),
            _ => {
                let by = (0..u.int_in_range(0..=2)?).map(|_| t.column(u)).collect::<Result<Vec<_>>>()?;
                json!({"type": "sort", "sort": if u.arbitrary()? { "ascending" } else { "descending" }, "by": by})
            }
        });
    }
    let mut payload = json!({"workflow": workflow});
    if u.ratio(1, 3)? {
        payload["offset"] = json!(*u.choose(&[0.0, 1.0, 3.0, -1.0, 1e300, 0.5])?);
    }
    if u.ratio(1, 3)? {
        payload["limit"] = json!(*u.choose(&[0.0, 1.0, 3.0, -1.0, 1e300, 0.5])?);
    }
    Ok(payload)
}
