//! A small generated table (nulls, NaN, ±0, extreme dates, text that looks
//! like numbers, many batches) and generated query specs: pages, aggregates,
//! profiles, pipelines, exports. Invariants:
//! - no panic, no hang; a bad spec is an error, and the engine stays usable;
//! - for a filter F: the page total, the row count of an aggregate, and the
//!   sum of the counts of a group-by (any column) are equal, and the
//!   group-by has `totalGroups` rows;
//! - a profile of column c under F counts the same rows, its null count is
//!   the count of (F and c is null), and its distinct count plus one null
//!   group (if any) is the number of groups of c;
//! - F, `not F` and (for a comparison on c) `c is null` split the rows;
//!   `not not F` is F; De Morgan holds for `and` / `or`;
//! - a page at (offset, limit) is that slice of the whole sorted view, and
//!   the CSV export of the view has the page's total.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use quiver::api::spec::{AggregateSpec, ExportSpec, PageSpec, PipelineSpec, ProfileSpec};
use quiver::QueryEngine;
use quiver::rows::Rows;
use quiver_fuzz::{aggregate_spec, filter, null_only_when_column_is, pipeline_spec, profile_spec, sort, table, trace, Generated};
use serde_json::{json, Value};

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    trace("spec", v);
    serde_json::from_value(v.clone()).ok()
}

/// Rows matching `filter` (None: the filter is refused).
fn count(engine: &mut QueryEngine, filter: &Value) -> Option<usize> {
    let spec: PageSpec = parse(&json!({"filter": filter, "limit": 0}))?;
    engine.page(&spec).ok().map(|p| p.total)
}

fn rows_json(batch: &arrow_array::RecordBatch) -> Vec<Value> {
    match serde_json::to_value(Rows::json_text(std::slice::from_ref(batch))).expect("rows serialise") {
        Value::Array(rows) => rows,
        _ => unreachable!(),
    }
}

fn check_counts(engine: &mut QueryEngine, t: &Generated, f: &Value, u: &mut Unstructured) -> arbitrary::Result<()> {
    let Some(total) = count(engine, f) else {
        // A refused filter is refused under `not` too.
        assert!(count(engine, &json!({"op": "not", "filter": f})).is_none(), "not F answers where F is refused: {f}");
        return Ok(());
    };
    let rows = t.rows;
    assert!(total <= rows);

    // Row count of an aggregate without keys.
    let spec: AggregateSpec = parse(&json!({"filter": f, "aggregates": [{"op": "count", "as": "n"}]})).unwrap();
    let all = engine.aggregate(&spec).expect("count under an accepted filter");
    let out = rows_json(&all.batch);
    assert_eq!(out.len(), 1, "one row without keys: {f}");
    assert_eq!(out[0]["n"].as_u64(), Some(total as u64), "aggregate count vs page total under {f}");

    // Group-by counts of a column, against the page total and its profile.
    let column = t.columns[u.choose_index(t.columns.len())?].0.clone();
    let ty = engine.table().schema().field_with_name(&column).map(|f| f.data_type().to_string()).unwrap_or_default();
    let column_ = format!("{column:?} ({ty})");
    let spec: AggregateSpec = parse(&json!({"filter": f, "groupBy": [column], "aggregates": [{"op": "count", "as": "__n"}]})).unwrap();
    let grouped = engine.aggregate(&spec).expect("group-by under an accepted filter");
    let groups = rows_json(&grouped.batch);
    assert_eq!(grouped.total_groups, groups.len());
    let sum: u64 = groups.iter().map(|g| g["__n"].as_u64().expect("counts are integers")).sum();
    assert_eq!(sum, total as u64, "group-by counts of {column_} vs page total under {f}");
    let null_rows = count(engine, &json!({"op": "and", "filters": [f, {"op": "isNull", "column": column}]})).unwrap();
    let null_groups: Vec<&Value> = groups.iter().filter(|g| g[&column].is_null()).collect();
    assert!(null_groups.len() <= 1, "nulls form one group of {column_} under {f}: {groups:?}");
    assert_eq!(null_groups.first().map_or(0, |g| g["__n"].as_u64().unwrap()), null_rows as u64, "the null group of {column_} under {f}: {groups:?}");

    let spec: ProfileSpec = parse(&json!({"filter": f, "columns": [column]})).unwrap();
    let profile = &engine.profile(&spec).expect("profile under an accepted filter")[0];
    assert_eq!(profile.count, total, "profile count of {column_} under {f}");
    assert_eq!(profile.null_count, null_rows, "profile null count of {column_} under {f}");
    assert_eq!(
        profile.distinct_count + usize::from(null_rows > 0),
        groups.len(),
        "distinct values of {column_} (profile) vs groups (group-by) under {f}: {groups:?}"
    );

    // Three-valued logic.
    let not = count(engine, &json!({"op": "not", "filter": f})).expect("not F is accepted where F is");
    assert!(total + not <= rows, "F and not F overlap: {f}");
    if let Some(column) = null_only_when_column_is(f) {
        let nulls = count(engine, &json!({"op": "isNull", "column": column})).unwrap();
        assert_eq!(total + not + nulls, rows, "F, not F and the nulls of {column:?} do not split the rows: {f}");
    }
    if matches!(f["op"].as_str(), Some("isNull" | "isNotNull")) {
        assert_eq!(total + not, rows, "{f}");
    }
    let twice = count(engine, &json!({"op": "not", "filter": {"op": "not", "filter": f}})).unwrap();
    assert_eq!(twice, total, "not not F differs from F: {f}");
    Ok(())
}

