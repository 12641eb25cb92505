//! A table split into partitions (what the sharded engine's shards hold)
//! gives the answers of the whole table: every generated query (pages,
//! aggregates with every function, key kind, bucket and bin, counting
//! aggregates, pipelines, profiles) runs over the table cut at 0..7 random
//! row positions (empty partitions included), each partition's partial
//! result a plain Arrow record batch, merged ([`quiver::plan::partition`]),
//! and must equal the unsplit answer (floats to 1e-9 relative: sums and
//! moments add up in another order). Every other split also has its
//! odd partitions' text as plain strings rather than a dictionary, as a
//! shard that read its text differently would: merges compare values,
//! never one partition's dictionary codes.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use common::Rng;
use quiver::api::{self, spec};
use quiver::kernels::select;
use quiver::plan::{partition, Rewrites};
use quiver::rows::Rows;
use quiver::QueryEngine;
use serde_json::{json, Value};

fn rows(batch: RecordBatch) -> Value {
    serde_json::to_value(Rows::json_text(&[batch])).unwrap()
}

/// `batch` cut at `cuts` random positions; with `plain_text`, the odd
/// partitions' dictionary columns decoded.
fn split(batch: &RecordBatch, rng: &mut Rng, cuts: usize, plain_text: bool) -> Vec<RecordBatch> {
    let n = batch.num_rows();
    let mut at: Vec<usize> = (0..cuts).map(|_| rng.int(0, n as i64) as usize).collect();
    at.push(0);
    at.push(n);
    at.sort_unstable();
    at.windows(2)
        .enumerate()
        .map(|(i, w)| {
            let part = batch.slice(w[0], w[1] - w[0]);
            if !plain_text || i % 2 == 0 {
                return part;
            }
            let columns: Vec<ArrayRef> = part
                .columns()
                .iter()
                .map(|c| if matches!(c.data_type(), arrow_schema::DataType::Dictionary(..)) { select::decode_dictionary(c.as_ref()).unwrap() } else { c.clone() })
                .collect();
            let fields: Vec<Field> =
                part.schema().fields().iter().zip(&columns).map(|(f, c)| f.as_ref().clone().with_data_type(c.data_type().clone())).collect();
            RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
        })
        .collect()
}

