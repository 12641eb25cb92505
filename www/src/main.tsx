import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Quiver } from "@quiver/client";
import { QuiverProvider } from "@quiver/client/react";
import { App } from "./App";
import { memoryBudget } from "./budget";
import "./styles.css";

// One client for the app; each opened file gets its own worker, all of them
// within one memory budget (see ./budget).
const quiver = new Quiver({ memoryBudgetBytes: memoryBudget() });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QuiverProvider quiver={quiver}>
      <App />
    </QuiverProvider>
  </StrictMode>,
);
