import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Quiver } from "@quiver/client";
import { QuiverProvider } from "@quiver/client/react";
import { App } from "./App";
import "./styles.css";

// One client for the app; each opened file gets its own worker. The budget
// keeps all open files together under 3 GB, or under `?memoryBudget=<bytes>`
// (a device with less memory to spare; the end-to-end test of the column
// picker uses a small one).
const asked = Number(new URLSearchParams(location.search).get("memoryBudget"));
const quiver = new Quiver({ memoryBudgetBytes: asked > 0 ? asked : 3_000_000_000 });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QuiverProvider quiver={quiver}>
      <App />
    </QuiverProvider>
  </StrictMode>,
);
