// First, before the app's own modules run: the early start (the workspace's code, the stored token, the project's
// listing) goes out while they are being run. app/earlyStart.ts.
import { earlyStart } from "./app/earlyStart";
import { startTransition, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { logCaughtError } from "./app/convexClient";
import { projectIdAt } from "./app/routes";
import { afterFirstRows } from "./lib/afterFirstRows";
import { holdKeys } from "./lib/keyHold";
import "./styles/global.css";

// Keys typed before the first page is up (a name typed as the sign-in page appears) are held for the element that
// page focuses, not lost on the empty document; Enter in its field submits it, as it would have (lib/keyHold.ts).
void holdKeys({ submits: true }).releaseOnNextFocus();

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

// The tab's icon, at a project's address once the tree has shown its first rows (lib/afterFirstRows.ts), elsewhere at
// once. An SVG icon is parsed as a document on the page's main thread when it arrives, and in the first load's trace
// (bench/load) that task, 20–80 ms at a load average of 14–19, fell between the listing's answer and the first row.
void (projectIdAt(window.location.pathname) === null ? Promise.resolve() : afterFirstRows()).then(() => {
  const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!icon) return;
  icon.type = "image/svg+xml";
  icon.href = "/favicon.svg";
});
