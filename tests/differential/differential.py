#!/usr/bin/env python3
"""Differential test: Quiver's answers against DuckDB's on generated tables.

For each seed (fixed ones, plus a fresh one each run, printed so a failure
can be replayed with --seed), four tables are generated:

  one-batch  1,000 rows, 10% nulls, one record batch;
  nullish    800 rows, 40% nulls, batches of 64 rows (13 batches);
  batches    2,500 rows, 2% nulls, batches of 200 rows (13 batches);
  large      320,000 rows, 3% nulls, batches of 32,000 rows (11 batches,
             the ingest's first one being 1,024 rows): over 2^16 distinct
             floats and timestamps (the many-distinct grouping paths) and a
             high-cardinality text column `h` that the ingest stores as plain
             Utf8 rather than a dictionary (it decides after 2^18 values).

Columns hold nulls, duplicates, negatives, -0.0 and 0.0, NaN, ±Infinity,
empty strings, unicode, quotes and line breaks, dates, microsecond
timestamps and integers up to ±10^15. In the three many-batch tables two
columns widen in the last batch only: `w` holds integers (small, then up to
10^12) and gets floats (with -0.0 and NaN) in its last batch; `dt` holds
dates and gets timestamps in its last batch. The runner reports what the
ingest built (`describe`), and the test checks it: batch counts, widened
types, dictionary text for `s`/`c` and plain text for the large table's `h`.

Each table is written as one CSV file: Quiver (`examples/query_runner.rs`)
loads it with the `batchRows` ingest option; DuckDB reads it as text and
casts each column to an explicit type. Randomized queries then run on both
and are compared:
  * pages: every filter kind, multi-key sorts (with case-insensitive text
    keys) on every column, offsets and limits, and the total;
  * group-bys on every column type (float, timestamp, date, boolean,
    integers up to ±10^15, dictionary and plain text, widened columns), on
    two or three keys, on time buckets (every unit) and on numeric bins
    (step and count), with every aggregate, `having`, sort, offset and
    limit, and the group total;
  * profiles: count, null count, exact distinct count, min, max, mean,
    standard deviation and the top values (value and count, in order).
Integers (counts, integer sums, integer values) compare exactly; floats
with a relative tolerance of 1e-9.

Deliberate differences (README, Queries → Semantics) are written into the
SQL, narrowly, rather than avoided by the generator:
  * a NaN or infinite value falls in no numeric bin (it joins the null
    group; DuckDB makes a NaN or infinite bin), and count bins span the
    finite values only;
  * the population variance (and standard deviation) of a single NaN or
    infinite value is NaN (DuckDB answers 0);
  * an integer sum column is Float64 when some group's sum is beyond ±2^63
    (DuckDB: HUGEINT): checked to happen exactly then, with each value the
    exact sum rounded once.
Case-insensitive text is ASCII plus Latin-1 letters whose lower case is the
same in Rust's to_lowercase and DuckDB's lower().

Queries per table kind: 40% pages, 45% group-bys, 15% profiles; the large
table gets 1 query in 31 (each costs over 100 times the others). The runner
(one process per seed, all requests on its stdin) answers while DuckDB
computes its side and the next seed's tables are written.

    python differential.py RUNNER [--queries N] [--seed S ...] [--fixed-only] [--keep DIR]

RUNNER is the `query_runner` example binary; N queries per seed (default
1,100; `npm test` runs 2 seeds: 2,200). Without --seed: the fixed seeds and
one fresh seed. --keep DIR keeps the CSV files and each seed's requests
(`query_runner < DIR/seedS-requests.jsonl` replays Quiver's side). Exit
status 1 on any mismatch, on a Quiver error, on a table the ingest did not
build as intended, or when some kind of query was not covered.
"""

import argparse
import datetime as dt
import decimal
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import atexit
import shutil
import threading
import time

import duckdb

FIXED_SEEDS = [20261125]
NULL_TOKEN = "NA"
WORDS = ["apple", "Apple", "banana", "cherry", "Äpfel", "äpfel", "日本", "naïve", "x,y", 'say "hi"', "line\nbreak", "", "  padded ", "zebra", "Éclair", "éclair"]
CATEGORIES = ["red", "green", "blue", "Red", "GREEN", "violet", "ünïcode"]
START = dt.datetime(2019, 12, 25)
# A quarter of the dates and times fall around 1970-01-01: negative day and
# microsecond numbers, weeks and quarters across the epoch.
EPOCH_START = dt.datetime(1969, 7, 1)


# The ingest's first record batch is short (src/ingest/mod.rs), the others
# have `batchRows` rows (65,536 by default).
FIRST_BATCH_ROWS = 1024
DEFAULT_BATCH_ROWS = 65_536


class Shape:
    def __init__(self, name, rows, null_share, batch_rows, widens, weight):
        self.name, self.rows, self.null_share, self.batch_rows, self.widens, self.weight = name, rows, null_share, batch_rows, widens, weight

    def batch_starts(self):
        size = self.batch_rows or DEFAULT_BATCH_ROWS
        starts, start = [0], min(FIRST_BATCH_ROWS, size)
        while start < self.rows:
            starts.append(start)
            start += size
        return starts

    def batches(self):
        return len(self.batch_starts())

    def last_batch_start(self):
        return self.batch_starts()[-1]


