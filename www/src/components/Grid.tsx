// The rows of the current view: virtualized (only visible rows exist in the
// DOM, fetched from the worker a block at a time), click-to-sort headers
// (shift-click adds a key) and a filter box per column.
import { useEffect, useMemo, useRef, useState } from "react";
import type { ColumnInfo, Dataset, Filter, Row, SortKey } from "@quiver/client";
import { count } from "../format";

const ROW_HEIGHT = 28;
const BLOCK = 200;
/** Browsers cap an element's height; past this, scrolling is scaled. */
const MAX_SCROLL_PX = 8_000_000;

export interface GridProps {
  dataset: Dataset;
  columns: ColumnInfo[];
  total: number;
  filter: Filter | undefined;
  sort: SortKey[];
  onSort: (sort: SortKey[]) => void;
  filterText: Record<string, string>;
  filterErrors: Record<string, string>;
  onFilterText: (column: string, text: string) => void;
  /** Changes when the data under the view changes (more rows loaded). */
  version: number;
}

export function Grid({ dataset, columns, total, filter, sort, onSort, filterText, filterErrors, onFilterText, version }: GridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [blocks, setBlocks] = useState<Map<number, Row[]>>(new Map());
  const requested = useRef(new Set<number>());
  const viewKey = JSON.stringify({ filter, sort, version });

  // A new view (filter, sort, more rows): forget fetched blocks.
  useEffect(() => {
    requested.current = new Set();
    setBlocks(new Map());
  }, [viewKey, dataset]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const visible = Math.ceil(height / ROW_HEIGHT) + 1;
  const naturalHeight = total * ROW_HEIGHT;
  const scrollHeight = Math.min(naturalHeight, MAX_SCROLL_PX);
  const maxScroll = Math.max(1, scrollHeight - height);
  const firstRow =
    naturalHeight <= MAX_SCROLL_PX
      ? Math.floor(scrollTop / ROW_HEIGHT)
      : Math.round((Math.min(scrollTop, maxScroll) / maxScroll) * Math.max(0, total - visible + 1));
  const offsetPx = naturalHeight <= MAX_SCROLL_PX ? firstRow * ROW_HEIGHT : scrollTop;

  // Fetch the blocks covering the visible rows.
  useEffect(() => {
    const first = Math.floor(firstRow / BLOCK);
    const last = Math.floor(Math.min(total - 1, firstRow + visible) / BLOCK);
    for (let b = first; b <= last; b++) {
      if (requested.current.has(b) || total === 0) continue;
      requested.current.add(b);
      const key = viewKey;
      dataset
        .page({ filter, sort, offset: b * BLOCK, limit: BLOCK })
        .then((page) => {
          if (key === viewKeyRef.current) setBlocks((m) => new Map(m).set(b, page.rows));
        })
        .catch(() => requested.current.delete(b));
    }
  });
  const viewKeyRef = useRef(viewKey);
  viewKeyRef.current = viewKey;

  const rows = useMemo(() => {
    const out: { index: number; row: Row | undefined }[] = [];
    for (let i = firstRow; i < Math.min(total, firstRow + visible); i++) {
      out.push({ index: i, row: blocks.get(Math.floor(i / BLOCK))?.[i % BLOCK] });
    }
    return out;
  }, [firstRow, visible, total, blocks]);

  const clickHeader = (column: string, shift: boolean) => {
    const existing = sort.find((k) => k.column === column);
    const next: SortKey | null = !existing ? { column } : !existing.descending ? { column, descending: true } : null;
    const others = shift ? sort.filter((k) => k.column !== column) : [];
    onSort(next ? (shift && existing ? sort.map((k) => (k.column === column ? next : k)) : [...others, next]) : others);
  };

  const width: Record<string, string> = {
    string: "minmax(150px, 1.2fr)",
    timestamp: "minmax(220px, 1fr)",
    date: "minmax(110px, 0.6fr)",
    boolean: "minmax(80px, 0.4fr)",
  };
  const template = `72px ${columns.map((c) => width[c.kind] ?? "minmax(110px, 0.6fr)").join(" ")}`;

  return (
    <div className="grid" data-testid="grid">
      {/* Header and rows share one scroll area, so they scroll sideways together. */}
      <div className="grid-scroll" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div className="grid-content">
          <div className="grid-head" style={{ gridTemplateColumns: template }}>
            <div className="cell index">#</div>
            {columns.map((c) => {
              const key = sort.findIndex((k) => k.column === c.name);
              return (
                <button
                  key={c.name}
                  className={`cell head ${c.kind}`}
                  data-testid={`sort-${c.name}`}
                  title="Click to sort; shift-click to add a sort key"
                  onClick={(e) => clickHeader(c.name, e.shiftKey)}
                >
                  {c.name}
                  {key >= 0 && (
                    <span className="sort-mark">
                      {sort[key].descending ? "▼" : "▲"}
                      {sort.length > 1 ? key + 1 : ""}
                    </span>
                  )}
                </button>
              );
            })}
            <div className="cell index" />
            {columns.map((c) => (
              <input
                key={c.name}
                className={`cell filter ${filterErrors[c.name] ? "invalid" : ""}`}
                data-testid={`filter-${c.name}`}
                placeholder={c.kind === "string" ? "contains…" : ">, <, a..b, null"}
                title={filterErrors[c.name] ?? `Filter ${c.name}`}
                value={filterText[c.name] ?? ""}
                onChange={(e) => onFilterText(c.name, e.target.value)}
              />
            ))}
          </div>
          <div style={{ height: scrollHeight, position: "relative" }}>
            <div style={{ position: "absolute", top: offsetPx, left: 0, right: 0 }}>
              {rows.map(({ index, row }) => (
                <div key={index} className="grid-row" style={{ gridTemplateColumns: template, height: ROW_HEIGHT }} data-row={index}>
                  <div className="cell index">{count(index + 1)}</div>
                  {columns.map((c) => {
                    const v = row?.[c.name];
                    return (
                      <div key={c.name} className={`cell ${c.kind} ${v === null ? "null" : ""} ${row ? "" : "pending"}`}>
                        {row ? (v === null ? "null" : String(v)) : "…"}
                      </div>
                    );
                  })}
                </div>
              ))}
            </div>
          </div>
        </div>
      </div>
      {total === 0 && <div className="empty">No rows match.</div>}
    </div>
  );
}
