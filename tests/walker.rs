//! Graphic Walker's computation protocol on a small hand-checked table,
//! natively. (The broad check against Graphic Walker's own computation runs
//! in the browser: `tests/e2e/walker.test.mjs`.)
#![cfg(not(target_arch = "wasm32"))]

use quiver::ingest::{Ingest, IngestOptions};
use quiver::QueryEngine;
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
    // Each copy of a row keeps the other folded field (Graphic Walker's `fold`).
    assert_eq!(folded, json!([
        {"id": 1, "qty": 2, "k": "price", "v": 10.5}, {"id": 1, "price": 10.5, "k": "qty", "v": 2},
        {"id": 2, "qty": 1, "k": "price", "v": 3.25}, {"id": 2, "price": 3.25, "k": "qty", "v": 1}
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
        .contains("look-behind"));
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

/// An engine over `csv` (one batch per two rows).
fn engine_of(csv: &str) -> QueryEngine {
    let mut ingest = Ingest::new(IngestOptions { batch_rows: 2, ..Default::default() }).unwrap();
    ingest.push(csv.as_bytes()).unwrap();
    QueryEngine::new(&ingest.finish().unwrap()).unwrap()
}

fn run_on(engine: &QueryEngine, payload: Value) -> Result<Value, String> {
    let payload = parse_payload(&payload.to_string()).map_err(|e| e.to_string())?;
    engine.walker(&payload, &Env::default()).map(|text| serde_json::from_str(&text).unwrap()).map_err(|e| e.to_string())
}

#[test]
fn dates_beyond_javascripts_range_are_null_not_a_panic_or_a_wrong_date() {
    // Issue 11, item 12: epoch ms near i64's ends, and offsets of ±i32::MAX
    // minutes, overflowed (a panic with overflow checks, a wrong date in
    // release). JavaScript's dates end at ±8.64e15 ms: beyond, a Date is
    // invalid and Graphic Walker's drill gives NaN, which is null in JSON.
    let engine = engine_of(
        "id,ms\n1,9223372036854775807\n2,-9223372036854775808\n3,8640000000000001\n4,8640000000000000\n5,1704067200000\n6,\n",
    );
    for op in ["dateTimeDrill", "dateTimeFeature"] {
        for level in ["year", "month", "week", "iso_week", "iso_year", "day", "hour", "second"] {
            for (offset, display) in [(0, 0), (i32::MAX, i32::MIN), (i32::MIN, i32::MAX), (-120, 2_000_000_000)] {
                let got = run_on(&engine, json!({"workflow": [
                    {"type": "transform", "transform": [{"expression": {"op": op, "as": "t", "params": [
                        {"type": "field", "value": "ms"}, {"type": "value", "value": level},
                        {"type": "offset", "value": offset}, {"type": "displayOffset", "value": display}]}}]},
                    {"type": "view", "query": [{"op": "raw", "fields": ["id", "t"]}]}]}))
                .unwrap();
                let t: Vec<&Value> = got.as_array().unwrap().iter().map(|r| &r["t"]).collect();
                let context = format!("{op} {level} offset {offset} display {display}: {t:?}");
                // Out of JavaScript's range, and null: no value.
                assert!(t[0].is_null() && t[1].is_null() && t[2].is_null() && t[5].is_null(), "{context}");
                if (offset, display) == (0, 0) {
                    // 2024-01-01T00:00Z is in range, and so is the last valid instant (+275760-09-13).
                    let expected = match (op, level) {
                        ("dateTimeDrill", "year" | "month" | "day" | "hour" | "second" | "iso_year") => json!(1704067200000i64),
                        ("dateTimeFeature", "year" | "iso_year") => json!(2024),
                        _ => t[4].clone(),
                    };
                    assert_eq!(*t[4], expected, "{context}");
                    assert!(!t[3].is_null() || (op, level) == ("dateTimeDrill", "week"), "{context}");
                }
            }
        }
    }
    // The same instants in a temporal filter: out of range is never inside,
    // and neither is a value whose reading in the `offset` zone is (as in
    // Graphic Walker, where `newOffsetDate(offset)(v)` is then invalid).
    for (offset, kept) in [(i32::MAX, json!([{"id": 4}, {"id": 5}])), (i32::MIN, json!([{"id": 5}]))] {
        let got = run_on(&engine, json!({"workflow": [
            {"type": "filter", "filters": [{"fid": "ms", "rule": {"type": "temporal range", "value": [null, null], "offset": offset}}]},
            {"type": "view", "query": [{"op": "raw", "fields": ["id"]}]}]}))
        .unwrap();
        assert_eq!(got, kept, "offset {offset}");
    }
}

#[test]
fn fold_copies_the_row_and_deletes_only_the_folded_field() {
    // Issue 11, item 3: Graphic Walker's fold is `{...row, key: k, value: row[k]}`
    // without `k`; the other folded fields stay, and each value keeps its type.
    let engine = engine_of("id,a,b,name,ok\n1,10,20.5,x,true\n2,,30,,false\n");
    let fold = |fold_by: Value| {
        run_on(&engine, json!({"workflow": [{"type": "view", "query": [
            {"op": "fold", "foldBy": fold_by, "newFoldKeyCol": "key", "newFoldValueCol": "value"}]}]}))
        .unwrap()
    };
    assert_eq!(fold(json!(["a", "b"])), json!([
        {"id": 1, "b": 20.5, "name": "x", "ok": true, "key": "a", "value": 10},
        {"id": 1, "a": 10, "name": "x", "ok": true, "key": "b", "value": 20.5},
        {"id": 2, "b": 30, "name": null, "ok": false, "key": "a", "value": null},
        {"id": 2, "a": null, "name": null, "ok": false, "key": "b", "value": 30}
    ]));
    // A number, a text and a boolean folded together: each value as itself.
    let mixed = fold(json!(["a", "name", "ok"]));
    let values: Vec<&Value> = mixed.as_array().unwrap().iter().map(|r| &r["value"]).collect();
    assert_eq!(values, [&json!(10), &json!("x"), &json!(true), &json!(null), &json!(null), &json!(false)]);
    assert_eq!(mixed[1], json!({"id": 1, "a": 10, "b": 20.5, "ok": true, "key": "name", "value": "x"}));
    // Later steps see the folded values (here as their text) and the absent
    // field as null; a raw view keeps the absence.
    let later = run_on(&engine, json!({"workflow": [
        {"type": "view", "query": [{"op": "fold", "foldBy": ["a", "name"], "newFoldKeyCol": "key", "newFoldValueCol": "value"}]},
        {"type": "filter", "filters": [{"fid": "value", "rule": {"type": "one of", "value": ["10", "x"]}}]},
        {"type": "sort", "sort": "descending", "by": ["key"]},
        {"type": "view", "query": [{"op": "raw", "fields": ["key", "value", "a", "name"]}]}]}))
    .unwrap();
    assert_eq!(later, json!([{"key": "name", "value": "x", "a": 10}, {"key": "a", "value": 10, "name": "x"}]));
    // Folding into an existing field's name replaces it, as `newRow[value] = …` does.
    let into = run_on(&engine, json!({"workflow": [{"type": "view", "query": [
        {"op": "fold", "foldBy": ["a", "b"], "newFoldKeyCol": "name", "newFoldValueCol": "b"}]}]}))
    .unwrap();
    assert_eq!(into[0], json!({"id": 1, "ok": true, "name": "a", "b": 10}));
    // (`delete newRow.b` comes last: the copy for `b` has no `b` at all.)
    assert_eq!(into[1], json!({"id": 1, "a": 10, "ok": true, "name": "b"}));
}

#[test]
fn bins_sort_as_their_text_as_in_graphic_walker() {
    // Issue 11, item 4: Graphic Walker compares `[lo, hi]` bins with
    // `String([lo, hi]).localeCompare`, so "10,15" comes before "5,10".
    let engine = engine_of("v\n0\n7\n12\n19\n-3\n");
    let got = run_on(&engine, json!({"workflow": [
        {"type": "transform", "transform": [{"expression": {"op": "bin", "as": "b", "num": 4, "params": [{"type": "field", "value": "v"}]}}]},
        {"type": "view", "query": [{"op": "aggregate", "groupBy": ["b"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "n"}]}]},
        {"type": "sort", "sort": "ascending", "by": ["b"]}]}))
    .unwrap();
    // Bins of 5.5 from -3: [-3,2.5] [2.5,8] [8,13.5] [13.5,19].
    assert_eq!(got, json!([
        {"b": [-3, 2.5], "n": 2}, {"b": [13.5, 19], "n": 1}, {"b": [2.5, 8], "n": 1}, {"b": [8, 13.5], "n": 1}
    ]));
}

#[test]
fn regular_expressions_are_javascripts() {
    // Issue 11, item 2: the `regexp` rule is `new RegExp(value, caseSensitive ? '' : 'i')`.
    let engine = engine_of("id,word\n1,Äpfel\n2,apple\n3,中文\n4,x٣y\n5,a{\n6,\n7,😀\n8,\"line\nbreak\"\n");
    let ids = |pattern: &str, case_sensitive: bool| -> Vec<i64> {
        let got = run_on(&engine, json!({"workflow": [
            {"type": "filter", "filters": [{"fid": "word", "rule": {"type": "regexp", "value": pattern, "caseSensitive": case_sensitive}}]},
            {"type": "view", "query": [{"op": "raw", "fields": ["id"]}]}]}))
        .unwrap_or_else(|e| panic!("/{pattern}/: {e}"));
        got.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
    };
    // ASCII `\w`: only "apple" is word characters from start to end.
    assert_eq!(ids(r"^\w+$", true), [2]);
    // `\b` sees "Ä" as a non-word character: a boundary before "pfel".
    assert_eq!(ids(r"\bpf", true), [1]);
    // `\d` is ASCII: the Arabic-Indic digit ٣ is not one.
    assert_eq!(ids(r"\d", true), Vec::<i64>::new());
    // A half-typed pattern keeps no rows, as in Graphic Walker (no error).
    assert_eq!(ids("(", true), Vec::<i64>::new());
    // `a{` is a literal in JavaScript; `[^]` matches anything (the newline too).
    assert_eq!(ids("a{", true), [5]);
    assert_eq!(ids("^[^]+$", true), [1, 2, 3, 4, 5, 7, 8]);
    assert_eq!(ids("^.+$", true), [1, 2, 3, 4, 5, 7]);
    // Rust's `(?i)` is not JavaScript: invalid, so no rows.
    assert_eq!(ids("(?i)APPLE", true), Vec::<i64>::new());
    assert_eq!(ids("APPLE", false), [2]);
    assert_eq!(ids("äPFEL", false), [1]);
    // An emoji is two UTF-16 code units, as "中文" and "a{" are two.
    assert_eq!(ids("^..$", true), [3, 5, 7]);
    assert_eq!(ids("^.$", true), Vec::<i64>::new());
    // Look-behind is valid JavaScript this engine does not run: an error saying so.
    let err = run_on(&engine, json!({"workflow": [
        {"type": "filter", "filters": [{"fid": "word", "rule": {"type": "regexp", "value": "(?<=a)p"}}]}]}))
    .unwrap_err();
    assert!(err.contains("look-behind") && err.contains("not supported"), "{err}");

    // SQL `~` in a computed field: the same JavaScript patterns (and `~*` ignores case).
    let sql = |expression: &str| -> Vec<Value> {
        let got = run_on(&engine, json!({"workflow": [
            {"type": "transform", "transform": [{"expression": {"op": "expr", "as": "m", "params": [{"type": "sql", "value": expression}]}}]},
            {"type": "view", "query": [{"op": "raw", "fields": ["m"]}]}]}))
        .unwrap_or_else(|e| panic!("{expression}: {e}"));
        got.as_array().unwrap().iter().map(|r| r["m"].clone()).collect()
    };
    let (t, f, n) = (json!(true), json!(false), json!(null));
    assert_eq!(sql(r"word ~ '^\w+$'"), [&f, &t, &f, &f, &f, &n, &f, &f].map(Clone::clone));
    assert_eq!(sql(r"word ~* '^A'"), [&f, &t, &f, &f, &t, &n, &f, &f].map(Clone::clone));
    assert_eq!(sql(r"word !~ 'a{'"), [&t, &t, &t, &t, &f, &n, &t, &t].map(Clone::clone));
    // Numbers are tested as their text, as `RegExp.test` converts them.
    assert_eq!(sql(r"id ~ '^[1-3]$'"), [&t, &t, &t, &f, &f, &f, &f, &f].map(Clone::clone));
    // Inside an aggregate (on rows) and outside it (on the result).
    assert_eq!(sql(r"sum(CASE WHEN word ~ 'p' THEN 1 ELSE 0 END)"), vec![json!(2); 8]);
    assert_eq!(sql(r"count(*) ~ '^8$'"), vec![t.clone(); 8]);
    // In SQL an invalid pattern is an error, as Graphic Walker's evaluator throws.
    let err = run_on(&engine, json!({"workflow": [
        {"type": "transform", "transform": [{"expression": {"op": "expr", "as": "m", "params": [{"type": "sql", "value": "word ~ '('"}]}}]}]}))
    .unwrap_err();
    assert!(err.contains("not a valid JavaScript regular expression"), "{err}");
    // And in an `expr` measure, per group.
    let got = run_on(&engine, json!({"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [
        {"field": "sum(CASE WHEN word ~* '^[a-z]+$' THEN 1 ELSE 0 END)", "agg": "expr", "asFieldKey": "ascii"}]}]}]}))
    .unwrap();
    assert_eq!(got, json!([{"ascii": 1}]));
}

