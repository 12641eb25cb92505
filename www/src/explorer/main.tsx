import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Quiver } from "@quiver/client";
import { QuiverProvider } from "@quiver/client/react";
import { Explorer } from "./Explorer";
import { memoryBudget } from "../budget";
import "../styles.css";
import "./explorer.css";

const quiver = new Quiver({ memoryBudgetBytes: memoryBudget() });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QuiverProvider quiver={quiver}>
      <Explorer />
    </QuiverProvider>
  </StrictMode>,
);
