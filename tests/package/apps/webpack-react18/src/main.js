// A fresh app on webpack 5 and React 18 (no JSX, so no Babel): the client and
// the React hooks of the installed @quiver/client tarball. Pick a file →
// Quiver loads it in its worker → an aggregate shows in <pre data-testid="result">.
import { createElement as h, useState } from "react";
import { createRoot } from "react-dom/client";
import { Quiver } from "@quiver/client";
import { QuiverProvider, useAggregate, useDataset } from "@quiver/client/react";

function App() {
  const [file, setFile] = useState(null);
  const { dataset, status, info, error } = useDataset(file);
  const byRegion = useAggregate(status === "ready" ? dataset : null, {
    groupBy: ["region"],
    aggregates: [{ op: "count", as: "n" }, { op: "sum", column: "amount", as: "total" }],
    sort: [{ column: "region" }],
  });
  return h(
    "main",
    null,
    h("input", { type: "file", "data-testid": "file", onChange: (e) => setFile(e.target.files[0] ?? null) }),
    h("p", { "data-testid": "status" }, error ? `failed: ${error.message}` : `${status}${info ? ` ${info.numRows} rows` : ""}`),
    byRegion.data && h("pre", { "data-testid": "result" }, JSON.stringify(byRegion.data.rows)),
  );
}

createRoot(document.getElementById("root")).render(h(QuiverProvider, { quiver: new Quiver() }, h(App)));