SHAPES = [
    Shape("one-batch", 1000, 0.10, None, False, 10),
    Shape("nullish", 800, 0.40, 64, True, 10),
    Shape("batches", 2500, 0.02, 200, True, 10),
    # Fewer queries: each one is over 100 times the work.
    Shape("large", 320_000, 0.03, 32_000, True, 1),
]


class Table:
    """One generated table: its Python rows, both engines' copies, its types."""

    def __init__(self, shape, rows, path, db):
        self.shape, self.rows, self.path, self.db = shape, rows, path, db
        self.types = dict(column_types(shape))
        self.columns = [name for name, _ in column_types(shape)]
        self.options = {"nullValues": [NULL_TOKEN]}
        if shape.batch_rows:
            self.options["batchRows"] = shape.batch_rows
        self._values = {}
        self.large_keys = 0  # single-key group-bys on many-distinct columns so far

    def values(self, column):
        """The column's non-null values that a JSON spec can carry (finite)."""
        if column not in self._values:
            index = self.columns.index(column)
            self._values[column] = [r[index] for r in self.rows if r[index] is not None and not (isinstance(r[index], float) and not math.isfinite(r[index]))]
        return self._values[column]

    def is_numeric(self, column):
        return self.types[column] in ("BIGINT", "DOUBLE")


def column_types(shape):
    return [
        ("id", "BIGINT"),
        ("i", "BIGINT"),
        ("big", "BIGINT"),
        ("f", "DOUBLE"),
        ("s", "VARCHAR"),
        ("c", "VARCHAR"),
        ("h", "VARCHAR"),
        ("b", "BOOLEAN"),
        ("d", "DATE"),
        ("t", "TIMESTAMP"),
        ("w", "DOUBLE" if shape.widens else "BIGINT"),
        ("dt", "TIMESTAMP" if shape.widens else "DATE"),
    ]


# ---------------------------------------------------------------- data


def generate_rows(rng, shape):
    """Rows of Python values, in `column_types` order."""
    null_share = shape.null_share
    late = shape.last_batch_start() if shape.widens else shape.rows
    def era():
        return EPOCH_START if rng.random() < 0.25 else START

    def day():
        return era() + dt.timedelta(days=rng.randrange(0, 1200 if rng.random() < 0.75 else 365))

    stamps = [era() + dt.timedelta(microseconds=rng.randrange(0, 3 * 365 * 86400) * 1_000_000 + rng.choice([0, rng.randrange(1_000_000)])) for _ in range(200)]
    bigs = [rng.randint(-(10**15), 10**15) for _ in range(50)]
    tokens = [f"u{rng.getrandbits(40):010x}" for _ in range(100)]

    def maybe(value):
        return None if rng.random() < null_share else value

    def float_value():
        kind = rng.random()
        if kind < 0.28:
            return rng.uniform(-1000, 1000)
        if kind < 0.48:
            return round(rng.uniform(-50, 50), 2)
        if kind < 0.68:
            return float(rng.randint(-5, 5))
        if kind < 0.76:
            return -0.0
        if kind < 0.82:
            return 0.0
        if kind < 0.89:
            return math.nan
        if kind < 0.96:
            return 1e15 * rng.random()
        return rng.choice([math.inf, -math.inf])

    def stamp():
        if rng.random() < 0.5:
            return rng.choice(stamps)
        return era() + dt.timedelta(microseconds=rng.randrange(0, 3 * 365 * 86400) * 1_000_000 + rng.choice([0, 0, rng.randrange(1_000_000)]))

    def text():
        kind = rng.random()
        if kind < 0.7:
            return f"u{rng.getrandbits(48):012x}"
        if kind < 0.85:
            return rng.choice(tokens)
        return rng.choice(WORDS)

    def widening_integer(row_id):
        if row_id >= late:
            # The last batch: floats (with -0.0 and NaN) among integers.
            return rng.choice([rng.randint(-100, 100), round(rng.uniform(-100, 100), 1), -0.0, 0.0, math.nan, 10**12 + rng.randint(0, 9)])
        return rng.randint(-100, 100) if rng.random() < 0.9 or row_id < shape.rows // 2 else rng.randint(-(10**12), 10**12)

    def widening_date(row_id):
        moment = day()
        if row_id >= late and rng.random() < 0.6:
            return moment + dt.timedelta(seconds=rng.randrange(86400))
        return moment.date()

    rows = []
    for row_id in range(shape.rows):
        rows.append(
            (
                row_id,
                maybe(rng.choice([rng.randint(-20, 20), rng.randint(-1000, 1000)])),
                maybe(rng.choice(bigs) if rng.random() < 0.3 else rng.randint(-(10**15), 10**15)),
                maybe(float_value()),
                maybe(rng.choice(WORDS)),
                maybe(rng.choice(CATEGORIES)),
                maybe(text()),
                maybe(rng.random() < 0.5),
                maybe(day().date()),
                maybe(stamp()),
                maybe(widening_integer(row_id)),
                maybe(widening_date(row_id)),
            )
        )
    return rows


