import { createRoot } from "react-dom/client";
import { Quiver } from "@quiver/client";
import { QuiverProvider } from "@quiver/client/react";
import App from "./App";
import "./styles.css";

// One Quiver for the app: every opened file runs in a worker of its own.
const quiver = new Quiver({ memoryBudgetBytes: 3_000_000_000 });

createRoot(document.getElementById("root")).render(
  <QuiverProvider quiver={quiver}>
    <App />
  </QuiverProvider>,
);
