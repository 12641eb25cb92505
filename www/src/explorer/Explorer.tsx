// The Data Explorer: the page analysts already use (a sidebar to pick a file,
// Graphic Walker filling the rest), with Quiver as Graphic Walker's
// computation, so files far larger than the server could parse are explored
// in the browser. Graphic Walker never holds the rows: every chart, table
// page and profile is a `computation(payload)` call answered in the worker.
import { useMemo, useState } from "react";
import { GraphicWalker } from "@kanaries/graphic-walker";
import { computationFor, fieldsFor, type WalkerComputation, type WalkerPayload, type WalkerRow } from "@quiver/client";
import { useDataset } from "@quiver/client/react";
import { LoadBar } from "../components/LoadBar";
import { SAMPLE_URL } from "../components/Picker";
import { count } from "../format";
import { ServerFiles } from "./ServerFiles";
import { FileButton } from "../components/FileButton";
import { ReadAs, type ReadOptions } from "../components/ReadAs";
import { ColumnPicker, SampleNote } from "../components/ColumnPicker";

/** The last queries Graphic Walker sent and their answers (for tests and
 *  for curious people: `quiverWalkerLog` in the console). */
const log: Array<{ payload: WalkerPayload; rows: WalkerRow[]; ms: number }> = [];
Object.assign(window, { quiverWalkerLog: log });

function logged(computation: WalkerComputation): WalkerComputation {
  return async (payload) => {
    const started = performance.now();
    const rows = await computation(payload);
    log.push({ payload, rows: rows.slice(0, 200), ms: performance.now() - started });
    if (log.length > 100) log.shift();
    return rows;
  };
}

export function Explorer() {
  const [source, setSource] = useState<File | string | null>(null);
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  // How the file is read (encoding, delimiter): detected, or picked on the
  // read-as line after a load, which reads the same file again.
  const [readOptions, setReadOptions] = useState<ReadOptions>({});
  const handle = useDataset(source, readOptions);
  const { dataset, status, info, error } = handle;
  const ready = status === "ready" && dataset && info;

  // Graphic Walker gets the fields and a computation once the file is in.
  const walker = useMemo(
    () => (ready ? { fields: fieldsFor(info.schema), computation: logged(computationFor(dataset)) } : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ready, dataset],
  );

  const open = (next: File | string, label: string) => {
    setName(label);
    setReadOptions({});
    setSource(next);
  };

  return (
    <div className="explorer">
      <aside className="sidebar">
        <h1>
          Data Explorer <small>Graphic Walker on Quiver</small>
        </h1>
        <FileButton className="button primary" label="Upload CSV" testId="upload" onFile={(file) => open(file, file.name)} />
        <button className="button" data-testid="sample" onClick={() => open(new URL(SAMPLE_URL, location.href).href, "sales-sample.csv")}>
          Sample data
        </button>
        <form
          className="server"
          onSubmit={(e) => {
            e.preventDefault();
            if (url) open(url, url.split("/").pop() || url);
          }}
        >
          <label htmlFor="server-url">Open a URL</label>
          <input id="server-url" type="url" placeholder="https://…/file.csv" value={url} onChange={(e) => setUrl(e.target.value)} />
          <button className="button" type="submit" disabled={!url}>
            Open
          </button>
        </form>
        <ServerFiles onOpen={(fileUrl, fileName) => open(fileUrl, fileName)} />
        {source && <LoadBar handle={handle} name={name} />}
        {ready && (
          <p className="summary" data-testid="row-count">
            {count(info.numRows)} rows · {info.schema.length} columns
          </p>
        )}
        {info && status !== "loading" && <ReadAs info={info} options={readOptions} onChange={setReadOptions} disabled={false} />}
        {error && (
          <div className="error" role="alert">
            {error.message}
            {(error as Error & { code?: string }).code === "MemoryLimit" && info && info.schema.length > 0 && (
              <ColumnPicker
                columns={info.schema}
                onLoad={(names) => setReadOptions({ ...readOptions, columns: names })}
                onSample={(fraction) => setReadOptions({ ...readOptions, sampleFraction: fraction })}
              />
            )}
          </div>
        )}
        <p className="hint">
          The file never leaves this computer: it is read in chunks into columns in WebAssembly, and every chart is
          computed here. <a href="./">Rows and group-by view</a>
        </p>
      </aside>
      <main className="walker" data-testid="walker">
        {walker && <SampleNote fraction={readOptions.sampleFraction} rows={info?.numRows} />}
        {walker ? (
          <GraphicWalker fields={walker.fields} computation={walker.computation} appearance="light" />
        ) : (
          <div className="empty">
            <p>Upload a CSV file, or try the sample data, to explore it with Graphic Walker.</p>
          </div>
        )}
      </main>
    </div>
  );
}