#[test]
fn float_group_keys_keep_null_nan_and_zero_apart() {
    // Issue 11, item 1, on the Graphic Walker path: null, NaN and 0 are three
    // groups, and -0 is 0. (NaN and null both print as null in JSON; the
    // counts and the first-appearance order tell them apart.)
    let engine = engine_of("id,x\n1,0.5\n2,NaN\n3,\n4,-0.0\n5,0.0\n6,NaN\n7,0.5\n");
    let x = engine.table().schema().field_with_name("x").unwrap().data_type().clone();
    assert_eq!(x, arrow_schema::DataType::Float64, "the column must be floats for this test");
    let got = run_on(&engine, json!({"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["x"], "measures": [
        {"field": "*", "agg": "count", "asFieldKey": "n"}, {"field": "id", "agg": "min", "asFieldKey": "first"}]}]}]}))
    .unwrap();
    assert_eq!(got, json!([
        {"x": 0.5, "n": 2, "first": 1},
        {"x": null, "n": 2, "first": 2},
        {"x": null, "n": 1, "first": 3},
        {"x": 0, "n": 2, "first": 4}
    ]));
}

#[test]
fn nan_is_never_in_a_range() {
    // Found by the browser differential: the engine's typed comparison orders
    // NaN above every number (DuckDB's order), so an open-ended range kept it;
    // Graphic Walker's `lo <= v && v <= hi` is false for NaN.
    let engine = engine_of("id,r\n1,NaN\n2,0.5\n3,\n4,-0.0\n5,7\n");
    for (range, kept) in [(json!([-19, null]), json!([{"id": 2}, {"id": 4}, {"id": 5}])), (json!([null, null]), json!([{"id": 2}, {"id": 4}, {"id": 5}])), (json!([null, 1]), json!([{"id": 2}, {"id": 4}]))] {
        let got = run_on(&engine, json!({"workflow": [
            {"type": "filter", "filters": [{"fid": "r", "rule": {"type": "range", "value": range}}]},
            {"type": "view", "query": [{"op": "raw", "fields": ["id"]}]}]}))
        .unwrap();
        assert_eq!(got, kept, "{range}");
    }
}

#[test]
fn a_bin_view_with_an_absurd_count_is_a_clear_error_not_an_overflow() {
    // Found by fuzzing (fuzz/regressions/walker/bin-view-index-overflow): a
    // count of 1e300 numbered a bin i64::MAX and `index + 1` overflowed
    // (a panic with overflow checks, a bin near -9.2e18 × step in release).
    let engine = engine_of("d,n\n-40000,1\n,2\n");
    let view = |size: f64| json!({"workflow": [{"type": "view", "query": [{"op": "bin", "binBy": "d", "binSize": size, "newBinCol": "bin"}]}]});
    for size in [1e300, 1e7, 0.5, f64::MAX] {
        let err = run_on(&engine, view(size)).unwrap_err();
        assert!(err.contains("a bin count must be between 1 and 1,000,000"), "{size}: {err}");
    }
    // The largest count allowed still answers: the null row counts as 0, as
    // in Graphic Walker, and lands in the last bin.
    let got = run_on(&engine, view(1e6)).unwrap();
    assert_eq!(got[0]["bin"], json!([-40000, -39999.96]));
    assert_eq!(got[1]["bin"][1], json!(0));
}
