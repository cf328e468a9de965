// First, before the app's own modules run: the early start (the workspace's code, the stored token, the project's
// listing) goes out while they are being run. app/earlyStart.ts.
import { earlyStart } from "./app/earlyStart";
import { startTransition, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { logCaughtError } from "./app/convexClient";
import "./styles/global.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element.");

// Not a top-level await: with one, the bundler can no longer let other chunks import from the entry's, and splits
// every module they share out of it (twice the requests before the first render).
void earlyStart.then(() => {
  // A transition, so React renders the first page in slices and the socket's events run in between: its "open"
  // (on which the client sends the token and the first queries) and the first answers are not held behind the
  // whole first render.
  startTransition(() =>
    createRoot(root, { onCaughtError: logCaughtError }).render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
  void import("./features/sync/registerServiceWorker").then((m) => m.registerServiceWorker());
});
