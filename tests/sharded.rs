//! A file loaded in shards answers as the whole file: the generated CSV is
//! loaded as byte ranges (`load_in_ranges`, the in-process model of the
//! client's sharded load: each range its own table, dictionaries and types
//! of its own until unified), every shard's partial result crosses as bytes (`api::sharded::partial`), the coordinator merges them
//! (`api::sharded::merge`), and the answer must equal the one-table
//! engine's for generated pages, aggregates, pipelines and profiles. Also:
//! a query that needs every row in one place is refused past the limit, and
//! garbage in place of a partial result is a clear error.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::Rng;
use quiver::api::sharded::{self, Kind, Merged, GATHER_LIMIT_BYTES};
use quiver::api::spec;
use quiver::ingest::range::load_in_ranges;
use quiver::rows::Rows;
use quiver::QueryEngine;
use serde_json::{json, Value};

fn rows(batch: arrow_array::RecordBatch) -> Value {
    serde_json::to_value(Rows::json_text(&[batch])).unwrap()
}

fn whole(engine: &mut QueryEngine, kind: &str, text: &str) -> Result<Value, String> {
    let e = |e: quiver::QuiverError| e.to_string();
    Ok(match kind {
        "page" => {
            let page = engine.page(&spec::from_json("page", text).map_err(e)?).map_err(e)?;
            json!({"rows": rows(page.batch), "total": page.total, "offset": page.offset})
        }
        "aggregate" => {
            let result = engine.aggregate(&spec::from_json("aggregate", text).map_err(e)?).map_err(e)?;
            json!({"rows": rows(result.batch), "total": result.total_groups})
        }
        "pipeline" => rows(engine.run(&spec::from_json("pipeline", text).map_err(e)?).map_err(e)?),
        "profile" => serde_json::to_value(engine.profile(&spec::from_json("profile", text).map_err(e)?).map_err(e)?).unwrap(),
        other => panic!("{other}"),
    })
}

fn sharded(shards: &[arrow_array::RecordBatch], kind: &str, text: &str) -> Result<Value, String> {
    let e = |e: quiver::QuiverError| e.to_string();
    let kind = Kind::parse(kind).map_err(e)?;
    let partials = shards.iter().map(|s| sharded::partial(s, kind, text)).collect::<Result<Vec<_>, _>>().map_err(e)?;
    Ok(match sharded::merge(kind, text, &partials, GATHER_LIMIT_BYTES).map_err(e)? {
        Merged::Page { batch, total, offset } => json!({"rows": rows(batch), "total": total, "offset": offset}),
        Merged::Aggregate { batch, total_groups } => json!({"rows": rows(batch), "total": total_groups}),
        Merged::Pipeline(batch) => rows(batch),
        Merged::Profile(profiles) => serde_json::to_value(profiles).unwrap(),
        Merged::Walker(text) => serde_json::from_str(&text).unwrap(),
        Merged::Window(w) => json!({"rows": rows(w.batch), "total": w.total, "taken": w.taken}),
    })
}

/// Answers equal, floats to 1e-9 relative (sums add up in another order);
/// moments of `big` (integers near 2^53, condition number ~8e12) to 1e-3.
fn agree(a: &Value, b: &Value, text: &str) -> bool {
    let tolerance = |name: &str| if name == "big" { 1e-3 } else { 1e-9 };
    match (a, b) {
        // Profiles: one object per column.
        (Value::Array(x), Value::Array(y)) if x.first().is_some_and(|p| p.get("histogram").is_some()) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| common::same(p, q, tolerance(p["name"].as_str().unwrap_or(""))))
        }
        _ => common::same(a, b, if text.contains("\"big\"") { 1e-3 } else { 1e-9 }),
    }
}

