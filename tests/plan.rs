//! The plan's rewrites checked against the plain plan (csv-core's habit of
//! running the clever path and the simple one on the same inputs): every
//! generated query runs with every rewrite ([`Rewrites::ALL`]: top-k, the
//! counting fusions, pruning, the lazy selection) and with none, and the
//! answers (or the errors) must be the same, exactly.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::Rng;
use quiver::api::spec;
use quiver::plan::Rewrites;
use quiver::rows::Rows;
use quiver::QueryEngine;
use serde_json::{json, Value};

/// A query's answer as JSON (or its error).
fn answer(engine: &mut QueryEngine, kind: &str, query: &Value) -> Result<Value, String> {
    let text = query.to_string();
    let rows = |batch| serde_json::to_value(Rows::json_text(&[batch])).unwrap();
    let e = |e: quiver::QuiverError| e.to_string();
    Ok(match kind {
        "page" => {
            let page = engine.page(&spec::from_json("page", &text).map_err(e)?).map_err(e)?;
            json!({"rows": rows(page.batch), "total": page.total})
        }
        "aggregate" => {
            let result = engine.aggregate(&spec::from_json("aggregate", &text).map_err(e)?).map_err(e)?;
            json!({"rows": rows(result.batch), "total": result.total_groups})
        }
        "pipeline" => rows(engine.run(&spec::from_json("pipeline", &text).map_err(e)?).map_err(e)?),
        "profile" => serde_json::to_value(engine.profile(&spec::from_json("profile", &text).map_err(e)?).map_err(e)?).unwrap(),
        other => panic!("{other}"),
    })
}

#[test]
fn every_quiver_query_answers_alike_with_rewrites_on_and_off() {
    let mut kinds = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for (seed, rows, batch_rows) in [(1u64, 400, 64), (2, 1200, 100), (3, 37, 8), (4, 0, 16)] {
        let table = common::table(seed, rows, batch_rows);
        let mut on = QueryEngine::with_rewrites(&table, Rewrites::ALL).unwrap();
        let mut off = QueryEngine::with_rewrites(&table, Rewrites::NONE).unwrap();
        let mut rng = Rng::new(seed * 7919);
        for n in 0..600 {
            let (kind, query) = match n % 6 {
                0 | 1 => ("page", common::page(&mut rng)),
                2 => ("aggregate", common::aggregate(&mut rng)),
                3 => ("aggregate", common::counting_aggregate(&mut rng)),
                4 => ("pipeline", common::pipeline(&mut rng)),
                _ => ("profile", common::profile(&mut rng)),
            };
            let (a, b) = (answer(&mut on, kind, &query), answer(&mut off, kind, &query));
            assert_eq!(a, b, "seed {seed}, {kind} {query}");
            let tally = kinds.entry(kind).or_default();
            tally.0 += 1;
            tally.1 += a.is_ok() as usize;
        }
    }
    // Most queries answer (the rest are errors both ways, such as a type
    // mismatch the generator made on purpose).
    for (kind, (all, answered)) in &kinds {
        assert!(*answered * 10 >= *all * 8, "{kind}: {answered} of {all} answered");
    }
}
