//! Graphic Walker's chart workflows over a table in shards
//! ([`quiver::walker::shards`]): every generated workflow (a filter of any
//! rule, row-local transforms, one aggregate view with every aggregator,
//! sorts, a limit and offset) over the table cut at 0..4 random row
//! positions (empty shards included), each shard's partial answer through
//! the bytes that cross between wasm instances, merged, must give the rows
//! the whole table gives (floats to 1e-9 relative: sums add up in another
//! order; `big`, integers near 2^53, to 1e-3). Workflows that need every row in one place are a
//! clear error, never a wrong answer.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::Rng;
use quiver::api::sharded::{self, Kind, Merged, GATHER_LIMIT_BYTES};
use quiver::walker::{parse_payload, Env};
use quiver::QueryEngine;
use serde_json::{json, Value};

/// A chart workflow on the common table's columns.
fn chart(rng: &mut Rng) -> Value {
    let dims = ["s", "b", "i", "d"];
    let mut workflow = Vec::new();
    if rng.chance(0.6) {
        let rule = match rng.int(0, 4) {
            0 => json!({"type": "range", "value": [rng.int(-3, 4), rng.int(4, 12)]}),
            1 => json!({"type": "one of", "value": [rng.pick(&["North", "Öst", "", "West"]), "south"]}),
            2 => json!({"type": "temporal range", "value": [0, 86_400_000i64 * rng.int(1, 300)], "offset": 0}),
            3 => json!({"type": "not in", "value": [null, "North"]}),
            _ => json!({"type": "regexp", "value": "^[NS]", "caseSensitive": false}),
        };
        let fid = match rule["type"].as_str().unwrap() {
            "range" => "i",
            "temporal range" => *rng.pick(&[&"d", &"t"]),
            _ => "s",
        };
        workflow.push(json!({"type": "filter", "filters": [{"fid": fid, "rule": rule}]}));
    }
    let mut group_by: Vec<String> = rng.some(&dims, 0).into_iter().take(2).map(String::from).collect();
    if rng.chance(0.4) {
        workflow.push(json!({"type": "transform", "transform": [{"key": "month", "expression": {"op": "dateTimeDrill", "as": "month", "params": [{"type": "field", "value": "t"}, {"type": "value", "value": "month"}]}}]}));
        group_by.push("month".into());
    }
    let aggs = ["sum", "count", "mean", "min", "max", "median", "variance", "stdev", "distinctCount"];
    let mut measures = Vec::new();
    for (k, agg) in rng.some(&aggs, 1).into_iter().take(4).enumerate() {
        // (Not the moments of `big`: integers near 2^53 as floats lose
        // their deviations to rounding in any order of summation.)
        let field = match agg {
            "count" => "*",
            "variance" | "stdev" => *rng.pick(&[&"f", &"i", &"id"]),
            _ => *rng.pick(&[&"f", &"i", &"big", &"id"]),
        };
        measures.push(json!({"field": field, "agg": agg, "asFieldKey": format!("m{k}")}));
    }
    if rng.chance(0.2) {
        measures.push(json!({"field": "sum(i) / count(*)", "agg": "expr", "asFieldKey": "ratio"}));
    }
    workflow.push(json!({"type": "view", "query": [{"op": "aggregate", "groupBy": group_by, "measures": measures}]}));
    let mut payload = json!({"workflow": workflow});
    if rng.chance(0.5) {
        let by = if rng.chance(0.5) { "m0".to_string() } else { group_by.first().cloned().unwrap_or("m0".into()) };
        payload["workflow"].as_array_mut().unwrap().push(json!({"type": "sort", "sort": rng.pick(&["ascending", "descending"]), "by": [by]}));
        if rng.chance(0.5) {
            payload["limit"] = json!(rng.int(1, 6));
            payload["offset"] = json!(rng.int(0, 3));
        }
    }
    payload
}

