//! Rewrites every plan gets before it runs, each switchable off
//! ([`Rewrites`]) so the cross-check tests can run each query both ways and
//! compare (`tests/plan.rs`, csv-core's habit of checking the clever path
//! against the plain one):
//!
//! - `top_k`: a sort followed by a slice keeps only `offset + limit` rows
//!   (a selection in O(n) instead of a full sort); views for pages order a
//!   prefix;
//! - `distinct_count`: "group by a key counting rows, then count the groups
//!   and sum the counts" (Graphic Walker's question "how many distinct
//!   values") becomes [`Op::DistinctCount`], answered from the key's codes
//!   without building a million groups;
//! - `top_values`: "group by a key counting rows, sorted by the count,
//!   limited" becomes [`Op::TopValues`] (value counts, then a top-k);
//! - `prune`: only the columns a plan reads are kept from the scan on, so
//!   copies of rows copy only those;
//! - `lazy`: a filter narrows a selection instead of copying rows (in the
//!   executor).
//!
//! What must change together: an operator's columns read and made
//! ([`columns_read`]), and a rule here for each new fusion, with its case in
//! the cross-check tests.

use std::collections::HashSet;

use super::expr::Expr;
use super::{Aggregate, Call, DistinctOutput, GroupKey, Op, Plan, SortKey};
use crate::kernels::accumulate::AggregateFn;

/// Which rewrites run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrites {
    pub top_k: bool,
    pub distinct_count: bool,
    pub top_values: bool,
    pub prune: bool,
    pub lazy: bool,
}

impl Rewrites {
    pub const ALL: Rewrites = Rewrites { top_k: true, distinct_count: true, top_values: true, prune: true, lazy: true };
    pub const NONE: Rewrites = Rewrites { top_k: false, distinct_count: false, top_values: false, prune: false, lazy: false };
}

/// `plan` rewritten.
pub fn apply(mut plan: Plan, rewrites: Rewrites) -> Plan {
    if rewrites.top_k {
        plan = top_k(plan);
    }
    if rewrites.distinct_count || rewrites.top_values {
        plan = fuse_counts(plan, rewrites);
    }
    if rewrites.prune {
        plan = prune(plan);
    }
    plan
}

/// Sort, then a slice with a limit: the sort keeps `offset + limit` rows.
fn top_k(mut plan: Plan) -> Plan {
    for i in 0..plan.ops.len().saturating_sub(1) {
        if let (Op::Sort { limit: None, keys }, Op::Slice { offset, limit: Some(limit) }) = (&plan.ops[i], &plan.ops[i + 1]) {
            let keep = offset.saturating_add(*limit);
            plan.ops[i] = Op::Sort { keys: keys.clone(), limit: Some(keep) };
        }
    }
    plan
}

/// The key of an aggregate by one plain column counting rows only, and the
/// count's name.
fn counting(aggregate: &Aggregate) -> Option<(&str, &str)> {
    let ([GroupKey { name, expr: Expr::Column(column), end: None }], [Call { name: count, func: AggregateFn::Count, arg: None }]) =
        (aggregate.keys.as_slice(), aggregate.calls.as_slice())
    else {
        return None;
    };
    (name == column && count != name).then_some((column.as_str(), count.as_str()))
}