#[test]
fn queries_over_a_file_loaded_in_shards_answer_as_over_the_whole_file() {
    let mut answered = std::collections::BTreeMap::<&str, usize>::new();
    for (seed, n) in [(21u64, 1200), (22, 300), (23, 5)] {
        let csv = common::csv(seed, n);
        let options = common::csv_options(64);
        let mut engine = QueryEngine::new(&common::table(seed, n, 64)).unwrap();
        let mut rng = Rng::new(seed * 7919);
        for round in 0..4 {
            // 1..8 shards cut at random bytes (inside quoted fields too:
            // such a range is read again).
            let mut cuts: Vec<u64> = (0..round * 2 + 1).map(|_| rng.int(1, csv.len() as i64) as u64).collect();
            cuts.push(0);
            cuts.sort_unstable();
            cuts.dedup();
            let pieces = load_in_ranges(csv.as_bytes(), &options, &cuts, 4096).unwrap();
            let shards: Vec<_> = pieces.iter().map(|(table, _)| table.single_batch().unwrap()).collect();
            assert_eq!(shards.iter().map(|s| s.num_rows()).sum::<usize>(), n);
            for q in 0..60 {
                let (kind, query) = match q % 5 {
                    0 | 1 => ("page", common::page(&mut rng)),
                    2 => ("aggregate", common::aggregate(&mut rng)),
                    3 => ("pipeline", common::pipeline(&mut rng)),
                    _ => ("profile", common::profile(&mut rng)),
                };
                let text = query.to_string();
                let context = format!("seed {seed}, {} shards, {kind} {text}", shards.len());
                match (whole(&mut engine, kind, &text), sharded(&shards, kind, &text)) {
                    (Ok(a), Ok(b)) => {
                        assert!(agree(&a, &b, &text), "{context}\nwhole:   {a}\nsharded: {b}");
                        *answered.entry(kind).or_default() += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{context}"),
                    (a, b) => panic!("{context}\nwhole: {a:?}\nsharded: {b:?}"),
                }
            }
        }
    }
    for kind in ["page", "aggregate", "pipeline", "profile"] {
        assert!(answered.get(kind).copied().unwrap_or(0) >= 100, "{answered:?}");
    }
}

#[test]
fn partial_results_too_large_to_merge_in_one_place_are_refused() {
    let csv = common::csv(31, 2000);
    let pieces = load_in_ranges(csv.as_bytes(), &common::csv_options(64), &[0, csv.len() as u64 / 2], 4096).unwrap();
    let shards: Vec<_> = pieces.iter().map(|(t, _)| t.single_batch().unwrap()).collect();
    // A pipeline sorting every row without a limit: no partial form.
    let text = json!({"steps": [{"sort": [{"column": "f"}]}]}).to_string();
    let partials: Vec<_> = shards.iter().map(|s| sharded::partial(s, Kind::Pipeline, &text).unwrap()).collect();
    let err = sharded::merge(Kind::Pipeline, &text, &partials, 1000).err().expect("refused").to_string();
    assert!(err.contains("in one place") && err.contains("2 shards") && err.contains("limit it first"), "{err}");
    // A profile of a column of distinct values: its partials are its values.
    let profile = json!({"columns": ["u"]}).to_string();
    let tallies: Vec<_> = shards.iter().map(|s| sharded::partial(s, Kind::Profile, &profile).unwrap()).collect();
    let err = sharded::merge(Kind::Profile, &profile, &tallies, 1000).err().expect("refused").to_string();
    assert!(err.contains("profile fewer columns"), "{err}");
    // Under the limit it answers, all 2,000 rows sorted.
    let Merged::Pipeline(batch) = sharded::merge(Kind::Pipeline, &text, &partials, GATHER_LIMIT_BYTES).unwrap() else { panic!() };
    assert_eq!(batch.num_rows(), 2000);
    // An aggregate over few groups has small partial results.
    let text = json!({"groupBy": ["s"], "aggregates": [{"op": "count"}]}).to_string();
    let partials: Vec<_> = shards.iter().map(|s| sharded::partial(s, Kind::Aggregate, &text).unwrap()).collect();
    assert!(sharded::merge(Kind::Aggregate, &text, &partials, 4000).is_ok());
}

#[test]
fn broken_partial_results_and_unknown_kinds_are_clear_errors() {
    let text = json!({"aggregates": [{"op": "count"}]}).to_string();
    let err = sharded::merge(Kind::Aggregate, &text, &[vec![b"not arrow".to_vec()]], GATHER_LIMIT_BYTES).err().unwrap().to_string();
    assert!(err.contains("not readable"), "{err}");
    assert!(sharded::merge(Kind::Aggregate, &text, &[], GATHER_LIMIT_BYTES).is_err());
    let err = Kind::parse("export").err().unwrap().to_string();
    assert!(err.contains("page, aggregate, pipeline, profile, walker or window"), "{err}");
}

/// Sorted pages of a file in shards, by windows of each shard's sorted
/// view and merge cursors (`api::sharded_pages`, the client's algorithm in
/// process): every page a user could ask in a row — random offsets, the
/// next pages, a jump back, past the end, no rows, a subset of columns with
/// or without the sort keys — equals the one-table engine's page, ties in
/// file order, over 1..8 shards of generated files with nulls, NaN, ±0,
/// empty strings and repeated keys.
#[test]
fn sorted_pages_by_windows_and_cursors_answer_as_the_whole_file() {
    use quiver::api::sharded_pages::{sharded_page, Cursors};
    use quiver::plan::Executor;
    let mut pages = 0;
    for (seed, n) in [(41u64, 1500), (42, 200), (43, 3)] {
        let csv = common::csv(seed, n);
        let options = common::csv_options(64);
        let mut engine = QueryEngine::new(&common::table(seed, n, 64)).unwrap();
        let mut rng = Rng::new(seed * 104_729);
        for round in 0..5 {
            let mut cuts: Vec<u64> = (0..round * 2).map(|_| rng.int(1, csv.len() as i64) as u64).collect();
            cuts.push(0);
            cuts.sort_unstable();
            cuts.dedup();
            let pieces = load_in_ranges(csv.as_bytes(), &options, &cuts, 4096).unwrap();
            let mut shards: Vec<Executor> = pieces.iter().map(|(t, _)| Executor::new(t.single_batch().unwrap())).collect();
            let mut cursors = Cursors::default();
            for _ in 0..12 {
                let mut spec = common::page(&mut rng);
                if spec["sort"].as_array().is_none_or(|s| s.is_empty()) {
                    spec["sort"] = json!([{"column": rng.pick(&["i", "f", "s", "d"])}]);
                }
                if rng.chance(0.3) {
                    let first_key = spec["sort"][0]["column"].as_str().unwrap().to_string();
                    let other = if first_key == "i" { "s" } else { "i" };
                    spec["columns"] = if rng.chance(0.5) { json!([other]) } else { json!([other, first_key]) };
                }
                let limit = rng.int(0, 40);
                spec["limit"] = json!(limit);
                // A user's browsing: a page, the next ones, a jump back, past the end.
                let start = rng.int(0, n as i64);
                let offsets = [start, start + limit, start + 2 * limit, start / 2, start + limit, n as i64 + 5, 0];
                for offset in offsets {
                    spec["offset"] = json!(offset);
                    let text = spec.to_string();
                    let context = format!("seed {seed}, {} shards, {text}", shards.len());
                    let want = whole(&mut engine, "page", &text);
                    let got = sharded_page(&mut shards, &spec::from_json("page", &text).unwrap(), &mut cursors)
                        .map(|page| json!({"rows": rows(page.batch), "total": page.total, "offset": page.offset}))
                        .map_err(|e| e.to_string());
                    match (want, got) {
                        (Ok(a), Ok(b)) => {
                            assert!(agree(&a, &b, &text), "{context}\nwhole:   {a}\nsharded: {b}");
                            pages += 1;
                        }
                        (Err(a), Err(b)) => assert_eq!(a, b, "{context}"),
                        (a, b) => panic!("{context}\nwhole: {a:?}\nsharded: {b:?}"),
                    }
                }
            }
        }
    }
    assert!(pages >= 300, "{pages} pages answered");
}