def float_text(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def csv_text(column, value):
    """A value as Quiver's CSV holds it."""
    if value is None:
        return NULL_TOKEN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S" if column == "dt" else "%Y-%m-%dT%H:%M:%S")
        return text + (f".{value.microsecond:06d}" if value.microsecond else "") + ("" if column == "dt" else "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_field(text):
    if text and (text[0] == " " or text[-1] == " " or any(ch in text for ch in ',"\n\r')):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_writer(column, kind):
    """A function from a value of the column to its CSV field (quoted if need be)."""
    if kind == "VARCHAR":
        return lambda v: NULL_TOKEN if v is None else csv_field(v)
    if kind == "BIGINT" and column != "w":
        return lambda v: NULL_TOKEN if v is None else str(v)
    return lambda v: csv_text(column, v)


def build_table(rng, shape, workdir, seed):
    rows = generate_rows(rng, shape)
    types = column_types(shape)
    names = [n for n, _ in types]
    writers = [csv_writer(n, t) for n, t in types]
    path = os.path.join(workdir, f"seed{seed}-{shape.name}.csv")
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(names) + "\n")
        out.writelines(",".join([w(v) for w, v in zip(writers, row)]) + "\n" for row in rows)
    # DuckDB reads the same file as text, cast to explicit types.
    db = duckdb.connect()
    text_columns = ", ".join(f"'{n}': 'VARCHAR'" for n in names)

    def cast(name, kind):
        if kind == "TIMESTAMP":  # ISO 8601 with T and Z, or with a space
            return f"CAST(replace(rtrim({name}, 'Z'), 'T', ' ') AS TIMESTAMP) AS {name}"
        return f"CAST({name} AS {kind}) AS {name}"

    db.execute(
        f"CREATE TABLE t AS SELECT {', '.join(cast(n, k) for n, k in types)} FROM read_csv('{path}', header=true, all_varchar=true, "
        f"nullstr='{NULL_TOKEN}', quote='\"', escape='\"', delim=',', auto_detect=false, strict_mode=true, columns={{{text_columns}}})"
    )
    loaded = db.execute("SELECT count(*) FROM t").fetchone()[0]
    assert loaded == len(rows), (loaded, len(rows))
    return Table(shape, rows, path, db)


# ---------------------------------------------------------------- filters

TEXT = ["s", "c", "h"]
TEMPORAL = ["d", "t", "dt"]
NUMERIC = ["i", "big", "f", "w"]
ALL = ["id", "i", "big", "f", "s", "c", "h", "b", "d", "t", "w", "dt"]


def sql_literal(table, column, value):
    if value is None:
        return "NULL"
    kind = table.types[column]
    if kind == "VARCHAR":
        return "'" + value.replace("'", "''") + "'"
    if kind == "BOOLEAN":
        return "TRUE" if value else "FALSE"
    if kind in ("DATE", "TIMESTAMP"):
        return f"{kind} '{value.replace('T', ' ').rstrip('Z')}'"
    # A float literal is a DECIMAL in DuckDB; compare as doubles, like Quiver.
    return f"({value!r}::DOUBLE)" if isinstance(value, float) else repr(value)


def json_value(column, value):
    if isinstance(value, dt.datetime):
        return csv_text(column, value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def sample_value(rng, table, column):
    if table.types[column] == "DOUBLE" and rng.random() < 0.2:
        return rng.choice([0.0, -0.0])
    value = json_value(column, rng.choice(table.values(column)))
    if table.types[column] == "BIGINT" and rng.random() < 0.1:
        return float(value) or -0.0  # a whole float (JSON 3.0, -0.0) for an integer
    return value


def gen_filter(rng, table, kind):
    """(quiver filter, SQL condition) of the given kind."""
    if kind in ("and", "or"):
        parts = [gen_filter(rng, table, rng.choice(LEAF_KINDS)) for _ in range(rng.randint(2, 3))]
        return {"op": kind, "filters": [q for q, _ in parts]}, "(" + f" {kind.upper()} ".join(s for _, s in parts) + ")"
    if kind == "not":
        inner, sql = gen_filter(rng, table, rng.choice(LEAF_KINDS))
        return {"op": "not", "filter": inner}, f"(NOT {sql})"
    if kind in ("=", "!=", "<", "<=", ">", ">="):
        column = rng.choice(NUMERIC + TEXT + TEMPORAL + ["b"] if kind in ("=", "!=") else NUMERIC + TEXT + TEMPORAL)
        value = sample_value(rng, table, column)
        if column in NUMERIC and isinstance(value, int) and rng.random() < 0.3:
            value = value + 0.5
        sql_op = "<>" if kind == "!=" else kind
        return {"op": kind, "column": column, "value": value}, f"({column} {sql_op} {sql_literal(table, column, value)})"
    if kind == "between":
        column = rng.choice(NUMERIC + TEMPORAL + TEXT)
        a, b = sample_value(rng, table, column), sample_value(rng, table, column)
        # Numbers compare across int and float; dates and timestamps are ISO
        # text, whose order is their time order.
        low, high = (a, b) if a <= b else (b, a)
        shape = rng.choice(["both", "min", "max"])
        spec = {"op": "between", "column": column}
        conds = []
        if shape in ("both", "min"):
            spec["min"] = low
            conds.append(f"{column} >= {sql_literal(table, column, low)}")
        if shape in ("both", "max"):
            spec["max"] = high
            conds.append(f"{column} <= {sql_literal(table, column, high)}")
        return spec, "(" + " AND ".join(conds) + ")"
    if kind in ("in", "notIn"):
        column = rng.choice(["i", "big", "f", "w", "s", "c", "h", "b", "d", "t", "dt"])
        values = [sample_value(rng, table, column) for _ in range(rng.randint(1, 4))]
        has_null = rng.random() < 0.4
        listed = values + ([None] if has_null else [])
        in_list = ", ".join(sql_literal(table, column, v) for v in values)
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
        col_sql, needle_sql = (f"lower({column})", "lower(" + sql_literal(table, column, needle) + ")") if insensitive else (column, sql_literal(table, column, needle))
        return {"op": kind, "column": column, "value": needle, "caseInsensitive": insensitive}, f"({fn}({col_sql}, {needle_sql}))"
    if kind == "regex":
        column = rng.choice(TEXT)
        pattern = rng.choice(["^a", "e$", "an+", "^[a-z]+$", "re|ue", "é", "^.{4}$", "P", "^u[0-9a-f]{2}", "a0"])
        insensitive = rng.random() < 0.5
        flags = ", 'i'" if insensitive else ""
        return {"op": "regex", "column": column, "pattern": pattern, "caseInsensitive": insensitive}, f"(regexp_matches({column}, '{pattern}'{flags}))"
    raise ValueError(kind)


LEAF_KINDS = ["=", "!=", "<", "<=", ">", ">=", "between", "in", "notIn", "isNull", "isNotNull", "contains", "startsWith", "endsWith", "regex"]
FILTER_KINDS = LEAF_KINDS + ["and", "or", "not"]


def maybe_filter(rng, table, share):
    if rng.random() < share:
        return gen_filter(rng, table, rng.choice(FILTER_KINDS))
    return None, "TRUE"


# ---------------------------------------------------------------- pages


def gen_sort(rng):
    keys = []
    for column in rng.sample(ALL[1:], rng.randint(1, 3)):
        key = {"column": column, "descending": rng.random() < 0.5, "nulls": rng.choice(["first", "last"])}
        if column in TEXT and rng.random() < 0.4:
            key["caseInsensitive"] = True
        keys.append(key)
    return keys


def sort_sql(keys):
    parts = []
    for k in keys:
        expr = f"lower({k['column']})" if k.get("caseInsensitive") else k["column"]
        parts.append(f"{expr} {'DESC' if k.get('descending') else 'ASC'} NULLS {k.get('nulls', 'last').upper()}")
    return ", ".join(parts)


def gen_page(rng, table, index):
    kind = FILTER_KINDS[index % len(FILTER_KINDS)]
    filter_spec, where = gen_filter(rng, table, kind)
    keys = gen_sort(rng) if index % 4 else []
    spec = {"filter": filter_spec, "sort": keys + [{"column": "id"}], "offset": rng.choice([0, 0, 3, 50]), "limit": rng.choice([10, 40])}
    sql = f"SELECT * FROM t WHERE {where} ORDER BY {sort_sql(spec['sort'])} LIMIT {spec['limit']} OFFSET {spec['offset']}"
    return spec, [("rows", sql), ("total", f"SELECT count(*) FROM t WHERE {where}")]


# ---------------------------------------------------------------- group-bys

AGGREGATES = ["count", "countDistinct", "sum", "mean", "min", "max", "median", "quantile", "variancePop", "varianceSamp", "stddevPop", "stddevSamp", "first", "last"]
NUMBER_OPS = ("sum", "mean", "median", "quantile", "variancePop", "varianceSamp", "stddevPop", "stddevSamp")
UNITS = ["year", "quarter", "month", "week", "day", "hour", "minute"]
KEY_COLUMNS = ["c", "b", "i", "d", "s", "f", "t", "big", "w", "dt", "h"]
KEY_KINDS = ["column", "multi", "bucket", "bins_step", "bins_count", "column", "multi", "none"]


def agg_sql(agg):
    op, column = agg["op"], agg.get("column")
    if op == "count":
        return "count(*)" if column is None else f"count({column})"
    # The population variance of one NaN or infinite value: NaN in Quiver,
    # 0 in DuckDB (README, Semantics).
    single_non_finite = f"count({column}) = 1 AND NOT isfinite(max({column})::DOUBLE)"
    return {
        "countDistinct": f"count(DISTINCT {column})",
        "sum": f"sum({column})",
        "mean": f"avg({column})",
        "min": f"min({column})",
        "max": f"max({column})",
        "median": f"quantile_cont({column}, 0.5)",
        "quantile": f"quantile_cont({column}, {agg.get('q')})",
        "variancePop": f"CASE WHEN {single_non_finite} THEN 'nan'::DOUBLE ELSE var_pop({column}) END",
        "varianceSamp": f"var_samp({column})",
        "stddevPop": f"CASE WHEN {single_non_finite} THEN 'nan'::DOUBLE ELSE stddev_pop({column}) END",
        "stddevSamp": f"stddev_samp({column})",
        "first": f"arg_min({column}, id) FILTER (WHERE {column} IS NOT NULL)",
        "last": f"arg_max({column}, id) FILTER (WHERE {column} IS NOT NULL)",
    }[op]


def gen_aggregate(rng, table, index):
    """(quiver spec, [(part, SQL)]) for a group-by; `index` rotates coverage."""
    key_kind = KEY_KINDS[index % len(KEY_KINDS)]
    filter_spec, where = maybe_filter(rng, table, 0.6)
    bounds = ""
    if key_kind == "none":  # one group, even over no rows (as in SQL)
        keys, key_sql, out_keys = [], [], []
    elif key_kind == "column":
        if table.shape.rows > 100_000 and rng.random() < 0.8:
            # Over 2^16 distinct values (h: plain text), each in turn.
            column = ["f", "t", "h", "big"][table.large_keys % 4]
            table.large_keys += 1
        elif rng.random() < 0.7:
            column = KEY_COLUMNS[(index // len(KEY_KINDS)) % len(KEY_COLUMNS)]
        else:
            column = rng.choice(KEY_COLUMNS)
        keys, key_sql, out_keys = [column], [column], [column]
    elif key_kind == "multi":
        columns = rng.sample(KEY_COLUMNS, rng.randint(2, 3))
        if rng.random() < 0.4 and "f" not in columns:
            columns[0] = "f"
        keys, key_sql, out_keys = columns, columns, columns
    elif key_kind == "bucket":
        column, unit = rng.choice(TEMPORAL), UNITS[(index // len(KEY_KINDS)) % len(UNITS)]
        keys = [{"column": column, "bucket": unit, "as": "k"}]
        key_sql, out_keys = [f"date_trunc('{unit}', {column}) AS k"], ["k"]
    elif key_kind == "bins_step":
        column, step = rng.choice([("i", 5), ("f", 50.0), ("i", 2.5), ("w", 10), ("big", 1e13), ("f", 0.5)])
        keys = [{"column": column, "bins": {"step": step}, "as": "k"}]
        # NaN and ±Infinity have no bin in Quiver (they join the null group).
        step_sql = f"({step!r}::DOUBLE)"
        binned = f"CASE WHEN NOT isfinite({column}::DOUBLE) THEN NULL ELSE floor({column} / {step_sql}) * {step_sql} END"
        key_sql, out_keys = [f"{binned} AS k", f"{binned} + {step_sql} AS k_end"], ["k", "k_end"]
    else:
        column, count = rng.choice(["i", "f", "w"]), rng.choice([3, 7, 10])
        keys = [{"column": column, "bins": {"count": count}, "as": "k"}]
        # Bins span the finite values among the selected rows.
        bounds = f", (SELECT min({column}) AS mn, max({column}) AS mx FROM t WHERE {where} AND isfinite({column}::DOUBLE)) AS bounds"
        step = f"(CASE WHEN bounds.mx > bounds.mn THEN (bounds.mx - bounds.mn) / {count} ELSE 1.0 END)"
        # least/greatest skip NULLs in DuckDB: keep a null value's bin null.
        binned = (f"CASE WHEN {column} IS NULL OR NOT isfinite({column}::DOUBLE) THEN NULL "
                  f"ELSE least(greatest(floor(({column} - bounds.mn) / {step}), 0), {count - 1}) * {step} + bounds.mn END")
        key_sql, out_keys = [f"{binned} AS k", f"{binned} + {step} AS k_end"], ["k", "k_end"]
    aggs = []
    for j in range(3):
        op = AGGREGATES[(index + j) % len(AGGREGATES)]
        column = rng.choice(NUMERIC if op in NUMBER_OPS else ALL[1:])
        agg = {"op": op, "column": column, "as": f"a{j}"}
        if op == "quantile":
            agg["q"] = rng.choice([0.1, 0.25, 0.9, 1.0, 0.0])
        aggs.append(agg)
    aggs.append({"op": "count", "as": "n"})
    spec = {"groupBy": keys, "aggregates": aggs}
    if filter_spec:
        spec["filter"] = filter_spec
    select_aggs = ", ".join(f"{agg_sql(a)} AS {a['as']}" for a in aggs)
    group_names = ", ".join(k.split(" AS ")[-1] for k in key_sql)
    sql = f"SELECT {', '.join(key_sql + [select_aggs])} FROM t{bounds} WHERE {where}" + (f" GROUP BY {group_names}" if keys else "")
    grouped = sql
    if rng.random() < 0.3:
        spec["having"] = {"op": ">", "column": "n", "value": 1}
        sql = f"SELECT * FROM ({sql}) WHERE n > 1"
    total_sql = f"SELECT count(*) FROM ({sql})"
    # An integer sum is Int64 while every group's sum fits (before `having`),
    # else the whole column is Float64 (each exact sum rounded once); DuckDB
    # answers HUGEINT.
    integer_sums = [a["as"] for a in aggs if a["op"] == "sum" and table.types[a["column"]] == "BIGINT"]
    parts = [("total", total_sql)]
    if integer_sums:
        beyond = ", ".join(f"coalesce(bool_or(abs({name}) > 9223372036854775807), false)" for name in integer_sums)
        parts.append(("wide sums", f"SELECT {beyond} FROM ({grouped})"))
    # Groups in key order, or by their count first (exact, so both engines
    # agree on it) with the keys breaking ties.
    spec["sort"] = [{"column": k, "nulls": "last"} for k in out_keys]
    if keys and rng.random() < 0.3:
        spec["sort"].insert(0, {"column": "n", "descending": rng.random() < 0.7})
    if spec["sort"]:
        sql += " ORDER BY " + sort_sql(spec["sort"])
    # The large table's groups can number hundreds of thousands: compare a slice.
    if table.shape.rows > 100_000 or rng.random() < 0.3:
        spec["limit"] = rng.choice([5, 50])
        spec["offset"] = rng.choice([0, 1, 20])
        sql += f" LIMIT {spec['limit']} OFFSET {spec['offset']}"
    return spec, [("rows", sql)] + parts


# ---------------------------------------------------------------- profiles


def gen_profile(rng, table):
    columns = rng.sample(ALL, rng.randint(1, 4))
    top_k = rng.randint(1, 5)
    filter_spec, where = maybe_filter(rng, table, 0.4)
    spec = {"columns": columns, "topK": top_k}
    if filter_spec:
        spec["filter"] = filter_spec
    parts = []
    for column in columns:
        numeric = table.is_numeric(column)
        stats = (f"SELECT count(*), count(*) - count({column}), count(DISTINCT {column}), min({column}), max({column}), "
                 f"{f'avg({column})' if numeric else 'NULL'}, {f'stddev_samp({column})' if numeric else 'NULL'} FROM t WHERE {where}")
        # Most frequent first; ties: the value seen first (lowest id) first.
        top = (f"SELECT {column}, count(*) AS n FROM t WHERE ({where}) AND {column} IS NOT NULL "
               f"GROUP BY {column} ORDER BY n DESC, min(id) LIMIT {top_k}")
        parts.append((column, stats, top))
    return spec, parts


# ---------------------------------------------------------------- comparison


def as_time(value):
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.rstrip("Z"))
        except ValueError:
            return None
    return None


def as_number(value):
    if isinstance(value, str):
        try:
            return float(value)  # "NaN", "Infinity", "-Infinity" and big integers as text
        except ValueError:
            return None
    return value


def same(quiver, duck):
    """Whether Quiver's JSON value means DuckDB's value. Integers exactly."""
    if quiver is None or duck is None:
        return quiver is None and duck is None
    if isinstance(duck, bool) or isinstance(quiver, bool):
        return isinstance(quiver, bool) and isinstance(duck, bool) and quiver == duck
    if isinstance(duck, (dt.date, dt.datetime)):
        return as_time(quiver) == as_time(duck)
    if isinstance(duck, decimal.Decimal):
        duck = float(duck)
    if isinstance(duck, int):
        # Counts, integer sums and integer values: exactly, and as integers
        # (beyond ±2^53 Quiver writes the digits as text).
        if isinstance(quiver, str) and quiver.lstrip("-").isdigit():
            quiver = int(quiver)
        return isinstance(quiver, int) and quiver == duck
    if isinstance(duck, float):
        q = as_number(quiver)
        if not isinstance(q, (int, float)):
            return False
        q, d = float(q), duck
        if math.isnan(q) or math.isnan(d):
            return math.isnan(q) and math.isnan(d)
        if math.isinf(q) or math.isinf(d):
            return q == d
        return q == d or abs(q - d) <= 1e-9 * max(abs(q), abs(d)) or abs(q - d) < 1e-9
    return quiver == duck


def compare_rows(quiver_rows, duck_rows, columns, rounded=()):
    """Row by row; `rounded` columns hold integers Quiver gives as floats,
    each the exact value rounded to the nearest float."""
    if len(quiver_rows) != len(duck_rows):
        return f"{len(quiver_rows)} rows from Quiver, {len(duck_rows)} from DuckDB"
    for n, (q, d) in enumerate(zip(quiver_rows, duck_rows)):
        for column, dv in zip(columns, d):
            if column not in q:
                return f"row {n}: no column {column} from Quiver"
            if column in rounded:
                ok = (q[column] is None and dv is None) or (isinstance(q[column], float) and dv is not None and q[column] == float(dv))
            else:
                ok = same(q[column], dv)
            if not ok:
                return f"row {n}, column {column}: Quiver {q[column]!r}, DuckDB {dv!r}" + (" (a Float64 sum column)" if column in rounded else "")
    return None


def compare_profiles(answer, expected):
    profiles = answer["profiles"]
    if len(profiles) != len(expected):
        return f"{len(profiles)} profiles from Quiver, {len(expected)} asked"
    for profile, (column, stats, top) in zip(profiles, expected):
        count, nulls, distinct, low, high, mean, stddev = stats
        for field, duck in [("count", count), ("nullCount", nulls), ("distinctCount", distinct), ("min", low), ("max", high), ("mean", mean), ("stddev", stddev)]:
            if not same(profile[field], duck):
                return f"column {column}, {field}: Quiver {profile[field]!r}, DuckDB {duck!r}"
        quiver_top = [(v["value"], v["count"]) for v in profile["top"]]
        if len(quiver_top) != len(top) or not all(same(qv, dv) and qn == dn for (qv, qn), (dv, dn) in zip(quiver_top, top)):
            return f"column {column}, top: Quiver {quiver_top!r}, DuckDB {top!r}"
    return None


# ---------------------------------------------------------------- main


class Query:
    def __init__(self, seed, index, table, kind, spec, parts):
        self.seed, self.index, self.table, self.kind, self.spec, self.parts = seed, index, table, kind, spec, parts

    def request(self):
        return {"csv": self.table.path, "options": self.table.options, "kind": self.kind, "spec": self.spec}

    def expected(self):
        """DuckDB's answer: {part: rows (with column names)} or profile parts."""
        db = self.table.db
        if self.kind == "profile":
            return [(column, db.execute(stats).fetchone(), db.execute(top).fetchall()) for column, stats, top in self.parts]
        out = {}
        for part, sql in self.parts:
            cursor = db.execute(sql)
            out[part] = ([d[0] for d in cursor.description], cursor.fetchall())
        return out

    def check(self, answer, expected):
        if "error" in answer:
            return f"Quiver error: {answer['error']}"
        if self.kind == "profile":
            return compare_profiles(answer, expected)
        columns, rows = expected["rows"]
        rounded = set()
        if "wide sums" in expected:
            names = [a["as"] for a in self.spec["aggregates"] if a["op"] == "sum" and self.table.types[a["column"]] == "BIGINT"]
            rounded = {name for name, wide in zip(names, expected["wide sums"][1][0]) if wide}
        problem = compare_rows(answer["rows"], rows, columns, rounded)
        if problem is None and answer["total"] != expected["total"][1][0][0]:
            problem = f"total {answer['total']} from Quiver, {expected['total'][1][0][0]} from DuckDB"
        return problem

    def describe(self):
        sql = "\n  ".join(f"{part}: {sql}" for part, sql in self.parts) if self.kind != "profile" else "\n  ".join(f"{c}: {s}\n  {c}: {t}" for c, s, t in self.parts)
        return f"seed {self.seed}, query {self.index} ({self.kind} on {self.table.shape.name}) {json.dumps(self.spec, ensure_ascii=False)}\n  {sql}"


def make_queries(rng, seed, tables, count):
    weights = [t.shape.weight for t in tables]
    queries = []
    per_table = {t.shape.name: 0 for t in tables}
    for index in range(count):
        table = rng.choices(tables, weights)[0]
        n = per_table[table.shape.name]
        per_table[table.shape.name] += 1
        roll = n % 20
        if roll < 8:
            spec, parts = gen_page(rng, table, n // 2)
            queries.append(Query(seed, index, table, "page", spec, parts))
        elif roll < 17:
            spec, parts = gen_aggregate(rng, table, n)
            queries.append(Query(seed, index, table, "aggregate", spec, parts))
        else:
            spec, parts = gen_profile(rng, table)
            queries.append(Query(seed, index, table, "profile", spec, parts))
    return queries


def check_shape(table, shape_answer):
    """What the ingest built, against what the table is for."""
    problems = []
    types = {c["name"]: c["type"] for c in shape_answer["columns"]}
    if shape_answer["rows"] != table.shape.rows:
        problems.append(f"{shape_answer['rows']} rows loaded, {table.shape.rows} written")
    if shape_answer["batches"] != table.shape.batches():
        problems.append(f"{shape_answer['batches']} record batches, expected {table.shape.batches()}")
    for column in ("s", "c"):
        if not types[column].startswith("Dictionary"):
            problems.append(f"{column} is {types[column]}, expected dictionary text")
    if table.shape.rows > 100_000 and types["h"] != "Utf8":
        problems.append(f"h is {types['h']}, expected plain Utf8 (high cardinality)")
    if table.shape.widens and (types["w"] != "Float64" or not types["dt"].startswith("Timestamp")):
        problems.append(f"w is {types['w']} and dt {types['dt']}: expected widened to Float64 and a timestamp in the last batch")
    if not table.shape.widens and (not types["w"].startswith("Int") or types["dt"] != "Date32"):
        problems.append(f"w is {types['w']} and dt {types['dt']}: expected an integer and a date")
    return problems


class SeedRun:
    """One seed's tables and queries. The runner starts on them at once, in
    its own process, while this process goes on (the next seed's tables,
    DuckDB's answers): the two engines work side by side."""

    def __init__(self, runner, seed, queries_per_seed, workdir):
        self.seed, self.started = seed, time.time()
        rng = random.Random(seed)
        self.tables = [build_table(rng, shape, workdir, seed) for shape in SHAPES]
        large = next(t for t in self.tables if t.shape.rows > 100_000)
        self.distinct_f = len({0.0 if v == 0 else v for v in large.values("f")})
        self.distinct_t = len(set(large.values("t")))
        self.generated = time.time()
        self.queries = make_queries(rng, seed, self.tables, queries_per_seed)
        requests = [{"csv": t.path, "options": t.options, "kind": "describe", "spec": {}} for t in self.tables] + [q.request() for q in self.queries]
        self.requests = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests)
        with open(os.path.join(workdir, f"seed{seed}-requests.jsonl"), "w", encoding="utf-8") as out:
            out.write(self.requests)  # replay: query_runner < this file
        self.result = {}
        self.thread = threading.Thread(target=self.run_quiver, args=(runner,))
        self.thread.start()

    def run_quiver(self, runner):
        started = time.time()
        self.result["done"] = subprocess.run([runner], input=self.requests, capture_output=True, text=True)
        self.result["seconds"] = time.time() - started

    def finish(self):
        """DuckDB's answers, then the comparison: (queries, failures)."""
        duck_started = time.time()
        expected = [q.expected() for q in self.queries]
        duck_seconds = time.time() - duck_started
        self.thread.join()
        done, seed, tables = self.result["done"], self.seed, self.tables
        if done.returncode != 0:
            print(done.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"seed {seed}: the runner failed with status {done.returncode}")
        answers = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(answers) == len(tables) + len(self.queries), (len(answers), len(tables) + len(self.queries))

        failures = []
        for table, answer in zip(tables, answers[: len(tables)]):
            for problem in check_shape(table, answer):
                failures.append(f"seed {seed}, table {table.shape.name}: {problem}")
        if self.distinct_f <= 1 << 16 or self.distinct_t <= 1 << 16:
            failures.append(f"seed {seed}: the large table has {self.distinct_f} distinct f and {self.distinct_t} distinct t, not over 2^16")
        self.wide_sums = sum(1 for q, duck in zip(self.queries, expected) if q.kind == "aggregate" and any(duck.get("wide sums", ([], [[]]))[1][0]))
        for query, answer, duck in zip(self.queries, answers[len(tables):], expected):
            problem = query.check(answer, duck)
            if problem:
                failures.append(f"{query.describe()}\n  → {problem}")
        shapes = ", ".join(f"{t.shape.name} {t.shape.rows:,} rows/{a['batches']} batches" for t, a in zip(tables, answers))
        plain = next(c["type"] for c in answers[len(tables) - 1]["columns"] if c["name"] == "h")
        print(f"seed {seed}: {len(self.queries)} queries, {len(failures)} mismatches (tables {self.generated - self.started:.1f} s, "
              f"Quiver {self.result['seconds']:.1f} s, DuckDB {duck_seconds:.1f} s); {shapes}; "
              f"large table: h {plain}, {self.distinct_f:,} distinct f, {self.distinct_t:,} distinct t; "
              f"{self.wide_sums} group-bys with an integer sum beyond ±2^63", flush=True)
        return self.queries, failures


def record_coverage(covered, query):
    spec = query.spec

    def walk(f):
        if not f:
            return
        covered["filters"].add(f["op"])
        for child in f.get("filters", []):
            walk(child)
        walk(f.get("filter"))

    walk(spec.get("filter"))
    covered["kinds"][query.kind] = covered["kinds"].get(query.kind, 0) + 1
    if query.kind == "aggregate":
        for agg in spec["aggregates"]:
            covered["aggregates"].add(agg["op"])
        keys = spec["groupBy"]
        for key in keys:
            if isinstance(key, dict) and key.get("bucket"):
                covered["units"].add(key["bucket"])
            if isinstance(key, dict) and key.get("bins"):
                covered["bins"].add("count" if "count" in key["bins"] else "step")
        if len(keys) == 1 and isinstance(keys[0], str):
            covered["keys"].add(keys[0])
            if query.table.shape.rows > 100_000:
                covered["large keys"].add(keys[0])
        if not keys:
            covered["no keys"] += 1
        if len(keys) > 1:
            covered["multi"] += 1
            if "f" in keys:
                covered["multi with f"] += 1
    if query.kind == "page" and len(spec.get("sort", [])) > 2:
        covered["multi sort"] += 1
    if query.kind == "profile":
        covered["profiled"].update(spec["columns"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runner")
    parser.add_argument("--queries", type=int, default=1100, help="queries per seed")
    parser.add_argument("--seed", type=int, action="append", help="run this seed (repeatable); default: the fixed seeds and a fresh one")
    parser.add_argument("--fixed-only", action="store_true", help="no fresh seed")
    parser.add_argument("--keep")
    args = parser.parse_args()
    if args.seed:
        seeds = args.seed
    else:
        seeds = FIXED_SEEDS + ([] if args.fixed_only else [random.SystemRandom().randrange(1, 2**32)])
    label = lambda s: " (given)" if args.seed else " (fixed)" if s in FIXED_SEEDS else " (fresh)"
    print(f"seeds: {', '.join(str(s) + label(s) for s in seeds)}; "
          f"replay one with --seed S --queries {args.queries}", flush=True)
    workdir = args.keep or tempfile.mkdtemp(prefix="quiver-differential-")
    os.makedirs(workdir, exist_ok=True)
    if not args.keep:
        # The generated tables are tens of MB: gone at exit, failed or not.
        atexit.register(shutil.rmtree, workdir, True)

    started = time.time()
    failures, queries = [], []
    runs = [SeedRun(args.runner, seed, args.queries, workdir) for seed in seeds]
    for run in runs:
        seed_queries, seed_failures = run.finish()
        queries += seed_queries
        failures += seed_failures

    covered = {"filters": set(), "aggregates": set(), "units": set(), "bins": set(), "keys": set(), "large keys": set(),
               "multi": 0, "multi with f": 0, "no keys": 0, "multi sort": 0, "profiled": set(), "kinds": {}}
    for query in queries:
        record_coverage(covered, query)
    print(f"{len(queries)} queries ({', '.join(f'{n} {k}s' for k, n in sorted(covered['kinds'].items()))}) over {len(seeds)} seeds in "
          f"{time.time() - started:.0f} s; {len(failures)} mismatches")
    print(f"  filter kinds {len(covered['filters'])}/{len(FILTER_KINDS)}; aggregates {len(covered['aggregates'])}/{len(AGGREGATES)}; "
          f"time units {len(covered['units'])}/{len(UNITS)}; bins {sorted(covered['bins'])}; single keys {len(covered['keys'])}/{len(KEY_COLUMNS)} "
          f"({len(covered['large keys'])} on the large table); multi-key group-bys {covered['multi']} ({covered['multi with f']} with the float key); "
          f"without keys {covered['no keys']}; "
          f"sorts on 3+ keys {covered['multi sort']}; profiled columns {len(covered['profiled'])}/{len(ALL)}")
    missing = ((set(FILTER_KINDS) - covered["filters"]) | (set(AGGREGATES) - covered["aggregates"]) | (set(UNITS) - covered["units"])
               | ({"count", "step"} - covered["bins"]) | {f"key {k}" for k in set(KEY_COLUMNS) - covered["keys"]}
               | {f"profile of {c}" for c in set(ALL) - covered["profiled"]})
    if not covered["no keys"]:
        missing.add("a group-by without keys")
    if not covered["multi with f"]:
        missing.add("a multi-key group-by with the float key")
    if not {"f", "t", "h"} <= covered["large keys"]:
        missing.add(f"large-table group-bys on f, t and h (had {sorted(covered['large keys'])})")
    if missing:
        failures.append(f"not covered: {sorted(missing)}")
    for failure in failures[:20]:
        print("MISMATCH", failure, file=sys.stderr)
    if len(failures) > 20:
        print(f"... and {len(failures) - 20} more", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
