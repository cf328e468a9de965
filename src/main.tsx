import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { logCaughtError } from "./app/convexClient";
import "./styles/global.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element.");

createRoot(root, { onCaughtError: logCaughtError }).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void import("./features/sync/registerServiceWorker").then((m) => m.registerServiceWorker());
