// After a file turned out too large for memory (a `MemoryLimit` error): two
// ways to open it anyway. The file's columns as check boxes, and a button
// that opens the file again with only the checked ones (the ingest option
// `columns`); or a uniform sample of its rows (`sampleFraction`), which the
// apps then say on every view (SampleNote). Must change with those options
// (src/ingest/options.rs).
import { useState } from "react";
import type { ColumnInfo } from "@quiver/client";

const FRACTIONS = [0.5, 0.25, 0.1, 0.01];

export function ColumnPicker({ columns, onLoad, onSample }: { columns: ColumnInfo[]; onLoad: (names: string[]) => void; onSample: (fraction: number) => void }) {
  const [picked, setPicked] = useState<string[]>([]);
  const [fraction, setFraction] = useState(0.1);
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
      <p>Or load every column for a uniform sample of the rows (the same rows each time):</p>
      <select data-testid="sample-fraction" value={fraction} onChange={(e) => setFraction(Number(e.target.value))}>
        {FRACTIONS.map((f) => (
          <option key={f} value={f}>
            {percent(f)} of the rows
          </option>
        ))}
      </select>{" "}
      <button data-testid="load-sample" onClick={() => onSample(fraction)}>
        Load a sample
      </button>
    </div>
  );
}

/** Says that what is shown is a sample, wherever a sampled file is shown. */
export function SampleNote({ fraction, rows }: { fraction: number | undefined; rows: number | undefined }) {
  if (fraction === undefined) return null;
  return (
    <div className="banner info sample-note" data-testid="sample-note">
      A {percent(fraction)} sample of the rows{rows === undefined ? "" : ` (${rows.toLocaleString("en-US")} rows)`}: counts and sums are of the sample, not of the whole file.
    </div>
  );
}

const percent = (f: number) => `${Math.round(f * 1000) / 10} %`;
