//! Graphic Walker's computation protocol on a small hand-checked table,
//! natively. (The broad check against Graphic Walker's own computation runs
//! in the browser: `tests/e2e/walker.test.mjs`.)
#![cfg(not(target_arch = "wasm32"))]

use quiver::ingest::{Ingest, IngestOptions};
use quiver::query::QueryEngine;
use quiver::walker::{parse_payload, Env};
use serde_json::{json, Value};

const SALES: &str = "\
id,region,city,price,qty,day,at,ok
1,North,Oslo,10.5,2,2024-01-05,2024-01-05T10:00:00Z,true
2,South,Lima,3.25,1,2024-01-20,2024-01-20T23:30:00Z,false
3,North,Bergen,,5,2024-02-11,2024-02-11T08:15:00Z,true
4,East,Pune,99,1,,2024-03-01T00:00:00Z,
5,North,oslo,7,3,2024-03-15,2024-03-15T12:00:00Z,false
6,,Lima,1,2,2024-03-15,,true
";

fn engine() -> QueryEngine {
    let mut ingest = Ingest::new(IngestOptions { batch_rows: 2, ..Default::default() }).unwrap();
    ingest.push(SALES.as_bytes()).unwrap();
    QueryEngine::new(&ingest.finish().unwrap()).unwrap()
}

fn run(payload: Value) -> Value {
    let payload = parse_payload(&payload.to_string()).unwrap();
    serde_json::from_str(&engine().walker(&payload, &Env::default()).unwrap()).unwrap()
}

fn fail(payload: Value) -> String {
    let payload = parse_payload(&payload.to_string()).unwrap();
    engine().walker(&payload, &Env::default()).unwrap_err().to_string()
}

#[test]
fn a_chart_query_groups_in_first_appearance_order_with_nulls_as_a_group() {
    let got = run(json!({"workflow": [
        {"type": "filter", "filters": [{"fid": "qty", "rule": {"type": "range", "value": [1, null]}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["region"], "measures": [
            {"field": "price", "agg": "sum", "asFieldKey": "price_sum"},
            {"field": "*", "agg": "count", "asFieldKey": "count"},
            {"field": "city", "agg": "distinctCount"},
            {"field": "price", "agg": "stdev", "asFieldKey": "sd"}]}]}]}));
    assert_eq!(got, json!([
        {"region": "North", "price_sum": 17.5, "count": 3, "city_distinctCount": 3, "sd": 1.75},
        {"region": "South", "price_sum": 3.25, "count": 1, "city_distinctCount": 1, "sd": 0},
        {"region": "East", "price_sum": 99, "count": 1, "city_distinctCount": 1, "sd": 0},
        {"region": null, "price_sum": 1, "count": 1, "city_distinctCount": 1, "sd": 0}
    ]));
}

#[test]
fn steps_run_in_order_with_filters_on_aggregated_keys_then_sort_and_slice() {
    let got = run(json!({"workflow": [
        {"type": "transform", "transform": [{"key": "m", "expression": {"op": "dateTimeDrill", "as": "m",
            "params": [{"type": "field", "value": "day"}, {"type": "value", "value": "month"}]}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["m"], "measures": [{"field": "qty", "agg": "sum", "asFieldKey": "q"}]}]},
        {"type": "filter", "filters": [{"fid": "q", "rule": {"type": "range", "value": [3, null]}}]},
        {"type": "sort", "sort": "descending", "by": ["q"]}], "limit": 1}));
    // Months: Jan 3, Feb 5, Mar 5, null 1; ≥3 then by q descending (stable): Feb.
    assert_eq!(got, json!([{"m": 1706745600000i64, "q": 5}]));
}

#[test]
fn bins_logs_sql_and_folds() {
    let got = run(json!({"workflow": [
        {"type": "filter", "filters": [{"fid": "price", "rule": {"type": "range", "value": [null, 50]}}]},
        {"type": "transform", "transform": [
            {"expression": {"op": "bin", "as": "pb", "num": 2, "params": [{"type": "field", "value": "price"}]}},
            {"expression": {"op": "log10", "as": "lq", "params": [{"type": "field", "value": "qty"}]}},
            {"expression": {"op": "expr", "as": "big", "params": [{"type": "sql", "value": "CASE WHEN price > 5 THEN 'yes' ELSE 'no' END"}]}}]},
        {"type": "view", "query": [{"op": "raw", "fields": ["id", "pb", "lq", "big"]}]},
        {"type": "filter", "filters": [{"fid": "pb", "rule": {"type": "one of", "value": [[5.75, 10.5]]}}]}]}));
    assert_eq!(got, json!([
        {"id": 1, "pb": [5.75, 10.5], "lq": 2f64.ln() / 10f64.ln(), "big": "yes"},
        {"id": 5, "pb": [5.75, 10.5], "lq": 3f64.ln() / 10f64.ln(), "big": "yes"}
    ]));
    let folded = run(json!({"workflow": [
        {"type": "filter", "filters": [{"fid": "id", "rule": {"type": "one of", "value": [1, 2]}}]},
        {"type": "view", "query": [{"op": "raw", "fields": ["id", "price", "qty"]},
            {"op": "fold", "foldBy": ["price", "qty"], "newFoldKeyCol": "k", "newFoldValueCol": "v"}]}]}));
    assert_eq!(folded, json!([
        {"id": 1, "k": "price", "v": 10.5}, {"id": 1, "k": "qty", "v": 2},
        {"id": 2, "k": "price", "v": 3.25}, {"id": 2, "k": "qty", "v": 1}
    ]));
}