/// `payload` over `parts` as the client asks a sharded dataset: each
/// shard's partial answer as the bytes that cross between wasm instances
/// (`api::sharded`, kind `walker`), merged.
fn merged(parts: &[arrow_array::RecordBatch], payload: &str) -> Result<Value, String> {
    let e = |e: quiver::QuiverError| e.to_string();
    let text = format!(r#"{{"payload": {payload}, "localOffset": 0}}"#);
    let partials = parts.iter().map(|p| sharded::partial(p, Kind::Walker, &text)).collect::<Result<Vec<_>, _>>().map_err(e)?;
    match sharded::merge(Kind::Walker, &text, &partials, GATHER_LIMIT_BYTES).map_err(e)? {
        Merged::Walker(rows) => Ok(serde_json::from_str(&rows).unwrap()),
        _ => unreachable!("a walker query merges into rows"),
    }
}

#[test]
fn every_chart_workflow_over_random_shards_answers_as_the_whole_table() {
    let table = common::table(11, 3_000, 700);
    let engine = QueryEngine::new(&table).unwrap();
    let batch = table.single_batch().unwrap();
    let mut rng = Rng::new(5);
    let mut checked = 0;
    for _ in 0..300 {
        let payload = chart(&mut rng).to_string();
        let parsed = parse_payload(&payload).unwrap();
        let whole = engine.walker(&parsed, &Env::default()).map(|t| serde_json::from_str::<Value>(&t).unwrap()).map_err(|e| e.to_string());
        let cuts = rng.int(0, 4) as usize;
        let mut at: Vec<usize> = (0..cuts).map(|_| rng.int(0, batch.num_rows() as i64) as usize).collect();
        at.extend([0, batch.num_rows()]);
        at.sort_unstable();
        let parts: Vec<_> = at.windows(2).map(|w| batch.slice(w[0], w[1] - w[0])).collect();
        let split = merged(&parts, &payload);
        match (&whole, &split) {
            (Ok(a), Ok(b)) => {
                let tolerance = if payload.contains("\"big\"") { 1e-3 } else { 1e-9 };
                if !common::same(a, b, tolerance) {
                    let (x, y) = (a.as_array().unwrap(), b.as_array().unwrap());
                    let at = (0..x.len().max(y.len())).find(|&i| x.get(i).zip(y.get(i)).is_none_or(|(p, q)| !common::same(p, q, tolerance))).unwrap_or(0);
                    panic!("{payload}\n{} shards, {} rows whole, {} merged; row {at}: whole {:?}, merged {:?}", parts.len(), x.len(), y.len(), x.get(at), y.get(at));
                }
                checked += 1;
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{payload}"),
            _ => panic!("{payload}\nwhole: {whole:?}\nshards: {split:?}"),
        }
    }
    assert!(checked > 250, "{checked} of 300 workflows answered");
}

/// A data-tab workflow on the common table's columns: a filter, a
/// row-local transform, raw rows of some fields (or all), sorts by keys with
/// many ties, a limit and an offset.
fn raw_rows(rng: &mut Rng) -> Value {
    let mut workflow = Vec::new();
    if rng.chance(0.5) {
        let rule = match rng.int(0, 2) {
            0 => json!({"type": "range", "value": [rng.int(-3, 4), rng.int(4, 12)]}),
            1 => json!({"type": "not in", "value": [null, "North"]}),
            _ => json!({"type": "temporal range", "value": [0, 86_400_000i64 * rng.int(1, 300)], "offset": 0}),
        };
        let fid = match rule["type"].as_str().unwrap() {
            "range" => "i",
            "temporal range" => "t",
            _ => "s",
        };
        workflow.push(json!({"type": "filter", "filters": [{"fid": fid, "rule": rule}]}));
    }
    let mut fields: Vec<String> = rng.some(&["id", "s", "f", "b", "t", "i"], 1).into_iter().map(String::from).collect();
    if rng.chance(0.3) {
        workflow.push(json!({"type": "transform", "transform": [{"key": "month", "expression": {"op": "dateTimeDrill", "as": "month", "params": [{"type": "field", "value": "t"}, {"type": "value", "value": "month"}]}}]}));
        fields.push("month".into());
    }
    if rng.chance(0.25) {
        fields = vec!["*".into()];
    }
    workflow.push(json!({"type": "view", "query": [{"op": "raw", "fields": fields}]}));
    // Sorts by fields the view shows (ties: `s` and `b` repeat a lot).
    let sortable: Vec<&str> = ["s", "b", "f", "i", "t", "id", "month"].into_iter().filter(|f| fields.iter().any(|g| g == f || g == "*") && *f != "month" || fields.iter().any(|g| g == f)).collect();
    for _ in 0..rng.int(0, 2) {
        let by: Vec<&str> = rng.some(&sortable, 1).into_iter().take(2).collect();
        workflow.push(json!({"type": "sort", "sort": rng.pick(&["ascending", "descending"]), "by": by}));
    }
    let mut payload = json!({"workflow": workflow, "limit": rng.int(1, 60)});
    if rng.chance(0.7) {
        payload["offset"] = json!(rng.int(0, 300));
    }
    payload
}

/// Raw rows (Graphic Walker's data tab) over a table in shards: each shard's
/// first `offset + limit` rows in the workflow's order, merged and sorted
/// again, give the whole table's rows, ties in file order.
#[test]
fn raw_rows_over_random_shards_answer_as_the_whole_table() {
    let table = common::table(12, 2_000, 700);
    let engine = QueryEngine::new(&table).unwrap();
    let batch = table.single_batch().unwrap();
    let mut rng = Rng::new(17);
    let mut checked = 0;
    for _ in 0..200 {
        let payload = raw_rows(&mut rng).to_string();
        let whole = engine.walker(&parse_payload(&payload).unwrap(), &Env::default()).map(|t| serde_json::from_str::<Value>(&t).unwrap()).map_err(|e| e.to_string());
        let mut at: Vec<usize> = (0..rng.int(0, 5)).map(|_| rng.int(0, batch.num_rows() as i64) as usize).collect();
        at.extend([0, batch.num_rows()]);
        at.sort_unstable();
        let parts: Vec<_> = at.windows(2).map(|w| batch.slice(w[0], w[1] - w[0])).collect();
        match (whole, merged(&parts, &payload)) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{payload}
{} shards", parts.len());
                checked += usize::from(!a.as_array().unwrap().is_empty());
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{payload}"),
            (a, b) => panic!("{payload}
whole: {a:?}
shards: {b:?}"),
        }
    }
    assert!(checked > 150, "{checked} of 200 workflows answered with rows");
}

#[test]
fn workflows_that_need_every_row_in_one_place_are_a_clear_error() {
    let table = common::table(3, 200, 64);
    let batch = table.single_batch().unwrap();
    for payload in [
        json!({"workflow": [{"type": "view", "query": [{"op": "fold", "foldBy": ["i", "f"], "newFoldKeyCol": "k", "newFoldValueCol": "v"}]}]}),
        json!({"workflow": [
            {"type": "transform", "transform": [{"key": "bin", "expression": {"op": "bin", "as": "bin", "params": [{"type": "field", "value": "f"}]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": ["bin"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "n"}]}]}
        ]}),
    ] {
        let error = merged(&[batch.clone()], &payload.to_string()).unwrap_err();
        assert!(error.contains("needs every row in one place") && error.contains("not supported yet on a file loaded in shards"), "{error}");
    }
}