/// The answer over the whole table, through the engine's usual path.
fn whole(engine: &mut QueryEngine, kind: &str, text: &str) -> Result<Value, String> {
    let e = |e: quiver::QuiverError| e.to_string();
    Ok(match kind {
        "page" => {
            let page = engine.page(&spec::from_json("page", text).map_err(e)?).map_err(e)?;
            json!({"rows": rows(page.batch), "total": page.total})
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

/// The answer from `parts`' partial results, merged.
fn merged(parts: &[RecordBatch], schema: &Schema, kind: &str, text: &str, rewrites: Rewrites) -> Result<Value, String> {
    let e = |e: quiver::QuiverError| e.to_string();
    let plan = match kind {
        "page" => api::page_plan(&spec::from_json("page", text).map_err(e)?).map_err(e)?,
        "aggregate" => quiver::plan::Plan::new(api::aggregate_ops(&spec::from_json("aggregate", text).map_err(e)?).map_err(e)?),
        "pipeline" => api::pipeline_plan(&spec::from_json("pipeline", text).map_err(e)?).map_err(e)?,
        "profile" => {
            let spec = spec::from_json("profile", text).map_err(e)?;
            let columns = api::profile_columns(schema, &spec);
            let partials = parts.iter().map(|p| api::profile_partial(p, &spec, &columns, rewrites)).collect::<Result<Vec<_>, _>>().map_err(e)?;
            return Ok(serde_json::to_value(api::profile_merge(&partials, &spec, &columns).map_err(e)?).unwrap());
        }
        other => panic!("{other}"),
    };
    let split = partition::split(&plan, rewrites);
    let partials = parts.iter().map(|p| split.partial(p)).collect::<Result<Vec<_>, _>>().map_err(e)?;
    // What crosses between shards is Arrow IPC: the partials survive it.
    let partials: Vec<RecordBatch> = partials.iter().map(ipc_round_trip).collect();
    let output = split.merge(&partials).map_err(e)?;
    Ok(match kind {
        "pipeline" => rows(output.batch),
        _ => json!({"rows": rows(output.batch), "total": output.total}),
    })
}

fn ipc_round_trip(batch: &RecordBatch) -> RecordBatch {
    let mut bytes = Vec::new();
    {
        let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema()).unwrap();
        writer.write(batch).unwrap();
        writer.finish().unwrap();
    }
    let mut reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
    reader.next().unwrap().unwrap()
}

/// Answers equal, floats to 1e-9 relative; but moments of `big` to 1e-3.
/// `big` holds integers near 2^53 (9,007,199,254,739,000 ± 1,000) on
/// purpose: its variance's condition number (mean ÷ standard deviation) is
/// about 8e12, so f64 moments carry a relative error up to about
/// 2^-52 × 8e12 ≈ 2e-3 in any order of summation; the unsplit answer is no
/// more exact than the merged one.
fn agree(a: &Value, b: &Value, text: &str) -> bool {
    let tolerance = |name: &str| if name == "big" { 1e-3 } else { 1e-9 };
    match (a, b) {
        // Profiles: one object per column.
        (Value::Array(x), Value::Array(y)) if x.first().is_some_and(|p| p.get("histogram").is_some()) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| common::same(p, q, tolerance(p["name"].as_str().unwrap_or(""))))
        }
        _ => common::same(a, b, if text.contains("\"big\"") { 1e-3 } else { 1e-9 }),
    }
}

/// An answer's text, cut short for a message.
fn brief(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 3000 { format!("{}…", &text[..text.floor_char_boundary(3000)]) } else { text }
}

#[test]
fn every_quiver_query_over_random_partitions_answers_as_the_whole_table() {
    let mut tally = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    let mut breakers = std::collections::BTreeMap::<String, usize>::new();
    for (seed, n, batch_rows) in [(11u64, 500, 64), (12, 1500, 200), (13, 40, 8), (14, 0, 16), (15, 3, 2)] {
        let table = common::table(seed, n, batch_rows);
        let batch = table.single_batch().unwrap();
        let mut engine = QueryEngine::new(&table).unwrap();
        let mut rng = Rng::new(seed * 104_729);
        for q in 0..300 {
            let (kind, query) = match q % 6 {
                0 | 1 => ("page", common::page(&mut rng)),
                2 => ("aggregate", common::aggregate(&mut rng)),
                3 => ("aggregate", common::counting_aggregate(&mut rng)),
                4 => ("pipeline", common::pipeline(&mut rng)),
                _ => ("profile", common::profile(&mut rng)),
            };
            let text = query.to_string();
            let cuts = rng.int(0, 7) as usize;
            let parts = split(&batch, &mut rng, cuts, q % 2 == 1);
            let rewrites = if q % 3 == 2 { Rewrites::NONE } else { Rewrites::ALL };
            let expected = whole(&mut engine, kind, &text);
            let got = merged(&parts, &batch.schema(), kind, &text, rewrites);
            let context = format!("seed {seed}, {} partitions, {kind} {text}", parts.len());
            match (&expected, &got) {
                (Ok(a), Ok(b)) => assert!(agree(a, b, &text), "{context}\nwhole:  {}\nsplit:  {}", brief(a), brief(b)),
                (Err(a), Err(b)) => assert_eq!(a, b, "{context}"),
                _ => panic!("{context}\nwhole: {expected:?}\nsplit: {got:?}"),
            }
            let t = tally.entry(kind).or_default();
            t.0 += 1;
            t.1 += expected.is_ok() as usize;
            if kind != "profile" {
                let plan = match kind {
                    "page" => spec::from_json("page", &text).ok().and_then(|s| api::page_plan(&s).ok()),
                    "aggregate" => spec::from_json("aggregate", &text).ok().and_then(|s| api::aggregate_ops(&s).ok()).map(quiver::plan::Plan::new),
                    _ => spec::from_json("pipeline", &text).ok().and_then(|s| api::pipeline_plan(&s).ok()),
                };
                if let Some(plan) = plan {
                    let name = format!("{:?}", partition::split(&plan, rewrites).breaker);
                    *breakers.entry(name.split([' ', '(', '{']).next().unwrap().to_string()).or_default() += 1;
                }
            }
        }
    }
    // Most queries answer (the rest are errors both ways, made on purpose).
    for (kind, (all, answered)) in &tally {
        assert!(*answered * 10 >= *all * 7, "{kind}: {answered} of {all} answered");
    }
    // Every breaker's partial form was exercised.
    for breaker in ["Aggregate", "TopK", "Slice", "Gather"] {
        assert!(breakers.get(breaker).copied().unwrap_or(0) >= 10, "{breaker}: {breakers:?}");
    }
}
