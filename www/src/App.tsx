import { useCallback, useEffect, useRef, useState } from "react";
import type { ColumnInfo, ColumnKind, IngestWarning, Row } from "@quiver/wasm";
import { open, sourceName, type Dataset, type LoadProgress, type Source } from "./engine";
import { bytes, count, duration } from "./format";

const SAMPLE: Source = { kind: "url", url: "/samples/sales-sample.csv", name: "sales-sample.csv" };
const PAGE = 100;
const KINDS: ColumnKind[] = ["string", "integer", "float", "boolean", "date", "timestamp"];

type Status = "idle" | "loading" | "ready" | "cancelled" | "failed";

interface Load {
  source: Source;
  started: number;
  progress: LoadProgress | null;
  finishedAt: number | null;
}

export function App() {
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [load, setLoad] = useState<Load | null>(null);
  const [status, setStatus] = useState<Status>("idle");
  const [error, setError] = useState<string | null>(null);
  const [overrides, setOverrides] = useState<Record<string, ColumnKind>>({});
  const [offset, setOffset] = useState(0);
  const [, setTick] = useState(0);
  const abort = useRef<AbortController | null>(null);

  const start = useCallback(async (source: Source, columnTypes: Record<string, ColumnKind> = {}) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    dataset?.free();
    setDataset(null);
    setError(null);
    setOffset(0);
    setOverrides(columnTypes);
    setStatus("loading");
    setLoad({ source, started: performance.now(), progress: null, finishedAt: null });
    try {
      await open({
        source,
        options: { columnTypes },
        signal: controller.signal,
        onDataset: setDataset,
        onProgress: (progress) => {
          setLoad((l) => (l ? { ...l, progress } : l));
          setTick((t) => t + 1);
        },
      });
      setStatus("ready");
    } catch (e) {
      const err = e as Error;
      if (err.name === "AbortError") {
        setStatus("cancelled");
        setError(err.message);
      } else {
        setStatus("failed");
        setError(err.message);
      }
    } finally {
      setLoad((l) => (l ? { ...l, finishedAt: performance.now() } : l));
      setTick((t) => t + 1);
    }
    // `dataset` is only read to free the previous one.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => () => abort.current?.abort(), []);

  return (
    <div className="app">
      <header>
        <h1>
          <span className="logo" aria-hidden="true">➶</span> Quiver
        </h1>
        <p className="tagline">CSV files explored in your browser: streamed into Apache Arrow in WebAssembly. Nothing is uploaded.</p>
      </header>
      <Picker onSource={(s) => start(s)} busy={status === "loading"} />
      {load && <LoadBar load={load} status={status} onCancel={() => abort.current?.abort()} dataset={dataset} />}
      {error && (
        <div className={`banner ${status === "cancelled" ? "info" : "error"}`} role="alert">
          <strong>{status === "cancelled" ? "Cancelled." : "Could not load this file."}</strong> {error}
        </div>
      )}
      {dataset && <Warnings warnings={dataset.warnings} />}
      {dataset && dataset.schema.length > 0 && (
        <main>
          <Schema
            columns={dataset.schema}
            overrides={overrides}
            onOverride={(name, kind) => load && start(load.source, { ...overrides, [name]: kind })}
            disabled={status === "loading"}
          />
          <RowsView dataset={dataset} offset={offset} setOffset={setOffset} />
        </main>
      )}
    </div>
  );
}

function Picker({ onSource, busy }: { onSource: (source: Source) => void; busy: boolean }) {
  const [dragging, setDragging] = useState(false);
  const [url, setUrl] = useState("");
  return (
    <section
      className={`picker ${dragging ? "dragging" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer.files[0];
        if (file) onSource({ kind: "file", file });
      }}
    >
      <p>Drop a CSV file here, or</p>
      <label className="button primary">
        Choose a file…
        <input
          type="file"
          data-testid="file-input"
          accept=".csv,.tsv,.txt,text/csv,text/plain"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) onSource({ kind: "file", file });
            e.target.value = "";
          }}
        />
      </label>
      <button className="button" onClick={() => onSource(SAMPLE)} disabled={busy}>
        Load the sample sales file
      </button>
      <form
        className="url"
        onSubmit={(e) => {
          e.preventDefault();
          if (url) onSource({ kind: "url", url, name: url.split("/").pop() || url });
        }}
      >
        <input type="url" placeholder="…or open a URL (https://…/file.csv)" value={url} onChange={(e) => setUrl(e.target.value)} />
        <button className="button" type="submit" disabled={!url}>
          Open
        </button>
      </form>
    </section>
  );
}

function LoadBar({ load, status, onCancel, dataset }: { load: Load; status: Status; onCancel: () => void; dataset: Dataset | null }) {
  const p = load.progress;
  const elapsed = ((load.finishedAt ?? performance.now()) - load.started) / 1000;
  const total = p?.totalBytes ?? null;
  const fraction = total ? Math.min(1, (p?.bytesRead ?? 0) / total) : null;
  const speed = p && elapsed > 0 ? p.bytesRead / elapsed : 0;
  const left = fraction && speed > 0 && total ? (total - (p?.bytesRead ?? 0)) / speed : Infinity;
  return (
    <section className="load" data-testid="load">
      <div className="load-title">
        <strong>{sourceName(load.source)}</strong>
        <span className={`status ${status}`} data-testid="status">
          {status}
        </span>
      </div>
      <div className="bar" role="progressbar" aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}>
        <div className="fill" style={{ width: `${(status === "ready" ? 1 : fraction ?? 0) * 100}%` }} />
      </div>
      <div className="stats">
        <span>
          {bytes(p?.bytesRead ?? 0)}
          {total ? ` of ${bytes(total)}` : ""}
        </span>
        <span data-testid="row-count">{count(status === "loading" ? p?.rows ?? 0 : dataset?.numRows ?? 0)} rows</span>
        <span>{speed ? `${bytes(speed)}/s` : ""}</span>
        {status === "loading" && <span>{fraction !== null ? `${duration(left)} left` : ""}</span>}
        {status !== "loading" && dataset && <span>{bytes(dataset.memoryBytes)} in memory</span>}
        {status !== "loading" && <span>{duration(elapsed)}</span>}
        {status === "loading" && (
          <button className="button danger" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </section>
  );
}

function Warnings({ warnings }: { warnings: IngestWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <div className="banner warning" data-testid="warnings">
      {warnings.map((w, i) => (
        <div key={i}>⚠ {w.message}</div>
      ))}
    </div>
  );
}

function Schema({
  columns,
  overrides,
  onOverride,
  disabled,
}: {
  columns: ColumnInfo[];
  overrides: Record<string, ColumnKind>;
  onOverride: (name: string, kind: ColumnKind) => void;
  disabled: boolean;
}) {
  return (
    <aside className="schema" data-testid="schema">
      <h2>{columns.length} columns</h2>
      <ul>
        {columns.map((c) => (
          <li key={c.name} title={c.arrowType}>
            <span className="name">{c.name}</span>
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
            <span className="arrow">{c.arrowType}</span>
          </li>
        ))}
      </ul>
    </aside>
  );
}

function RowsView({ dataset, offset, setOffset }: { dataset: Dataset; offset: number; setOffset: (n: number) => void }) {
  const total = dataset.numRows;
  const columns = dataset.schema;
  let rows: Row[] = [];
  try {
    rows = total > 0 ? dataset.rows(Math.min(offset, Math.max(0, total - 1)), PAGE) : [];
  } catch {
    rows = [];
  }
  return (
    <section className="rows">
      <div className="pager">
        <button className="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          ← Previous
        </button>
        <span>
          Rows {count(total ? offset + 1 : 0)}–{count(Math.min(total, offset + PAGE))} of {count(total)}
        </span>
        <button className="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
          Next →
        </button>
      </div>
      <div className="table-wrap">
        <table data-testid="rows">
          <thead>
            <tr>
              <th className="index">#</th>
              {columns.map((c) => (
                <th key={c.name} className={c.kind}>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={offset + i}>
                <td className="index">{count(offset + i + 1)}</td>
                {columns.map((c) => (
                  <Cell key={c.name} value={row[c.name]} kind={c.kind} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Cell({ value, kind }: { value: Row[string]; kind: ColumnKind }) {
  if (value === null || value === undefined) return <td className="null">null</td>;
  return <td className={kind}>{String(value)}</td>;
}
