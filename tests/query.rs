//! Native integration tests of the query engine on small hand-checked tables.
//! (The broad randomized check against DuckDB is `tests/differential/`.)
#![cfg(not(target_arch = "wasm32"))]

use quiver::ingest::{Ingest, IngestOptions};
use quiver::api::spec;
use quiver::QueryEngine;
use quiver::rows::Rows;
use serde_json::{json, Value};

const SALES: &str = "\
id,region,city,price,qty,day,at,ok,note
1,North,Oslo,10.5,2,2024-01-05,2024-01-05T10:00:00Z,true,first
2,South,Lima,3.25,1,2024-01-20,2024-01-20T23:30:00Z,false,
3,North,Bergen,,5,2024-02-11,2024-02-11T08:15:00Z,true,Needs CHECK
4,East,Pune,99,1,,2024-03-01T00:00:00Z,,
5,North,oslo,7,3,2024-03-15,2024-03-15T12:00:00Z,false,check later
6,South,Lima,NaN,2,2024-03-15,,true,n/a
";

fn engine() -> QueryEngine {
    // The null tokens before issue 14 added Excel's and pandas' ("n/a" is a value here).
    let null_values = ["", "NA", "N/A", "null", "NULL"].map(String::from).to_vec();
    let mut ingest = Ingest::new(IngestOptions { batch_rows: 2, null_values, ..Default::default() }).unwrap();
    ingest.push(SALES.as_bytes()).unwrap();
    QueryEngine::new(&ingest.finish().unwrap()).unwrap()
}

fn page(engine: &mut QueryEngine, json: Value) -> (Value, usize) {
    let page = engine.page(&spec::from_json("page", &json.to_string()).unwrap()).unwrap();
    (serde_json::to_value(Rows::json_text(&[page.batch])).unwrap(), page.total)
}

