// Group-by: choose keys (with time buckets for dates and timestamps) and
// aggregates; the result shows as a table and a bar chart.
import { useState } from "react";
import type { AggregateOp, AggregateSpec, ColumnInfo, Dataset, Filter, GroupKey, TimeUnit } from "@quiver/client";
import { useAggregate } from "@quiver/client/react";
import { BarChart } from "./BarChart";
import { count } from "../format";

const OPS: AggregateOp[] = ["count", "sum", "mean", "min", "max", "median", "countDistinct", "stddevSamp"];
const UNITS: (TimeUnit | "")[] = ["", "year", "quarter", "month", "week", "day", "hour"];

interface KeyChoice {
  column: string;
  bucket: TimeUnit | "";
}

interface AggChoice {
  op: AggregateOp;
  column: string;
}

export function GroupBy({ dataset, columns, filter }: { dataset: Dataset; columns: ColumnInfo[]; filter: Filter | undefined }) {
  const text = columns.find((c) => c.kind === "string");
  // A float is more likely a measure than an integer (often an id).
  const number = columns.find((c) => c.kind === "float") ?? columns.find((c) => c.kind === "integer");
  const [keys, setKeys] = useState<KeyChoice[]>(text ? [{ column: text.name, bucket: "" }] : []);
  const [aggs, setAggs] = useState<AggChoice[]>([
    { op: "count", column: "" },
    ...(number ? [{ op: "sum" as AggregateOp, column: number.name }] : []),
  ]);
  const kindOf = (name: string) => columns.find((c) => c.name === name)?.kind;

  const groupBy: GroupKey[] = keys.map((k) => (k.bucket ? { column: k.column, bucket: k.bucket, as: `${k.column}_${k.bucket}` } : k.column));
  const aggregates = aggs.map((a) => (a.op === "count" && !a.column ? { op: a.op } : { op: a.op, column: a.column }));
  const measure = aggregates[0] ? (aggregates[0].column ? `${aggregates[0].op}_${aggregates[0].column}` : "count") : "";
  const spec: AggregateSpec | null =
    aggregates.length > 0
      ? { filter, groupBy, aggregates, sort: measure ? [{ column: measure, descending: true }] : [], limit: 500 }
      : null;
  const result = useAggregate(dataset, spec);
  const keyNames = groupBy.map((k) => (typeof k === "string" ? k : (k.as ?? k.column)));
  const temporalFirst = keys[0]?.bucket;
  const bars = (result.data?.rows ?? [])
    .map((r) => ({ label: keyNames.map((k) => String(r[k])).join(" · "), value: Number(r[measure] ?? 0) }))
    .sort((a, b) => (temporalFirst ? a.label.localeCompare(b.label) : 0));

  return (
    <section className="group-by" data-testid="group-by">
      <div className="builder">
        <div>
          <h3>Group by</h3>
          {keys.map((k, i) => (
            <div className="choice" key={i}>
              <select value={k.column} aria-label="group key" onChange={(e) => setKeys(keys.map((x, j) => (j === i ? { column: e.target.value, bucket: "" } : x)))}>
                {columns.map((c) => (
                  <option key={c.name}>{c.name}</option>
                ))}
              </select>
              {(kindOf(k.column) === "date" || kindOf(k.column) === "timestamp") && (
                <select value={k.bucket} aria-label="time bucket" onChange={(e) => setKeys(keys.map((x, j) => (j === i ? { ...x, bucket: e.target.value as TimeUnit | "" } : x)))}>
                  {UNITS.map((u) => (
                    <option key={u} value={u}>
                      {u ? `by ${u}` : "exact value"}
                    </option>
                  ))}
                </select>
              )}
              <button className="button small" onClick={() => setKeys(keys.filter((_, j) => j !== i))} aria-label="remove key">
                ×
              </button>
            </div>
          ))}
          <button className="button small" onClick={() => setKeys([...keys, { column: columns[0].name, bucket: "" }])}>
            + key
          </button>
        </div>
        <div>
          <h3>Aggregates</h3>
          {aggs.map((a, i) => (
            <div className="choice" key={i}>
              <select value={a.op} aria-label="aggregate" onChange={(e) => setAggs(aggs.map((x, j) => (j === i ? { ...x, op: e.target.value as AggregateOp } : x)))}>
                {OPS.map((op) => (
                  <option key={op}>{op}</option>
                ))}
              </select>
              <select value={a.column} aria-label="of column" onChange={(e) => setAggs(aggs.map((x, j) => (j === i ? { ...x, column: e.target.value } : x)))}>
                {a.op === "count" && <option value="">rows</option>}
                {columns
                  .filter((c) => !["sum", "mean", "median", "stddevSamp"].includes(a.op) || c.kind === "integer" || c.kind === "float")
                  .map((c) => (
                    <option key={c.name}>{c.name}</option>
                  ))}
              </select>
              <button className="button small" onClick={() => setAggs(aggs.filter((_, j) => j !== i))} aria-label="remove aggregate">
                ×
              </button>
            </div>
          ))}
          <button className="button small" onClick={() => setAggs([...aggs, { op: "count", column: "" }])}>
            + aggregate
          </button>
        </div>
      </div>
      {result.error && (
        <div className="banner error" role="alert">
          <strong>This group-by failed.</strong> {result.error.message}
        </div>
      )}
      {result.data && (
        <div className="result">
          <p className="summary" data-testid="group-count">
            {count(result.data.totalGroups)} groups{result.data.totalGroups > result.data.rows.length ? ` (showing ${result.data.rows.length})` : ""}
          </p>
          {measure && bars.length > 0 && <BarChart bars={bars} measure={measure} />}
          <div className="table-wrap">
            <table data-testid="group-table">
              <thead>
                <tr>
                  {result.data.columns.map((c) => (
                    <th key={c.name} className={c.kind}>
                      {c.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.data.rows.slice(0, 200).map((r, i) => (
                  <tr key={i}>
                    {result.data!.columns.map((c) => (
                      <td key={c.name} className={`${c.kind} ${r[c.name] === null ? "null" : ""}`}>
                        {r[c.name] === null ? "null" : typeof r[c.name] === "number" ? Number(r[c.name]).toLocaleString("en-US", { maximumFractionDigits: 4 }) : String(r[c.name])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