fn check_de_morgan(engine: &mut QueryEngine, a: &Value, b: &Value) {
    let (Some(na), Some(nb)) = (count(engine, a), count(engine, b)) else { return };
    let and = count(engine, &json!({"op": "and", "filters": [a, b]})).unwrap();
    let or = count(engine, &json!({"op": "or", "filters": [a, b]})).unwrap();
    assert!(and <= na.min(nb) && or >= na.max(nb), "{a} {b}");
    let not_and = count(engine, &json!({"op": "not", "filter": {"op": "and", "filters": [a, b]}})).unwrap();
    let or_nots = count(engine, &json!({"op": "or", "filters": [{"op": "not", "filter": a}, {"op": "not", "filter": b}]})).unwrap();
    assert_eq!(not_and, or_nots, "not (A and B) vs (not A) or (not B): {a} {b}");
    let not_or = count(engine, &json!({"op": "not", "filter": {"op": "or", "filters": [a, b]}})).unwrap();
    let and_nots = count(engine, &json!({"op": "and", "filters": [{"op": "not", "filter": a}, {"op": "not", "filter": b}]})).unwrap();
    assert_eq!(not_or, and_nots, "not (A or B) vs (not A) and (not B): {a} {b}");
    // Inclusion–exclusion holds in three-valued logic too.
    assert_eq!(na + nb, and + or, "|A| + |B| vs |A and B| + |A or B|: {a} {b}");
}

fn check_pages(t: &Generated, table: &quiver::Table, u: &mut Unstructured) -> arbitrary::Result<()> {
    let f = if u.arbitrary()? { filter(u, t, 1)? } else { Value::Null };
    let keys = sort(u, t)?;
    let offset = u.int_in_range(0..=45)?;
    let limit = u.int_in_range(0..=45)?;
    let mut engine = QueryEngine::new(table).unwrap();
    let spec: PageSpec = parse(&json!({"filter": f, "sort": keys, "offset": offset, "limit": limit})).unwrap();
    let Ok(page) = engine.page(&spec) else { return Ok(()) };
    let mut fresh = QueryEngine::new(table).unwrap();
    let spec: PageSpec = parse(&json!({"filter": f, "sort": keys, "offset": 0, "limit": 1_000})).unwrap();
    let whole = fresh.page(&spec).expect("the same view, whole");
    assert_eq!(page.total, whole.total);
    let all = rows_json(&whole.batch);
    let want: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
    assert_eq!(rows_json(&page.batch), want, "page ({offset}, {limit}) is not that slice of the view: {f} {keys}");
    // And again from the engine whose cache holds the partial view.
    let again = engine.page(&spec).expect("the same view, whole, cached engine");
    assert_eq!(rows_json(&again.batch), all, "the cached engine's whole view differs: {f} {keys}");

    let spec: ExportSpec = parse(&json!({"filter": f, "sort": keys, "format": "csv", "chunkRows": 1 + offset % 7})).unwrap();
    let mut export = engine.export(&spec).expect("a view that pages also exports");
    assert_eq!(export.total_rows(), whole.total);
    while export.next_chunk().expect("export chunks").is_some() {}
    Ok(())
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let t = table(&mut u)?;
    let loaded = t.load();
    assert_eq!(loaded.num_rows(), t.rows);
    let mut engine = QueryEngine::new(&loaded).unwrap();
    for _ in 0..u.int_in_range(1..=3)? {
        let engine = &mut engine;
        let u = &mut u;
        step(engine, &t, &loaded, u)?;
    }
    // The engine still answers after whatever came before.
    let spec: PageSpec = parse(&json!({"limit": 1})).unwrap();
    assert_eq!(engine.page(&spec).expect("the engine stays usable").total, t.rows);
    Ok(())
}

fn step(engine: &mut QueryEngine, t: &Generated, loaded: &quiver::Table, u: &mut Unstructured) -> arbitrary::Result<()> {
    {
        match u.int_in_range(0..=6)? {
            0 | 1 => {
                let f = filter(u, t, 0)?;
                check_counts(engine, t, &f, u)?;
            }
            2 => {
                let (a, b) = (filter(u, t, 1)?, filter(u, t, 1)?);
                check_de_morgan(engine, &a, &b);
            }
            3 => check_pages(t, loaded, u)?,
            4 => {
                if let Some(spec) = parse::<AggregateSpec>(&aggregate_spec(u, t)?) {
                    if let Ok(out) = engine.aggregate(&spec) {
                        assert!(out.total_groups >= out.batch.num_rows());
                        rows_json(&out.batch);
                    }
                }
            }
            5 => {
                if let Some(spec) = parse::<ProfileSpec>(&profile_spec(u, t)?) {
                    let _ = engine.profile(&spec);
                }
            }
            _ => {
                if let Some(spec) = parse::<PipelineSpec>(&pipeline_spec(u, t)?) {
                    if let Ok(out) = engine.run(&spec) {
                        rows_json(&out);
                    }
                }
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
