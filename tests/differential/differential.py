#!/usr/bin/env python3
"""Differential test: Quiver's answers against DuckDB's on generated tables.

Generates tables with nulls, duplicates, negatives, NaN, empty strings,
unicode and wide value ranges; writes each as CSV for Quiver and loads the
same values into DuckDB with explicit types; then runs randomized queries
(every filter kind, multi-key sorts with offsets, group-bys with every
aggregate, time buckets and bins, profiles' counts) on both and compares the
results row by row. Floats compare with a relative tolerance of 1e-9.

Intended semantic differences (documented in the README) are avoided by the
generator rather than papered over in the comparison:
  * -0.0 is not generated (arrow orders -0 before 0; DuckDB treats them equal).
  * Case-insensitive text is ASCII plus Latin-1 letters whose lower case
    is the same in Rust's to_lowercase and DuckDB's lower().
Two are written into the SQL instead: NaN values fall in no numeric bin
(Quiver's null bin), and the population variance of a single NaN is NaN
(DuckDB answers 0).

    python differential.py RUNNER [--queries N] [--seed S] [--keep DIR]
RUNNER is the `query_runner` example binary. Exit status 1 on any mismatch.
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import duckdb

COLUMNS = [
    ("id", "BIGINT"),
    ("i", "BIGINT"),
    ("big", "BIGINT"),
    ("f", "DOUBLE"),
    ("s", "VARCHAR"),
    ("c", "VARCHAR"),
    ("b", "BOOLEAN"),
    ("d", "DATE"),
    ("t", "TIMESTAMP"),
]
WORDS = ["apple", "Apple", "banana", "cherry", "Äpfel", "äpfel", "日本", "naïve", "x,y", 'say "hi"', "line\nbreak", "", "  padded ", "zebra", "Éclair", "éclair"]
CATEGORIES = ["red", "green", "blue", "Red", "GREEN", "violet", "ünïcode"]
NULL_TOKEN = "NA"


def generate_table(rng, rows, null_share):
    """Rows of Python values for COLUMNS."""

    def maybe(value):
        return None if rng.random() < null_share else value

    start = dt.datetime(2019, 12, 25)
    table = []
    for row_id in range(rows):
        f = rng.choice([rng.uniform(-1000, 1000), round(rng.uniform(-50, 50), 2), float(rng.randint(-5, 5)), math.nan, 1e15 * rng.random()])
        if f == 0.0:
            f = 0.5
        micros = rng.randrange(0, 3 * 365 * 86400) * 1_000_000 + rng.choice([0, 0, rng.randrange(1_000_000)])
        stamp = start + dt.timedelta(microseconds=micros)
        table.append(
            (
                row_id,
                maybe(rng.choice([rng.randint(-20, 20), rng.randint(-1000, 1000)])),
                maybe(rng.randint(-(10**15), 10**15)),
                maybe(f),
                maybe(rng.choice(WORDS)),
                maybe(rng.choice(CATEGORIES)),
                maybe(rng.random() < 0.5),
                maybe((start + dt.timedelta(days=rng.randrange(0, 1200))).date()),
                maybe(stamp),
            )
        )
    return table


def csv_text(value):
    if value is None:
        return NULL_TOKEN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + (f".{value.microsecond:06d}" if value.microsecond else "") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path, table):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([name for name, _ in COLUMNS])
        for row in table:
            writer.writerow([csv_text(v) for v in row])


# ---------------------------------------------------------------- queries

NUMERIC = ["i", "big", "f"]
TEXT = ["s", "c"]
TEMPORAL = ["d", "t"]
ALL = ["id", "i", "big", "f", "s", "c", "b", "d", "t"]


def sql_literal(column, value):
    if value is None:
        return "NULL"
    if column in TEXT:
        return "'" + value.replace("'", "''") + "'"
    if column == "b":
        return "TRUE" if value else "FALSE"
    if column == "d":
        return f"DATE '{value}'"
    if column == "t":
        return f"TIMESTAMP '{value.replace('T', ' ').rstrip('Z')}'"
    # A float literal is a DECIMAL in DuckDB; compare as doubles, like Quiver.
    return f"{value!r}::DOUBLE" if isinstance(value, float) else repr(value)


def sample_value(rng, table, column):
    index = [name for name, _ in COLUMNS].index(column)
    values = [row[index] for row in table if row[index] is not None and not (isinstance(row[index], float) and math.isnan(row[index]))]
    value = rng.choice(values)
    if column == "t":
        return csv_text(value)
    if column == "d":
        return value.isoformat()
    return value


def gen_filter(rng, table, kind, depth=0):
    """(quiver filter, SQL condition) of the given kind."""
    if kind in ("and", "or"):
        parts = [gen_filter(rng, table, rng.choice(LEAF_KINDS), depth + 1) for _ in range(rng.randint(2, 3))]
        return {"op": kind, "filters": [q for q, _ in parts]}, "(" + f" {kind.upper()} ".join(s for _, s in parts) + ")"
    if kind == "not":
        inner, sql = gen_filter(rng, table, rng.choice(LEAF_KINDS), depth + 1)
        return {"op": "not", "filter": inner}, f"(NOT {sql})"
    if kind in ("=", "!=", "<", "<=", ">", ">="):
        column = rng.choice(NUMERIC + TEXT + TEMPORAL + ["b"] if kind in ("=", "!=") else NUMERIC + TEXT + TEMPORAL)
        value = sample_value(rng, table, column)
        if column in NUMERIC and rng.random() < 0.3:
            value = value + 0.5 if isinstance(value, int) else value
        sql_op = "<>" if kind == "!=" else kind
        return {"op": kind, "column": column, "value": value}, f"({column} {sql_op} {sql_literal(column, value)})"
    if kind == "between":
        column = rng.choice(NUMERIC + TEMPORAL + TEXT)
        a, b = sample_value(rng, table, column), sample_value(rng, table, column)
        low, high = (a, b) if str(type(a)) == str(type(b)) and a <= b else (b, a)
        shape = rng.choice(["both", "min", "max"])
        spec = {"op": "between", "column": column}
        conds = []
        if shape in ("both", "min"):
            spec["min"] = low
            conds.append(f"{column} >= {sql_literal(column, low)}")
        if shape in ("both", "max"):
            spec["max"] = high
            conds.append(f"{column} <= {sql_literal(column, high)}")
        return spec, "(" + " AND ".join(conds) + ")"
    if kind in ("in", "notIn"):
        column = rng.choice(["i", "s", "c", "b", "d"])
        values = [sample_value(rng, table, column) for _ in range(rng.randint(1, 4))]
        has_null = rng.random() < 0.4
        listed = values + ([None] if has_null else [])
        in_list = ", ".join(sql_literal(column, v) for v in values)
        found = f"({column} IN ({in_list}))"
        if kind == "in":
            sql = f"({found} OR {column} IS NULL)" if has_null else found
        else:
            sql = f"({column} IS NOT NULL AND NOT {found})" if has_null else f"({column} IS NULL OR NOT {found})"
        return {"op": kind, "column": column, "values": listed}, sql
    if kind in ("isNull", "isNotNull"):
        column = rng.choice(ALL[1:])
        return {"op": kind, "column": column}, f"({column} IS {'NOT ' if kind == 'isNotNull' else ''}NULL)"
    if kind in ("contains", "startsWith", "endsWith"):
        column = rng.choice(TEXT)
        word = sample_value(rng, table, column)
        needle = word[: rng.randint(1, 3)] if kind == "startsWith" else word[-rng.randint(1, 3):] if kind == "endsWith" else word[1:3]
        insensitive = rng.random() < 0.5
        fn = {"contains": "contains", "startsWith": "starts_with", "endsWith": "ends_with"}[kind]
        col_sql, needle_sql = (f"lower({column})", "lower(" + sql_literal(column, needle) + ")") if insensitive else (column, sql_literal(column, needle))
        return {"op": kind, "column": column, "value": needle, "caseInsensitive": insensitive}, f"({fn}({col_sql}, {needle_sql}))"
    if kind == "regex":
        column = rng.choice(TEXT)
        pattern = rng.choice(["^a", "e$", "an+", "^[a-z]+$", "re|ue", "é", "^.{4}$", "P"])
        insensitive = rng.random() < 0.5
        flags = ", 'i'" if insensitive else ""
        return {"op": "regex", "column": column, "pattern": pattern, "caseInsensitive": insensitive}, f"(regexp_matches({column}, '{pattern}'{flags}))"
    raise ValueError(kind)


LEAF_KINDS = ["=", "!=", "<", "<=", ">", ">=", "between", "in", "notIn", "isNull", "isNotNull", "contains", "startsWith", "endsWith", "regex"]
FILTER_KINDS = LEAF_KINDS + ["and", "or", "not"]


def gen_sort(rng):
    keys = []
    for column in rng.sample(["i", "f", "s", "c", "b", "d", "t", "big"], rng.randint(1, 3)):
        key = {"column": column, "descending": rng.random() < 0.5, "nulls": rng.choice(["first", "last"])}
        if column in TEXT and rng.random() < 0.4:
            key["caseInsensitive"] = True
        keys.append(key)
    return keys


def sort_sql(keys):
    parts = []
    for k in keys:
        expr = f"lower({k['column']})" if k.get("caseInsensitive") else k["column"]
        parts.append(f"{expr} {'DESC' if k['descending'] else 'ASC'} NULLS {k['nulls'].upper()}")
    return ", ".join(parts)


AGGREGATES = ["count", "countDistinct", "sum", "mean", "min", "max", "median", "quantile", "variancePop", "varianceSamp", "stddevPop", "stddevSamp", "first", "last"]
UNITS = ["year", "quarter", "month", "week", "day", "hour", "minute"]


def agg_sql(agg):
    op, column = agg["op"], agg.get("column")
    if op == "count":
        return "count(*)" if column is None else f"count({column})"
    return {
        "countDistinct": f"count(DISTINCT {column})",
        "sum": f"sum({column})",
        "mean": f"avg({column})",
        "min": f"min({column})",
        "max": f"max({column})",
        "median": f"quantile_cont({column}, 0.5)",
        "quantile": f"quantile_cont({column}, {agg.get('q')})",
        # DuckDB gives 0 for the population variance of one NaN; Quiver NaN.
        "variancePop": f"CASE WHEN count({column}) = 1 AND isnan(max({column})::DOUBLE) THEN 'nan'::DOUBLE ELSE var_pop({column}) END",
        "varianceSamp": f"var_samp({column})",
        "stddevPop": f"CASE WHEN count({column}) = 1 AND isnan(max({column})::DOUBLE) THEN 'nan'::DOUBLE ELSE stddev_pop({column}) END",
        "stddevSamp": f"stddev_samp({column})",
        "first": f"arg_min({column}, id) FILTER (WHERE {column} IS NOT NULL)",
        "last": f"arg_max({column}, id) FILTER (WHERE {column} IS NOT NULL)",
    }[op]


def gen_aggregate(rng, table, index):
    """(quiver spec, SQL) for a group-by; `index` rotates coverage."""
    keys, key_sql, out_keys = [], [], []
    key_kind = ["column", "bucket", "bins_step", "bins_count", "two_text"][index % 5]
    if key_kind == "column":
        column = rng.choice(["c", "b", "i", "d", "s"])
        keys, key_sql, out_keys = [column], [column], [column]
    elif key_kind == "two_text":
        keys, key_sql, out_keys = ["c", "s"], ["c", "s"], ["c", "s"]
    elif key_kind == "bucket":
        column, unit = rng.choice(TEMPORAL), UNITS[index % len(UNITS)]
        keys = [{"column": column, "bucket": unit, "as": "k"}]
        key_sql, out_keys = [f"date_trunc('{unit}', {column}) AS k"], ["k"]
    elif key_kind == "bins_step":
        column, step = rng.choice([("i", 5), ("f", 50.0), ("i", 2.5)])
        keys = [{"column": column, "bins": {"step": step}, "as": "k"}]
        # NaN has no bin in Quiver (it joins the null group): say so in SQL.
        binned = f"CASE WHEN isnan({column}) THEN NULL ELSE floor({column} / {step}) * {step} END"
        key_sql = [f"{binned} AS k", f"{binned} + {step} AS k_end"]
        out_keys = ["k", "k_end"]
    else:
        column, count = "i", rng.choice([3, 7, 10])
        keys = [{"column": column, "bins": {"count": count}, "as": "k"}]
        out_keys = ["k", "k_end"]
        key_sql = None  # filled in below: needs min and max of the filtered rows
    ops = [AGGREGATES[(index + j) % len(AGGREGATES)] for j in range(3)] + ["count"]
    aggs = []
    for j, op in enumerate(ops):
        if op == "count" and j == 3:
            aggs.append({"op": "count", "as": "n"})
            continue
        numeric_only = op in ("sum", "mean", "median", "quantile", "variancePop", "varianceSamp", "stddevPop", "stddevSamp")
        column = rng.choice(["i", "f", "big"] if numeric_only else ["i", "f", "s", "d", "t", "b", "c"])
        agg = {"op": op, "column": column, "as": f"a{j}"}
        if op == "quantile":
            agg["q"] = rng.choice([0.1, 0.25, 0.9, 1.0, 0.0])
        aggs.append(agg)
    filter_spec, where = (None, "TRUE")
    if rng.random() < 0.6:
        filter_spec, where = gen_filter(rng, table, rng.choice(FILTER_KINDS))
    spec = {"groupBy": keys, "aggregates": aggs}
    if filter_spec:
        spec["filter"] = filter_spec
    select_aggs = ", ".join(f"{agg_sql(a)} AS {a['as']}" for a in aggs)
    if key_sql is None:
        count = keys[0]["bins"]["count"]
        bounds = f"(SELECT min(i) AS mn, max(i) AS mx FROM t WHERE {where} AND i IS NOT NULL)"
        step = f"(CASE WHEN bounds.mx > bounds.mn THEN (bounds.mx - bounds.mn) / {count} ELSE 1.0 END)"
        # least/greatest skip NULLs in DuckDB: keep a null value's bin null.
        bin_expr = f"CASE WHEN i IS NULL THEN NULL ELSE least(greatest(floor((i - bounds.mn) / {step}), 0), {count - 1}) * {step} + bounds.mn END"
        sql = (
            f"SELECT {bin_expr} AS k, {bin_expr} + {step} AS k_end, {select_aggs} FROM t, {bounds} AS bounds "
            f"WHERE {where} GROUP BY k, k_end"
        )
    else:
        group_names = ", ".join(k.split(" AS ")[-1] for k in key_sql)
        sql = f"SELECT {', '.join(key_sql)}, {select_aggs} FROM t WHERE {where} GROUP BY {group_names}"
    if rng.random() < 0.3:
        spec["having"] = {"op": ">", "column": "n", "value": 1}
        sql = f"SELECT * FROM ({sql}) WHERE n > 1"
    order = [{"column": k, "nulls": "last"} for k in out_keys]
    spec["sort"] = order
    sql += " ORDER BY " + ", ".join(f"{k} ASC NULLS LAST" for k in out_keys)
    if rng.random() < 0.3:
        spec["limit"] = 5
        spec["offset"] = 1
        sql += " LIMIT 5 OFFSET 1"
    return spec, sql


def gen_page(rng, table, index):
    kind = FILTER_KINDS[index % len(FILTER_KINDS)]
    filter_spec, where = gen_filter(rng, table, kind)
    keys = gen_sort(rng) if index % 4 else []
    spec = {"filter": filter_spec, "sort": keys + [{"column": "id"}], "offset": rng.choice([0, 0, 3, 50]), "limit": rng.choice([10, 40])}
    order = sort_sql(keys + [{"column": "id", "descending": False, "nulls": "last"}])
    sql = f"SELECT * FROM t WHERE {where} ORDER BY {order} LIMIT {spec['limit']} OFFSET {spec['offset']}"
    total_sql = f"SELECT count(*) FROM t WHERE {where}"
    return spec, sql, total_sql


# ---------------------------------------------------------------- comparison


def as_time(value):
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.rstrip("Z")
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def same(quiver, duck):
    if quiver is None or duck is None:
        return quiver is None and duck is None
    if isinstance(duck, bool) or isinstance(quiver, bool):
        return quiver == duck
    if isinstance(duck, (dt.date, dt.datetime)):
        return as_time(quiver) == as_time(duck)
    if isinstance(duck, (int, float)):
        if isinstance(quiver, str):
            try:
                quiver = int(quiver) if quiver.lstrip("-").isdigit() else float(quiver)
            except ValueError:
                return False
        q, d = float(quiver), float(duck)
        if math.isnan(q) or math.isnan(d):
            return math.isnan(q) and math.isnan(d)
        return q == d or abs(q - d) <= 1e-9 * max(abs(q), abs(d)) or abs(q - d) < 1e-9
    return quiver == duck


def compare(label, quiver_rows, duck_rows, columns):
    if len(quiver_rows) != len(duck_rows):
        return f"{label}: {len(quiver_rows)} rows from Quiver, {len(duck_rows)} from DuckDB"
    for n, (q, d) in enumerate(zip(quiver_rows, duck_rows)):
        for column, dv in zip(columns, d):
            if not same(q.get(column), dv):
                return f"{label}: row {n}, column {column}: Quiver {q.get(column)!r}, DuckDB {dv!r}"
    return None


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runner")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--keep")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = args.keep or tempfile.mkdtemp(prefix="quiver-differential-")
    os.makedirs(workdir, exist_ok=True)

    tables = []
    for n, (rows, null_share) in enumerate([(1500, 0.1), (800, 0.4), (2500, 0.02)]):
        table = generate_table(rng, rows, null_share)
        path = os.path.join(workdir, f"table{n}.csv")
        write_csv(path, table)
        db = duckdb.connect()
        db.execute("CREATE TABLE t (" + ", ".join(f"{c} {t}" for c, t in COLUMNS) + ")")
        db.executemany("INSERT INTO t VALUES (" + ", ".join("?" for _ in COLUMNS) + ")", table)
        tables.append((path, table, db))

    requests, expectations = [], []
    options = {"nullValues": [NULL_TOKEN]}
    for index in range(args.queries):
        path, table, db = tables[index % len(tables)]
        if index % 2 == 0:
            spec, sql, total_sql = gen_page(rng, table, index // 2)
            requests.append({"csv": path, "options": options, "kind": "page", "spec": spec})
            expectations.append(("page", spec, sql, db, total_sql))
        else:
            spec, sql = gen_aggregate(rng, table, index // 2)
            requests.append({"csv": path, "options": options, "kind": "aggregate", "spec": spec})
            expectations.append(("aggregate", spec, sql, db, None))

    completed = subprocess.run([args.runner], input="\n".join(json.dumps(r) for r in requests), capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(answers) == len(requests), (len(answers), len(requests))

    failures = []
    covered = {"filters": set(), "aggregates": set(), "units": set(), "bins": 0, "multi_sort": 0}
    for n, (answer, (kind, spec, sql, db, total_sql)) in enumerate(zip(answers, expectations)):
        label = f"query {n} ({kind}) {json.dumps(spec)}\n  SQL: {sql}"
        if "error" in answer:
            failures.append(f"{label}: Quiver error {answer['error']}")
            continue
        cursor = db.execute(sql)
        columns = [d[0] for d in cursor.description]
        problem = compare(label, answer["rows"], cursor.fetchall(), columns)
        if problem is None and total_sql:
            duck_total = db.execute(total_sql).fetchone()[0]
            if duck_total != answer["total"]:
                problem = f"{label}: total {answer['total']} from Quiver, {duck_total} from DuckDB"
        if problem:
            failures.append(problem)
        record_coverage(covered, spec)

    print(f"{len(requests)} queries on {len(tables)} tables; {len(failures)} mismatches")
    print(f"  filter kinds: {len(covered['filters'])}/{len(FILTER_KINDS)}; aggregates: {len(covered['aggregates'])}/{len(AGGREGATES)}; "
          f"time units: {len(covered['units'])}/{len(UNITS)}; bin queries: {covered['bins']}; multi-key sorts: {covered['multi_sort']}")
    missing = (set(FILTER_KINDS) - covered["filters"]) | (set(AGGREGATES) - covered["aggregates"]) | (set(UNITS) - covered["units"])
    if missing:
        failures.append(f"not covered: {sorted(missing)}")
    for failure in failures[:20]:
        print("MISMATCH", failure, file=sys.stderr)
    return 1 if failures else 0


def record_coverage(covered, spec):
    def walk(f):
        if not f:
            return
        covered["filters"].add(f["op"])
        for child in f.get("filters", []):
            walk(child)
        walk(f.get("filter"))

    walk(spec.get("filter"))
    for agg in spec.get("aggregates", []):
        covered["aggregates"].add(agg["op"])
    for key in spec.get("groupBy", []):
        if isinstance(key, dict) and key.get("bucket"):
            covered["units"].add(key["bucket"])
        if isinstance(key, dict) and key.get("bins"):
            covered["bins"] += 1
    if len(spec.get("sort", [])) > 2:
        covered["multi_sort"] += 1


if __name__ == "__main__":
    sys.exit(main())
