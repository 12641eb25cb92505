// After a file turned out too large for memory (a `MemoryLimit` error): the
// file's columns as check boxes, and a button that opens the file again
// with only the checked ones (the ingest option `columns`), so the columns a
// question needs can be explored even when the whole file cannot. Must
// change with the `columns` option (src/ingest/options.rs).
import { useState } from "react";
import type { ColumnInfo } from "@quiver/client";

export function ColumnPicker({ columns, onLoad }: { columns: ColumnInfo[]; onLoad: (names: string[]) => void }) {
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (name: string) => setPicked((p) => (p.includes(name) ? p.filter((n) => n !== name) : [...p, name]));
  return (
    <div className="column-picker" data-testid="column-picker">
      <p>Load only the columns you need: the others are read and dropped, so the table takes the memory of the ones you pick.</p>
      <div className="column-picker-list">
        {columns.map((c) => (
          <label key={c.name}>
            <input type="checkbox" data-testid={`pick-${c.name}`} checked={picked.includes(c.name)} onChange={() => toggle(c.name)} /> {c.name}{" "}
            <span className="kind">{c.kind}</span>
          </label>
        ))}
      </div>
      <button data-testid="load-picked" disabled={picked.length === 0} onClick={() => onLoad(columns.map((c) => c.name).filter((n) => picked.includes(n)))}>
        Load {picked.length === 1 ? "1 column" : `${picked.length} columns`}
      </button>
    </div>
  );
}