#[test]
fn text_rules_and_sorts() {
    let cities = |payload: Value| -> Vec<Value> { run(payload).as_array().unwrap().iter().map(|r| r["city"].clone()).collect() };
    assert_eq!(
        cities(json!({"workflow": [{"type": "filter", "filters": [{"fid": "city", "rule": {"type": "regexp", "value": "^o"}}]},
            {"type": "view", "query": [{"op": "raw", "fields": ["city"]}]}]})),
        [json!("Oslo"), json!("oslo")]
    );
    assert_eq!(
        cities(json!({"workflow": [{"type": "filter", "filters": [{"fid": "region", "rule": {"type": "not in", "value": ["North", "South"]}}]},
            {"type": "view", "query": [{"op": "raw", "fields": ["city"]}]}]})),
        [json!("Pune"), json!("Lima")]
    );
    assert_eq!(
        cities(json!({"workflow": [{"type": "view", "query": [{"op": "raw", "fields": ["city"]}]},
            {"type": "sort", "sort": "ascending", "by": ["city"]}]})),
        ["Bergen", "Lima", "Lima", "oslo", "Oslo", "Pune"].map(|c| json!(c))
    );
}

#[test]
fn mistakes_are_clear() {
    assert!(fail(json!({"workflow": [{"type": "filter", "filters": [{"fid": "nope", "rule": {"type": "range", "value": [1, 2]}}]}]}))
        .contains("there is no field \"nope\""));
    assert!(fail(json!({"workflow": [{"type": "transform", "transform": [{"expression": {"op": "expr", "as": "x",
        "params": [{"type": "sql", "value": "price +"}]}}]}]}))
        .contains("expression ends"));
    assert!(fail(json!({"workflow": [{"type": "filter", "filters": [{"fid": "city", "rule": {"type": "regexp", "value": "(?<=a)b"}}]}]}))
        .contains("look-around"));
    assert!(parse_payload("{\"workflow\": [{\"type\": \"dance\"}]}").unwrap_err().to_string().contains("not a Graphic Walker query"));
}

#[test]
fn distinct_value_counts_include_null_as_a_value() {
    for (field, distinct) in [("region", 4), ("city", 5), ("price", 6), ("day", 5), ("ok", 3)] {
        let got = run(json!({"workflow": [
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [field], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [
                {"field": "*", "agg": "count", "asFieldKey": "d"}, {"field": "c", "agg": "sum", "asFieldKey": "count"}]}]}]}));
        assert_eq!(got, json!([{"d": distinct, "count": 6}]), "{field}");
    }
}

#[test]
fn most_frequent_values_with_ties_in_first_appearance_order() {
    let top = |field: &str, sort: &str, limit: u32| {
        run(json!({"workflow": [
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [field], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "sort", "by": ["c"], "sort": sort}], "limit": limit}))
    };
    assert_eq!(top("day", "descending", 2), json!([{"day": "2024-03-15", "c": 2}, {"day": "2024-01-05", "c": 1}]));
    assert_eq!(top("day", "ascending", 2), json!([{"day": "2024-01-05", "c": 1}, {"day": "2024-01-20", "c": 1}]));
    assert_eq!(top("price", "ascending", 3), json!([{"price": 10.5, "c": 1}, {"price": 3.25, "c": 1}, {"price": null, "c": 1}]));
    assert_eq!(top("qty", "descending", 10), json!([{"qty": 2, "c": 2}, {"qty": 1, "c": 2}, {"qty": 5, "c": 1}, {"qty": 3, "c": 1}]));
}

#[test]
fn an_answer_too_large_for_a_page_is_a_clear_error() {
    // 20,000 rows of about 60 bytes of JSON each, against a 1 MB limit.
    let mut csv = String::from("id,text\n");
    for i in 0..20_000 {
        csv.push_str(&format!("{i},{}{i}\n", "x".repeat(40)));
    }
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    ingest.push(csv.as_bytes()).unwrap();
    let engine = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let env = Env { max_answer_bytes: 1 << 20, ..Env::default() };
    let raw = |limit: Option<u32>| {
        let mut payload = json!({"workflow": [{"type": "view", "query": [{"op": "raw", "fields": ["*"]}]}]});
        if let Some(l) = limit {
            payload["limit"] = json!(l);
        }
        engine.walker(&parse_payload(&payload.to_string()).unwrap(), &env)
    };
    let err = raw(None).unwrap_err().to_string();
    assert!(err.contains("20000 rows of raw data") && err.contains("filter or aggregate"), "{err}");
    // A page of it is fine.
    assert_eq!(serde_json::from_str::<Value>(&raw(Some(100)).unwrap()).unwrap().as_array().unwrap().len(), 100);
}
