//! Graphic Walker payloads (`src/walker/payload.rs`) over a small generated
//! table: filters of every rule, computed fields (bins, logs, date drills and
//! features with any offset, SQL), every view and aggregator, sorts, offset
//! and limit. Invariants:
//! - no panic, no hang: a clear error or an answer, and the answer is a JSON
//!   array of row objects;
//! - for a list of filters: the raw rows, the `count(*)` of an aggregate
//!   without keys, and the sum of the counts grouped by a column agree;
//! - `one of V` and `not in V` on the same field split the rows;
//! - over the table cut in two shards, a payload answers as the whole table
//!   (numbers to 1e-9 relative: sums add up in another order), or is a
//!   `NotSupportedInShards` error (a workflow that needs every row).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use quiver::QueryEngine;
use quiver::walker::payload::Payload;
use quiver::walker::Env;
use quiver_fuzz::{offset, payload, table, trace, value, walker_filter, Generated};
use serde_json::{json, Value};

/// The answer's rows, or None for an error; panics on an answer that is not
/// an array of objects.
fn answer(engine: &QueryEngine, payload: &Value, env: &Env) -> Option<Vec<Value>> {
    trace("payload", payload);
    let payload: Payload = serde_json::from_value(payload.clone()).ok()?;
    let text = engine.walker(&payload, env).ok()?;
    trace("answer", &text);
    let rows: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {text}"));
    let Value::Array(rows) = rows else { panic!("the answer is not an array: {text}") };
    assert!(rows.iter().all(Value::is_object), "the answer's rows are not objects: {text}");
    Some(rows)
}

fn check_counts(engine: &QueryEngine, t: &Generated, env: &Env, u: &mut Unstructured) -> arbitrary::Result<()> {
    let filters = (0..u.int_in_range(0..=2)?).map(|_| walker_filter(u, t, &[])).collect::<arbitrary::Result<Vec<_>>>()?;
    let column = t.columns[u.choose_index(t.columns.len())?].0.clone();
    let step = json!({"type": "filter", "filters": filters});
    let Some(raw) = answer(engine, &json!({"workflow": [step, {"type": "view", "query": [{"op": "raw", "fields": [column]}]}]}), env) else {
        return Ok(());
    };
    let count = json!({"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [{"field": "*", "agg": "count", "asFieldKey": "n"}]}]});
    let all = answer(engine, &json!({"workflow": [step, count]}), env).expect("count(*) where the raw view answers");
    let n = match all.as_slice() {
        [] => 0,
        [row] => row["n"].as_u64().unwrap_or_else(|| panic!("count is not a number: {row}")),
        more => panic!("an aggregate without keys gave {} rows", more.len()),
    };
    assert_eq!(n as usize, raw.len(), "count(*) vs raw rows under {step}");
    let by = json!({"type": "view", "query": [{"op": "aggregate", "groupBy": [column], "measures": [{"field": "*", "agg": "count", "asFieldKey": "__n"}]}]});
    let groups = answer(engine, &json!({"workflow": [step, by]}), env).expect("group-by where the raw view answers");
    let sum: u64 = groups.iter().map(|g| g["__n"].as_u64().unwrap_or_else(|| panic!("count is not a number: {g}"))).sum();
    assert_eq!(sum as usize, raw.len(), "group-by counts of {column:?} vs raw rows under {step}: {groups:?}");

    // `one of` and `not in` split the rows.
    let kind = t.kind_of(&column);
    let values = (0..u.int_in_range(0..=3)?).map(|_| if u.ratio(1, 4)? { Ok(Value::Null) } else { value(u, kind) }).collect::<arbitrary::Result<Vec<_>>>()?;
    let rule = |kind: &str| json!({"workflow": [{"type": "filter", "filters": [{"fid": column, "rule": {"type": kind, "value": values}}]}]});
    if let (Some(a), Some(b)) = (answer(engine, &rule("one of"), env), answer(engine, &rule("not in"), env)) {
        assert_eq!(a.len() + b.len(), t.rows, "one of {values:?} + not in {values:?} on {column:?}");
    }
    Ok(())
}

/// Equal, numbers to 1e-9 relative.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().zip(y).all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy)),
        _ => a == b,
    }
}

/// `payload` over the table cut at one row, through the shards' partial
/// answers and their merge, against the whole table's `rows`.
fn check_shards(batch: &arrow_array::RecordBatch, payload: &Value, env: &Env, rows: &[Value], u: &mut Unstructured) -> arbitrary::Result<()> {
    use quiver::api::sharded::{self, Kind, Merged, GATHER_LIMIT_BYTES};
    let cut = u.int_in_range(0..=batch.num_rows())?;
    let parts = [batch.slice(0, cut), batch.slice(cut, batch.num_rows() - cut)];
    let text = json!({"payload": payload, "localOffset": env.local_offset}).to_string();
    let merged = parts
        .iter()
        .map(|p| sharded::partial(p, Kind::Walker, &text))
        .collect::<quiver::Result<Vec<_>>>()
        .and_then(|partials| sharded::merge(Kind::Walker, &text, &partials, GATHER_LIMIT_BYTES));
    match merged {
        Ok(Merged::Walker(text)) => {
            let got: Value = serde_json::from_str(&text).unwrap();
            let want = Value::Array(rows.to_vec());
            assert!(same(&got, &want), "in two shards cut at row {cut}:\n{got}\nwhole table:\n{want}");
        }
        Ok(_) => unreachable!("a walker query merges into rows"),
        Err(quiver::QuiverError::NotSupportedInShards(_)) => {}
        Err(e) => panic!("the whole table answers, two shards cut at row {cut} fail: {e}"),
    }
    Ok(())
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let t = table(&mut u)?;
    let table = t.load();
    let engine = QueryEngine::new(&table).unwrap();
    let batch = table.single_batch().unwrap();
    let env = Env { local_offset: offset(&mut u)?, ..Env::default() };
    trace("local offset", &env.local_offset);
    for _ in 0..u.int_in_range(1..=3)? {
        if u.ratio(1, 3)? {
            check_counts(&engine, &t, &env, &mut u)?;
        } else {
            let p = payload(&mut u, &t)?;
            if let Some(rows) = answer(&engine, &p, &env) {
                check_shards(&batch, &p, &env, &rows, &mut u)?;
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