fn fuse_counts(plan: Plan, rewrites: Rewrites) -> Plan {
    let mut ops: Vec<Op> = Vec::with_capacity(plan.ops.len());
    let mut input = plan.ops.into_iter().peekable();
    while let Some(op) = input.next() {
        if let Op::Aggregate(first) = &op {
            if let Some((key, count)) = counting(first) {
                match input.peek() {
                    // Then over all groups: count them, sum the counts.
                    Some(Op::Aggregate(second)) if rewrites.distinct_count && second.keys.is_empty() && !second.calls.is_empty() => {
                        let outputs: Option<Vec<(String, DistinctOutput)>> = second
                            .calls
                            .iter()
                            .map(|call| match (&call.func, &call.arg) {
                                (AggregateFn::Count, None) => Some((call.name.clone(), DistinctOutput::Values)),
                                (AggregateFn::Sum, Some(Expr::Column(c))) if c == count => Some((call.name.clone(), DistinctOutput::Rows)),
                                _ => None,
                            })
                            .collect();
                        if let Some(outputs) = outputs {
                            ops.push(Op::DistinctCount { key: key.to_string(), outputs, empty: second.empty });
                            input.next();
                            continue;
                        }
                    }
                    // Then sorted by the count, limited.
                    Some(Op::Sort { keys, limit: Some(limit) }) if rewrites.top_values => {
                        if let [SortKey { expr: Expr::Column(by), descending, .. }] = keys.as_slice() {
                            if by == count {
                                ops.push(Op::TopValues { key: key.to_string(), count: count.to_string(), descending: *descending, limit: *limit });
                                input.next();
                                continue;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        ops.push(op);
    }
    Plan { ops }
}

/// What an operator reads of its input and what it gives (`None`: every
/// column passes through, or is made).
pub fn columns_read(op: &Op) -> Vec<&str> {
    let mut out = Vec::new();
    match op {
        Op::Filter(p) => p.columns(&mut out),
        Op::Derive { expr, .. } => expr.columns(&mut out),
        Op::Select(names) | Op::Keep(names) => out.extend(names.iter().map(String::as_str)),
        Op::Aggregate(aggregate) => {
            aggregate.keys.iter().for_each(|k| k.expr.columns(&mut out));
            aggregate.calls.iter().filter_map(|c| c.arg.as_ref()).for_each(|a| a.columns(&mut out));
        }
        Op::Sort { keys, .. } => keys.iter().for_each(|k| k.expr.columns(&mut out)),
        Op::Slice { .. } => {}
        Op::Fold { fields, .. } => out.extend(fields.iter().map(String::as_str)),
        Op::DistinctCount { key, .. } | Op::TopValues { key, .. } => out.push(key),
    }
    out
}

/// Keeps from the scan on only the columns the plan reads (every column
/// when its answer shows them all).
fn prune(mut plan: Plan) -> Plan {
    // Walking back from the answer: the columns needed after each step.
    let mut live: Option<HashSet<String>> = None;
    for op in plan.ops.iter().rev() {
        let read: Vec<String> = columns_read(op).into_iter().map(String::from).collect();
        live = match op {
            Op::Select(_) | Op::Keep(_) | Op::Aggregate(_) | Op::DistinctCount { .. } | Op::TopValues { .. } => Some(read.into_iter().collect()),
            Op::Derive { name, .. } => live.map(|mut l| {
                l.remove(name);
                l.extend(read);
                l
            }),
            Op::Fold { key, value, .. } => live.map(|mut l| {
                l.remove(key);
                l.remove(value);
                l.extend(read);
                l
            }),
            Op::Filter(_) | Op::Sort { .. } | Op::Slice { .. } => live.map(|mut l| {
                l.extend(read);
                l
            }),
        };
    }
    if let Some(live) = live {
        let mut names: Vec<String> = live.into_iter().collect();
        names.sort();
        plan.ops.insert(0, Op::Keep(names));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::order::Collation;
    use crate::plan::{EmptyInput, Predicate};

    fn count_by(key: &str) -> Op {
        Op::Aggregate(Aggregate {
            keys: vec![GroupKey { name: key.into(), expr: Expr::column(key), end: None }],
            calls: vec![Call { name: "c".into(), func: AggregateFn::Count, arg: None }],
            empty: EmptyInput::NoRows,
        })
    }

    #[test]
    fn counting_pairs_fuse() {
        let totals = Op::Aggregate(Aggregate {
            keys: vec![],
            calls: vec![
                Call { name: "d".into(), func: AggregateFn::Count, arg: None },
                Call { name: "n".into(), func: AggregateFn::Sum, arg: Some(Expr::column("c")) },
            ],
            empty: EmptyInput::NoRows,
        });
        let plan = apply(Plan::new(vec![count_by("x"), totals]), Rewrites::ALL);
        assert_eq!(plan.ops[1], Op::DistinctCount {
            key: "x".into(),
            outputs: vec![("d".into(), DistinctOutput::Values), ("n".into(), DistinctOutput::Rows)],
            empty: EmptyInput::NoRows,
        });
        assert_eq!(plan.ops[0], Op::Keep(vec!["x".into()]));
        let by_count = SortKey { expr: Expr::column("c"), descending: true, nulls_first: false, collation: Collation::CodePoint };
        let plan = apply(Plan::new(vec![count_by("x"), Op::Sort { keys: vec![by_count], limit: None }, Op::Slice { offset: 1, limit: Some(2) }]), Rewrites::ALL);
        assert_eq!(plan.ops[1], Op::TopValues { key: "x".into(), count: "c".into(), descending: true, limit: 3 });
        assert_eq!(plan.ops[2], Op::Slice { offset: 1, limit: Some(2) });
    }

    #[test]
    fn pruning_keeps_what_is_read_and_nothing_when_all_is_shown() {
        let filter = Op::Filter(Predicate::IsNull(Expr::column("a")));
        let plan = apply(Plan::new(vec![filter.clone(), count_by("b")]), Rewrites::ALL);
        assert_eq!(plan.ops[0], Op::Keep(vec!["a".into(), "b".into()]));
        let plan = apply(Plan::new(vec![filter.clone()]), Rewrites::ALL);
        assert_eq!(plan.ops, [filter]);
    }
}