fn ids(engine: &mut QueryEngine, filter: Value) -> Vec<i64> {
    let (rows, _) = page(engine, json!({"filter": filter, "columns": ["id"], "limit": 100}));
    rows.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

fn aggregate(engine: &QueryEngine, json: Value) -> Value {
    let result = engine.aggregate(&spec::from_json("aggregate", &json.to_string()).unwrap()).unwrap();
    serde_json::to_value(Rows::json_text(&[result.batch])).unwrap()
}

fn error(engine: &mut QueryEngine, json: Value) -> String {
    match spec::from_json::<spec::PageSpec>("page", &json.to_string()).and_then(|s| engine.page(&s)) {
        Ok(_) => panic!("expected an error for {json}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_filter_kind() {
    let mut e = engine();
    let cases = [
        (json!({"op": "=", "column": "region", "value": "North"}), vec![1, 3, 5]),
        (json!({"op": "!=", "column": "region", "value": "North"}), vec![2, 4, 6]),
        (json!({"op": "<", "column": "price", "value": 7}), vec![2]),
        (json!({"op": "<=", "column": "price", "value": 7}), vec![2, 5]),
        (json!({"op": ">", "column": "price", "value": 10.5}), vec![4, 6]),
        (json!({"op": ">=", "column": "qty", "value": 2.5}), vec![3, 5]),
        (json!({"op": "between", "column": "price", "min": 3.25, "max": 10.5}), vec![1, 2, 5]),
        (json!({"op": "between", "column": "qty", "min": 2}), vec![1, 3, 5, 6]),
        (json!({"op": "between", "column": "day", "max": "2024-01-31"}), vec![1, 2]),
        (json!({"op": "between", "column": "at", "min": "2024-01-20", "max": "2024-02-11T08:15:00Z"}), vec![2, 3]),
        (json!({"op": "between", "column": "at", "min": 1_704_448_800_000i64, "max": null}), vec![1, 2, 3, 4, 5]),
        (json!({"op": "in", "column": "city", "values": ["Lima", "Oslo"]}), vec![1, 2, 6]),
        (json!({"op": "in", "column": "note", "values": ["first", null]}), vec![1, 2, 4]),
        (json!({"op": "notIn", "column": "note", "values": ["first"]}), vec![2, 3, 4, 5, 6]),
        (json!({"op": "notIn", "column": "note", "values": ["first", null]}), vec![3, 5, 6]),
        (json!({"op": "in", "column": "qty", "values": [1, 5]}), vec![2, 3, 4]),
        (json!({"op": "isNull", "column": "price"}), vec![3]),
        (json!({"op": "isNotNull", "column": "ok"}), vec![1, 2, 3, 5, 6]),
        (json!({"op": "=", "column": "ok", "value": true}), vec![1, 3, 6]),
        (json!({"op": "contains", "column": "note", "value": "check"}), vec![5]),
        (json!({"op": "contains", "column": "note", "value": "check", "caseInsensitive": true}), vec![3, 5]),
        (json!({"op": "startsWith", "column": "city", "value": "o", "caseInsensitive": true}), vec![1, 5]),
        (json!({"op": "endsWith", "column": "city", "value": "ma"}), vec![2, 6]),
        (json!({"op": "regex", "column": "note", "pattern": "^(first|n/a)$"}), vec![1, 6]),
        (json!({"op": "regex", "column": "city", "pattern": "^OS", "caseInsensitive": true}), vec![1, 5]),
        (
            json!({"op": "or", "filters": [
                {"op": "and", "filters": [{"op": "=", "column": "region", "value": "North"}, {"op": ">", "column": "qty", "value": 2}]},
                {"op": "not", "filter": {"op": "isNotNull", "column": "day"}}]}),
            vec![3, 4, 5],
        ),
        (json!({"op": "not", "filter": {"op": ">", "column": "price", "value": 5}}), vec![2]),
        (json!({"op": "and", "filters": []}), vec![1, 2, 3, 4, 5, 6]),
    ];
    for (filter, want) in cases {
        assert_eq!(ids(&mut e, filter.clone()), want, "{filter}");
    }
}

#[test]
fn sorted_pages_and_totals() {
    let mut e = engine();
    let (rows, total) = page(&mut e, json!({"sort": [{"column": "price", "descending": true}], "columns": ["id"], "limit": 3}));
    assert_eq!(total, 6);
    assert_eq!(rows, json!([{"id": 6}, {"id": 4}, {"id": 1}]));
    let (rows, _) = page(&mut e, json!({"sort": [{"column": "price", "descending": true}], "columns": ["id"], "offset": 3}));
    assert_eq!(rows, json!([{"id": 5}, {"id": 2}, {"id": 3}]));
    let (rows, _) = page(&mut e, json!({"sort": [{"column": "price", "nulls": "first"}], "columns": ["id"], "limit": 2}));
    assert_eq!(rows, json!([{"id": 3}, {"id": 2}]));
    let (rows, total) = page(
        &mut e,
        json!({"filter": {"op": "=", "column": "region", "value": "North"},
               "sort": [{"column": "city", "caseInsensitive": true}, {"column": "id", "descending": true}],
               "columns": ["id", "city"]}),
    );
    assert_eq!(total, 3);
    assert_eq!(rows, json!([{"id": 3, "city": "Bergen"}, {"id": 5, "city": "oslo"}, {"id": 1, "city": "Oslo"}]));
    let (rows, total) = page(&mut e, json!({"offset": 10}));
    assert_eq!((rows, total), (json!([]), 6));
}

#[test]
fn the_row_order_of_a_view_is_cached() {
    let mut e = engine();
    let spec = json!({"sort": [{"column": "qty"}], "limit": 2});
    page(&mut e, spec.clone());
    let after_first = e.cache_bytes();
    assert_eq!(after_first, 6 * 4);
    page(&mut e, json!({"sort": [{"column": "qty"}], "offset": 2, "limit": 2}));
    assert_eq!(e.cache_bytes(), after_first, "the next page reuses the view");
}

#[test]
fn group_by_with_every_aggregate() {
    let e = engine();
    let rows = aggregate(
        &e,
        json!({"groupBy": ["region"], "aggregates": [
            {"op": "count"}, {"op": "count", "column": "price"}, {"op": "countDistinct", "column": "city"},
            {"op": "sum", "column": "qty"}, {"op": "sum", "column": "price", "as": "revenue"},
            {"op": "mean", "column": "qty"}, {"op": "min", "column": "city"}, {"op": "max", "column": "at"},
            {"op": "median", "column": "qty"}, {"op": "quantile", "column": "qty", "q": 0.25},
            {"op": "variancePop", "column": "qty"}, {"op": "varianceSamp", "column": "qty"},
            {"op": "stddevPop", "column": "qty"}, {"op": "stddevSamp", "column": "qty"},
            {"op": "first", "column": "note"}, {"op": "last", "column": "note"}],
          "sort": [{"column": "region"}]}),
    );
    let north = &rows[1];
    assert_eq!(north["region"], json!("North"));
    assert_eq!(north["count"], json!(3));
    assert_eq!(north["count_price"], json!(2));
    assert_eq!(north["countDistinct_city"], json!(3));
    assert_eq!(north["sum_qty"], json!(10));
    assert_eq!(north["revenue"], json!(17.5));
    assert_eq!(north["mean_qty"].as_f64().unwrap(), 10.0 / 3.0);
    assert_eq!(north["min_city"], json!("Bergen"));
    assert_eq!(north["max_at"], json!("2024-03-15T12:00:00Z"));
    assert_eq!(north["median_qty"], json!(3.0));
    assert_eq!(north["quantile_qty"], json!(2.5));
    assert!((north["variancePop_qty"].as_f64().unwrap() - 14.0 / 9.0).abs() < 1e-12);
    assert!((north["varianceSamp_qty"].as_f64().unwrap() - 7.0 / 3.0).abs() < 1e-12);
    assert_eq!(north["first_note"], json!("first"));
    assert_eq!(north["last_note"], json!("check later"));
    let east = &rows[0];
    assert_eq!(east["varianceSamp_qty"], Value::Null, "one value has no sample variance");
    assert_eq!(east["first_note"], Value::Null);
}

#[test]
fn time_buckets_bins_having_and_limits() {
    let e = engine();
    let months = aggregate(
        &e,
        json!({"groupBy": [{"column": "day", "bucket": "month", "as": "month"}], "aggregates": [{"op": "count"}], "sort": [{"column": "month"}]}),
    );
    assert_eq!(
        months,
        json!([{"month": "2024-01-01", "count": 2}, {"month": "2024-02-01", "count": 1}, {"month": "2024-03-01", "count": 2}, {"month": null, "count": 1}])
    );
    let bins = aggregate(
        &e,
        json!({"groupBy": [{"column": "qty", "bins": {"step": 2}, "as": "q"}], "aggregates": [{"op": "count"}],
               "having": {"op": ">", "column": "count", "value": 1}, "sort": [{"column": "q"}]}),
    );
    assert_eq!(bins, json!([{"q": 0.0, "q_end": 2.0, "count": 2}, {"q": 2.0, "q_end": 4.0, "count": 3}]));
    let top = aggregate(
        &e,
        json!({"filter": {"op": "isNotNull", "column": "price"}, "groupBy": ["region", "ok"],
               "aggregates": [{"op": "sum", "column": "qty", "as": "q"}], "sort": [{"column": "q", "descending": true}], "limit": 1}),
    );
    assert_eq!(top, json!([{"region": "North", "ok": false, "q": 3}]));
    let all = aggregate(&e, json!({"aggregates": [{"op": "count"}, {"op": "sum", "column": "qty"}]}));
    assert_eq!(all, json!([{"count": 6, "sum_qty": 14}]));
    let none = aggregate(&e, json!({"filter": {"op": "=", "column": "city", "value": "Rome"}, "aggregates": [{"op": "count"}, {"op": "sum", "column": "qty"}]}));
    assert_eq!(none, json!([{"count": 0, "sum_qty": null}]));
}

#[test]
fn profiles_describe_each_column() {
    let e = engine();
    let profiles = e.profile(&spec::from_json("profile", r#"{"columns": ["price", "region", "at"], "topK": 2, "bins": 4}"#).unwrap()).unwrap();
    let json = serde_json::to_value(&profiles).unwrap();
    assert_eq!(json[0]["nullCount"], json!(1));
    assert_eq!(json[0]["distinctCount"], json!(5));
    assert_eq!(json[0]["min"], json!(3.25));
    assert_eq!(json[0]["histogram"]["type"], json!("numeric"));
    assert_eq!(json[0]["histogram"]["bins"].as_array().unwrap().len(), 4);
    assert_eq!(json[1]["top"], json!([{"value": "North", "count": 3}, {"value": "South", "count": 2}]));
    assert_eq!(json[1]["distinctCount"], json!(3));
    assert_eq!(json[2]["histogram"]["type"], json!("temporal"));
    assert_eq!(json[2]["min"], json!("2024-01-05T10:00:00Z"));
}

#[test]
fn invalid_queries_name_the_problem() {
    let mut e = engine();
    for (spec, needle) in [
        (json!({"filter": {"op": "=", "column": "nope", "value": 1}}), "There is no column named \"nope\"."),
        (json!({"filter": {"op": "<", "column": "qty", "value": "many"}}), "column \"qty\" holds integer values; \"many\" is not a number"),
        (json!({"filter": {"op": "contains", "column": "qty", "value": "1"}}), "contains needs a string column; \"qty\" holds integer values"),
        (json!({"filter": {"op": "regex", "column": "city", "pattern": "(["}}), "bad regular expression"),
        (json!({"filter": {"op": "=", "column": "qty", "value": null}}), "use isNull / isNotNull"),
        (json!({"limit": -5}), "limit must be 0 or more, not -5"),
        (json!({"sort": [{"column": "ghost"}]}), "no column named \"ghost\""),
        (json!({"columns": ["id", "ghost"]}), "no column named \"ghost\""),
    ] {
        let err = error(&mut e, spec.clone());
        assert!(err.contains(needle), "{spec}: {err}");
    }
    let err = e
        .aggregate(&spec::from_json("aggregate", r#"{"groupBy": ["region"], "aggregates": [{"op": "sum", "column": "city"}]}"#).unwrap())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("sum needs a number column; \"city\" holds string values"), "{err}");
    // The engine is still usable after errors.
    assert_eq!(ids(&mut e, json!({"op": "=", "column": "id", "value": 2})), vec![2]);
}

#[test]
fn pipelines_apply_steps_one_after_another() {
    let e = engine();
    let spec = spec::from_json(
        "pipeline",
        &json!({"steps": [
            {"filter": {"op": "isNotNull", "column": "qty"}},
            {"aggregate": {"groupBy": ["region", "city"], "aggregates": [{"op": "sum", "column": "qty", "as": "q"}]}},
            {"aggregate": {"groupBy": ["region"], "aggregates": [{"op": "max", "column": "q", "as": "best"}, {"op": "count", "as": "cities"}]}},
            {"filter": {"op": ">", "column": "cities", "value": 1}},
            {"sort": [{"column": "best", "descending": true}]},
            {"select": ["region", "best"]},
            {"slice": {"limit": 1}}]})
        .to_string(),
    )
    .unwrap();
    let batch = e.run(&spec).unwrap();
    assert_eq!(serde_json::to_value(Rows::json_text(&[batch])).unwrap(), json!([{"region": "North", "best": 5}]));
    let bad = spec::from_json::<spec::PipelineSpec>("pipeline", r#"{"steps": [{"group": {}}]}"#).unwrap_err().to_string();
    assert!(bad.contains("unknown variant `group`"), "{bad}");
}

#[test]
fn a_large_view_orders_a_prefix_first_and_the_rest_when_asked() {
    let mut text = String::from("id,score\n");
    for i in 0..60_000u64 {
        text.push_str(&format!("{i},{}\n", (i * 7919) % 1000));
    }
    let load = || {
        let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
        ingest.push(text.as_bytes()).unwrap();
        QueryEngine::new(&ingest.finish().unwrap()).unwrap()
    };
    let spec = |offset: usize| json!({"sort": [{"column": "score", "descending": true}], "offset": offset, "limit": 5});
    let mut lazy = load();
    let (first, total) = page(&mut lazy, spec(0));
    assert_eq!(total, 60_000);
    assert!(lazy.cache_bytes() < 60_000 * 4, "only a prefix is ordered: {} bytes", lazy.cache_bytes());
    let (far, _) = page(&mut lazy, spec(55_000));
    assert_eq!(lazy.cache_bytes(), 60_000 * 4, "the whole view once a far page is asked");
    let mut eager = load();
    let (far_direct, _) = page(&mut eager, spec(55_000));
    let (first_direct, _) = page(&mut eager, spec(0));
    assert_eq!(far, far_direct);
    assert_eq!(first, first_direct);
    assert_eq!(first[0]["score"], json!(999));
}

/// Issue 11, wrong answer 1: a float column holding 0.5, NaN, null, -0 and
/// 0, then `extra` more distinct values (to take the many-distinct paths),
/// then a text column `t` (plain text when `plain_text`: every value distinct
/// past the ingest's dictionary check) and the row's `id`.
fn zeros_and_nans(extra: usize, batch_rows: usize) -> QueryEngine {
    let mut csv = String::from("id,x,t\n1,0.5,a\n2,NaN,a\n3,NA,a\n4,-0.0,a\n5,0.0,a\n6,NaN,a\n7,-0.0,a\n");
    for i in 0..extra {
        csv.push_str(&format!("{},{}.25,t{i}\n", 8 + i, 1000 + i));
    }
    let options = IngestOptions { batch_rows, null_values: vec!["NA".into()], ..Default::default() };
    let mut ingest = Ingest::new(options).unwrap();
    ingest.push(csv.as_bytes()).unwrap();
    QueryEngine::new(&ingest.finish().unwrap()).unwrap()
}

/// The groups of the seven first rows: (key as text, count), in order of
/// the key (nulls last), whatever else the table holds.
fn first_groups(e: &QueryEngine, group_by: Value) -> Vec<(String, i64)> {
    let rows = aggregate(
        e,
        json!({"filter": {"op": "<=", "column": "id", "value": 7}, "groupBy": group_by,
               "aggregates": [{"op": "count", "as": "n"}], "sort": [{"column": "x"}]}),
    );
    rows.as_array().unwrap().iter().map(|r| (r["x"].to_string(), r["n"].as_i64().unwrap())).collect()
}

#[test]
fn group_by_floats_keeps_null_nan_and_zero_apart() {
    // DuckDB: 0.5 → 1, -0 = 0 → 3 (rows 4, 5, 7), NaN → 2, null → 1.
    let want = |zero: &str| vec![(zero.to_string(), 3), ("0.5".into(), 1), ("\"NaN\"".into(), 2), ("null".into(), 1)];
    // Few distinct values (the dense path), then over 2^16 (one key: a hash
    // of its bits; with a text key: arrow-row), in one batch and in many.
    for (extra, batch_rows) in [(0, 65_536), (0, 2), (70_000, 65_536), (70_000, 7_000)] {
        let e = zeros_and_nans(extra, batch_rows);
        assert_eq!(first_groups(&e, json!(["x"])), want("-0.0"), "{extra} more values, batches of {batch_rows}");
        assert_eq!(first_groups(&e, json!(["x", "t"])), want("-0.0"), "with a text key, {extra} more values");
        assert_eq!(first_groups(&e, json!(["t", "x"])), want("-0.0"), "text key first, {extra} more values");
        let bins = aggregate(
            &e,
            json!({"filter": {"op": "<=", "column": "id", "value": 7}, "groupBy": [{"column": "x", "bins": {"step": 1}, "as": "b"}],
                   "aggregates": [{"op": "count", "as": "n"}], "sort": [{"column": "b"}]}),
        );
        // NaN has no bin: it joins the null group (a documented difference).
        assert_eq!(bins, json!([{"b": -0.0, "b_end": 1.0, "n": 4}, {"b": null, "b_end": null, "n": 3}]), "{extra} more values");
    }
}

#[test]
fn zeros_and_nans_agree_in_sorts_distinct_counts_profiles_and_filters() {
    for extra in [0, 70_000] {
        let mut e = zeros_and_nans(extra, 65_536);
        let first_seven = json!({"op": "<=", "column": "id", "value": 7});
        // -0 and 0 tie: a stable sort keeps file order (4, 5, 7); NaN is
        // above every number; nulls last.
        let (rows, _) = page(&mut e, json!({"filter": first_seven, "sort": [{"column": "x"}], "columns": ["id"]}));
        let order: Vec<i64> = rows.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(order, [4, 5, 7, 1, 2, 6, 3], "{extra} more values");
        let (rows, _) = page(&mut e, json!({"filter": first_seven, "sort": [{"column": "x", "descending": true}, {"column": "t"}], "columns": ["id"]}));
        let order: Vec<i64> = rows.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(order, [2, 6, 1, 4, 5, 7, 3], "{extra} more values");
        let distinct = aggregate(&e, json!({"filter": first_seven, "aggregates": [{"op": "countDistinct", "column": "x", "as": "d"}]}));
        assert_eq!(distinct, json!([{"d": 3}]));
        let profile = e
            .profile(&spec::from_json("profile", &json!({"filter": first_seven, "columns": ["x"], "topK": 3}).to_string()).unwrap())
            .unwrap();
        let profile = serde_json::to_value(&profile).unwrap();
        assert_eq!(profile[0]["distinctCount"], json!(3));
        assert_eq!(profile[0]["nullCount"], json!(1));
        assert_eq!(profile[0]["top"], json!([{"value": -0.0, "count": 3}, {"value": "NaN", "count": 2}, {"value": 0.5, "count": 1}]));
        assert_eq!(profile[0]["max"], json!("NaN"));
        for (filter, want) in [
            (json!({"op": "in", "column": "x", "values": [0]}), vec![4, 5, 7]),
            (json!({"op": "in", "column": "x", "values": [-0.0, null]}), vec![3, 4, 5, 7]),
            (json!({"op": "notIn", "column": "x", "values": [0.0]}), vec![1, 2, 3, 6]),
            (json!({"op": "=", "column": "x", "value": -0.0}), vec![4, 5, 7]),
            (json!({"op": "between", "column": "x", "min": 0, "max": 0}), vec![4, 5, 7]),
            (json!({"op": ">", "column": "x", "value": 0.5}), vec![2, 6]),
        ] {
            let filter = json!({"op": "and", "filters": [first_seven, filter]});
            assert_eq!(ids(&mut e, filter.clone()), want, "{filter}");
        }
    }
}

#[test]
fn quantiles_interpolate_towards_infinities() {
    // a + (b - a) * d gave NaN next to an infinity (∞ - ∞); DuckDB's
    // quantile_cont gives -∞ / ∞ there, and NaN only between -∞ and ∞.
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    ingest.push(b"g,x\n1,-inf\n1,0.5\n1,1\n1,inf\n2,1\n2,inf\n2,inf\n3,-inf\n3,inf\n").unwrap();
    let e = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let q = |q: f64| -> Vec<Value> {
        let rows = aggregate(&e, json!({"groupBy": ["g"], "aggregates": [{"op": "quantile", "column": "x", "q": q, "as": "v"}], "sort": [{"column": "g"}]}));
        rows.as_array().unwrap().iter().map(|r| r["v"].clone()).collect()
    };
    assert_eq!(q(0.1), [json!("-Infinity"), json!("Infinity"), json!("NaN")]);
    assert_eq!(q(0.5), [json!(0.75), json!("Infinity"), json!("NaN")]);
    assert_eq!(q(0.9), [json!("Infinity"), json!("Infinity"), json!("NaN")]);
}

#[test]
fn a_profile_mean_with_an_infinity_is_that_infinity() {
    // Found by the differential test: the profile's mean was Welford's
    // running mean, which turns NaN after a -∞ (-∞ + ∞); DuckDB's avg is -∞.
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    ingest.push(b"x\n1\n-inf\n2.5\n3\n").unwrap();
    let e = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let profile = e.profile(&spec::from_json("profile", r#"{"columns": ["x"]}"#).unwrap()).unwrap();
    assert_eq!(profile[0].mean, Some(f64::NEG_INFINITY));
    assert!(profile[0].stddev.unwrap().is_nan(), "as DuckDB's stddev_samp");
    let mean = aggregate(&e, json!({"aggregates": [{"op": "mean", "column": "x", "as": "m"}]}));
    assert_eq!(mean, json!([{"m": "-Infinity"}]));
}

#[test]
fn whole_floats_are_listed_integers() {
    // `in` on an integer column skipped every float in the list, so 2.0 and
    // -0.0 (as JSON text sends them) matched nothing; DuckDB: 2 = 2.0, 0 = -0.0.
    let mut e = engine();
    assert_eq!(ids(&mut e, json!({"op": "in", "column": "qty", "values": [2.0, 5]})), vec![1, 3, 6]);
    assert_eq!(ids(&mut e, json!({"op": "in", "column": "qty", "values": [1.5, 1e300]})), Vec::<i64>::new());
    assert_eq!(ids(&mut e, json!({"op": "notIn", "column": "qty", "values": [-0.0, 1.0, 3.0]})), vec![1, 3, 6]);
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    ingest.push(b"id,n\n1,0\n2,-1\n3,\n").unwrap();
    let mut zero = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    assert_eq!(ids(&mut zero, json!({"op": "in", "column": "n", "values": [-0.0]})), vec![1]);
}

#[test]
fn a_computed_nan_sorts_above_every_number_in_quantiles() {
    // ∞ - ∞ is a NaN with its sign bit set on x86; quantiles sorted by
    // `total_cmp` put it below every number, so the 0-quantile was NaN.
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    ingest.push(b"x\n1\ninf\n2\n").unwrap();
    let e = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let spec = spec::from_json(
        "pipeline",
        &json!({"steps": [
            {"derive": {"as": "y", "expr": {"op": "-", "args": [{"column": "x"}, {"column": "x"}]}}},
            {"aggregate": {"aggregates": [{"op": "quantile", "column": "y", "q": 0.0, "as": "low"}, {"op": "min", "column": "y", "as": "min"},
                                          {"op": "max", "column": "y", "as": "max"}, {"op": "countDistinct", "column": "y", "as": "d"}]}}]})
        .to_string(),
    )
    .unwrap();
    let batch = e.run(&spec).unwrap();
    assert_eq!(serde_json::to_value(Rows::json_text(&[batch])).unwrap(), json!([{"low": 0.0, "min": 0.0, "max": "NaN", "d": 2}]));
}

#[test]
fn sizes_in_a_spec_are_bounded_with_a_clear_error() {
    // `profile({bins: 4294967295})` used to allocate a count per bin and kill
    // the wasm instance; `bins: 0` was silently taken as 1.
    let mut engine = engine();
    let profile = |engine: &mut QueryEngine, json: Value| {
        let spec = spec::from_json("profile", &json.to_string()).and_then(|s| engine.profile(&s));
        spec.map(|p| p.len()).map_err(|e| (e.code(), e.to_string()))
    };
    let (code, message) = profile(&mut engine, json!({"bins": 4294967295u32})).unwrap_err();
    assert_eq!(code, "InvalidQuery");
    assert_eq!(message, "Invalid query: profile: `bins` must be between 1 and 10000, not 4294967295");
    assert!(profile(&mut engine, json!({"bins": 0})).unwrap_err().1.contains("not 0"));
    assert!(profile(&mut engine, json!({"topK": 10001})).unwrap_err().1.contains("`topK` must be at most 10000"));
    // Beyond what the type holds: refused by the parser, also clearly.
    let (code, _) = profile(&mut engine, json!({"bins": 1e12})).unwrap_err();
    assert_eq!(code, "InvalidQuery");
    // The largest sizes allowed work, and the engine stays usable.
    assert!(profile(&mut engine, json!({"bins": 10000, "topK": 10000})).is_ok());
    let (_, total) = page(&mut engine, json!({"limit": 1_000_000_000_000_000i64, "offset": 1_000_000_000_000_000i64}));
    assert!(total > 0);
}
