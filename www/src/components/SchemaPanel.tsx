// The columns: inferred types (changeable: the file is read again with that
// type), and each column's profile with a small histogram.
import type { ColumnInfo, ColumnKind, ColumnProfile } from "@quiver/client";
import { count } from "../format";
import { Histogram } from "./Histogram";

const KINDS: ColumnKind[] = ["string", "integer", "float", "boolean", "date", "timestamp"];

export function SchemaPanel({
  columns,
  profiles,
  overrides,
  onOverride,
  disabled,
}: {
  columns: ColumnInfo[];
  profiles: ColumnProfile[] | undefined;
  overrides: Record<string, ColumnKind>;
  onOverride: (column: string, kind: ColumnKind) => void;
  disabled: boolean;
}) {
  const byName = new Map(profiles?.map((p) => [p.name, p]));
  return (
    <aside className="schema" data-testid="schema">
      <h2>{columns.length} columns</h2>
      <ul>
        {columns.map((c) => {
          const p = byName.get(c.name);
          return (
            <li key={c.name} data-testid={`column-${c.name}`}>
              <div className="column-head">
                <span className="name" title={c.arrowType}>
                  {c.name}
                </span>
                <select
                  className={`kind ${c.kind}`}
                  value={c.kind}
                  disabled={disabled}
                  aria-label={`type of ${c.name}`}
                  onChange={(e) => onOverride(c.name, e.target.value as ColumnKind)}
                >
                  {KINDS.map((k) => (
                    <option key={k} value={k}>
                      {k}
                      {overrides[c.name] === k ? " (set)" : ""}
                    </option>
                  ))}
                </select>
              </div>
              <div className="arrow">{c.arrowType}</div>
              {p && (
                <>
                  <div className="stats">
                    <span title="distinct values">{count(p.distinctCount)} distinct</span>
                    {p.nullCount > 0 && <span title="null values">{count(p.nullCount)} null</span>}
                    {p.min !== null && (
                      <span title="minimum … maximum">
                        {short(p.min)} … {short(p.max)}
                      </span>
                    )}
                    {p.mean !== null && <span title="mean">μ {p.mean.toPrecision(4)}</span>}
                  </div>
                  <Histogram profile={p} />
                </>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}

function short(v: unknown): string {
  const s = String(v);
  return s.length > 20 ? s.slice(0, 19) + "…" : s;
}
