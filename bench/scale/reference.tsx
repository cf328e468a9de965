// Reference page of the scale benchmark: the same listing the app receives from the backend, fetched as one static
// JSON file and given to the app's FileTree, with the same visibility rule. Built by bench/scale/run.ts with
// esbuild (production React) and served over HTTP from the same machine; the first-row clock is the same as the
// app's (a MutationObserver installed before the page's scripts run).
import { createRoot } from "react-dom/client";
import { visibleEntries } from "../../convex/lib/listing";
import type { ListingEntry } from "../../convex/lib/validators";
import { FileTree } from "../../src/features/file-tree/FileTree";
import type { FileTreeActions } from "../../src/features/file-tree/types";

const refuse = () => Promise.reject(new Error("The reference page is read-only."));
const actions: FileTreeActions = {
  createFile: refuse,
  createFolder: refuse,
  rename: refuse,
  move: refuse,
  copy: refuse,
  remove: refuse,
  open: () => {},
  restore: refuse,
  upload: refuse,
  downloadZip: refuse,
};

async function main() {
  const response = await fetch("./listing.json");
  const entries = (await response.json()) as ListingEntry[];
  createRoot(document.getElementById("host")!).render(
    <FileTree files={visibleEntries(entries)} actions={actions} label="Files" />,
  );
}

void main();
