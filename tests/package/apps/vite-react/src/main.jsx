// A fresh app using the installed @quiver/client tarball as a user would:
// the client, the React hooks and the Graphic Walker adapter, each from its
// own entry point. Pick a file → Quiver loads it in its worker → an
// aggregate shows in <pre data-testid="result">, and Graphic Walker gets its
// fields and computation from Quiver. Its answers are logged on
// window.walkerLog for the test to check against the file.
import { createRoot } from "react-dom/client";
import { useMemo, useState } from "react";
import { GraphicWalker } from "@kanaries/graphic-walker";
import { Quiver } from "@quiver/client";
import { QuiverProvider, useAggregate, useDataset } from "@quiver/client/react";
import { computationFor, fieldsFor } from "@quiver/client/graphic-walker";

window.walkerLog = [];

function App() {
  const [file, setFile] = useState(null);
  const { dataset, status, info, error } = useDataset(file);
  const byRegion = useAggregate(status === "ready" ? dataset : null, {
    groupBy: ["region"],
    aggregates: [{ op: "count", as: "n" }, { op: "sum", column: "amount", as: "total" }],
    sort: [{ column: "region" }],
  });
  const computation = useMemo(() => {
    if (!dataset) return null;
    const compute = computationFor(dataset);
    return async (payload) => {
      const rows = await compute(payload);
      window.walkerLog.push({ payload, rows });
      return rows;
    };
  }, [dataset]);
  return (
    <main>
      <input type="file" data-testid="file" onChange={(e) => setFile(e.target.files[0] ?? null)} />
      <p data-testid="status">{error ? `failed: ${error.message}` : `${status}${info ? ` ${info.numRows} rows` : ""}`}</p>
      {byRegion.data && <pre data-testid="result">{JSON.stringify(byRegion.data.rows)}</pre>}
      {status === "ready" && info && computation && (
        <div data-testid="walker" style={{ height: 700 }}>
          <GraphicWalker fields={fieldsFor(info.schema)} computation={computation} appearance="light" />
        </div>
      )}
    </main>
  );
}

const quiver = new Quiver();
createRoot(document.getElementById("root")).render(
  <QuiverProvider quiver={quiver}>
    <App />
  </QuiverProvider>,
);
