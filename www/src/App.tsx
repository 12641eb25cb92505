// The demo: pick a file (or the sample, or a URL); see it load, its columns
// and their profiles, its rows (sorted, filtered, virtualized), group it, and
// export what you see.
import { useEffect, useMemo, useState } from "react";
import type { ColumnKind, Filter, SortKey } from "@quiver/client";
import { useDataset, useInfo, usePage, useProfile } from "@quiver/client/react";
import { parseFilter } from "./filters";
import { Picker } from "./components/Picker";
import { LoadBar } from "./components/LoadBar";
import { SchemaPanel } from "./components/SchemaPanel";
import { Grid } from "./components/Grid";
import { GroupBy } from "./components/GroupBy";
import { ReadAs, type ReadOptions } from "./components/ReadAs";
import { ColumnPicker, SampleNote } from "./components/ColumnPicker";
import { count } from "./format";

type Tab = "rows" | "group";

export function App() {
  const [source, setSource] = useState<File | string | null>(null);
  const [overrides, setOverrides] = useState<Record<string, ColumnKind>>({});
  const [readOptions, setReadOptions] = useState<ReadOptions>({});
  const options = useMemo(() => ({ columnTypes: overrides, ...readOptions }), [overrides, readOptions]);
  const handle = useDataset(source, options);
  const { dataset, status, error } = handle;

  const [tab, setTab] = useState<Tab>("rows");
  const [sort, setSort] = useState<SortKey[]>([]);
  const [filterText, setFilterText] = useState<Record<string, string>>({});
  const [version, setVersion] = useState(0);

  // More rows readable (while loading) → the grid refreshes its blocks.
  useEffect(() => {
    if (!dataset) return;
    let frame = 0;
    const bump = () => (frame ||= requestAnimationFrame(() => ((frame = 0), setVersion((v) => v + 1))));
    dataset.addEventListener("change", bump);
    return () => (cancelAnimationFrame(frame), dataset.removeEventListener("change", bump));
  }, [dataset]);

  const open = (next: File | string) => {
    setOverrides({});
    setReadOptions({});
    setSort([]);
    setFilterText({});
    setTab("rows");
    setSource(next);
  };

  const info = useInfo(dataset);
  const columns = info.data?.schema ?? [];
  const parsed = columns.map((c) => ({ column: c.name, result: parseFilter(c.name, c.kind, filterText[c.name] ?? "") }));
  const filterErrors = Object.fromEntries(parsed.flatMap((p) => (p.result && "error" in p.result ? [[p.column, p.result.error]] : [])));
  const conditions = parsed.flatMap((p) => (p.result && !("error" in p.result) ? [p.result] : []));
  const filter: Filter | undefined = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { op: "and", filters: conditions };
  const view = usePage(dataset, { filter, sort, limit: 0 });
  const profiles = useProfile(dataset, status === "ready" || status === "cancelled" ? { topK: 5, bins: 24 } : null);
  const name = source === null ? "" : typeof source === "string" ? source.split("/").pop() || source : source.name;

  return (
    <div className="app">
      <header>
        <h1>
          <span className="logo" aria-hidden="true">
            ➶
          </span>{" "}
          Quiver
        </h1>
        <p className="tagline">CSV files explored in your browser: streamed into Apache Arrow in WebAssembly, in a worker. Nothing is uploaded. <a href="./explorer.html">Try the Data Explorer (Graphic Walker)</a></p>
      </header>
      <Picker onSource={open} busy={status === "loading"} />
      {source !== null && <LoadBar handle={handle} name={name} />}
      {error && (
        <div className={`banner ${status === "cancelled" ? "info" : "error"}`} role="alert">
          <strong>{status === "cancelled" ? "Cancelled." : "Could not load this file."}</strong> {error.message}
          {(error as Error & { code?: string }).code === "MemoryLimit" && handle.info && handle.info.schema.length > 0 && (
            <ColumnPicker
              columns={handle.info.schema}
              onLoad={(names) => (setOverrides({}), setReadOptions({ ...readOptions, columns: names }))}
              onSample={(fraction) => (setOverrides({}), setReadOptions({ ...readOptions, sampleFraction: fraction }))}
            />
          )}
        </div>
      )}
      {view.error && (
        <div className="banner error" role="alert">
          <strong>This query failed.</strong> {view.error.message}
        </div>
      )}
      {!error && <SampleNote fraction={readOptions.sampleFraction} rows={info.data?.numRows} />}
      {handle.info && handle.info.schema.length > 0 && (
        <ReadAs info={handle.info} options={readOptions} onChange={(o) => (setOverrides({}), setReadOptions(o))} disabled={status === "loading"} />
      )}
      {handle.info && handle.info.warnings.length > 0 && (
        <div className="banner warning" data-testid="warnings">
          {handle.info.warnings.map((w, i) => (
            <div key={i}>⚠ {w.message}</div>
          ))}
        </div>
      )}
      {dataset && columns.length > 0 && (
        <main>
          <SchemaPanel
            columns={columns}
            profiles={profiles.data}
            overrides={overrides}
            onOverride={(column, kind) => setOverrides({ ...overrides, [column]: kind })}
            disabled={status === "loading"}
          />
          <div className="content">
            <div className="toolbar">
              <div className="tabs" role="tablist">
                <button role="tab" aria-selected={tab === "rows"} className={tab === "rows" ? "active" : ""} onClick={() => setTab("rows")}>
                  Rows
                </button>
                <button role="tab" aria-selected={tab === "group"} className={tab === "group" ? "active" : ""} onClick={() => setTab("group")}>
                  Group by
                </button>
              </div>
              <span className="view-count" data-testid="view-count">
                {count(view.data?.total ?? 0)} {filter ? `of ${count(info.data?.numRows ?? 0)} ` : ""}rows
              </span>
              <Export dataset={dataset} filter={filter} sort={sort} />
            </div>
            {tab === "rows" ? (
              <Grid
                dataset={dataset}
                columns={columns}
                total={view.data?.total ?? 0}
                filter={filter}
                sort={sort}
                onSort={setSort}
                filterText={filterText}
                filterErrors={filterErrors}
                onFilterText={(column, text) => setFilterText({ ...filterText, [column]: text })}
                version={version}
              />
            ) : (
              <GroupBy dataset={dataset} columns={columns} filter={filter} />
            )}
          </div>
        </main>
      )}
    </div>
  );
}

function Export({ dataset, filter, sort }: { dataset: NonNullable<ReturnType<typeof useDataset>["dataset"]>; filter: Filter | undefined; sort: SortKey[] }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: "csv" | "arrow") => {
    setError(null);
    try {
      const blob = await dataset.export({ format, filter, sort }, (done, total) =>
        setBusy(`${format.toUpperCase()} ${total ? Math.round((100 * done) / total) : 100}%`),
      );
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${dataset.name.replace(/\.[^.]*$/, "")}-view.${format === "csv" ? "csv" : "arrows"}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="export">
      <button className="button" data-testid="export-csv" disabled={busy !== null} onClick={() => run("csv")}>
        Export CSV
      </button>
      <button className="button" data-testid="export-arrow" disabled={busy !== null} onClick={() => run("arrow")}>
        Export Arrow
      </button>
      {busy && <span className="busy">{busy}</span>}
      {error && <span className="export-error">{error}</span>}
    </div>
  );
}
