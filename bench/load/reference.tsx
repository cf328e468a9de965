// The reference of bench/load: the least a page can do to show the same rows. A bare React page that connects
// with the stock ConvexClient, authenticates with the same token, subscribes to the same listing (the head, then
// every bucket at once) and renders one row per entry. Its URL's hash carries the backend URL, token and project.
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

type Entry = { _id: string; name: string };
const listing = makeFunctionReference<"query", { projectId: string }, { ready: boolean; buckets: number } | null>(
  "files:listing",
);
const listingBucket = makeFunctionReference<"query", { projectId: string; bucket: number }, Entry[] | null>(
  "files:listingBucket",
);

const params = new URLSearchParams(location.hash.slice(1));
const client = new ConvexClient(params.get("url")!);
const token = params.get("token")!;
const projectId = params.get("project")!;
client.setAuth(() => Promise.resolve(token));
const root = createRoot(document.getElementById("root")!);
const buckets = new Map<number, Entry[]>();
let expected = -1;

function render() {
  if (expected < 0 || buckets.size < expected) return;
  const rows = [...buckets.values()].flat().sort((a, b) => (a.name < b.name ? -1 : 1));
  root.render(
    createElement(
      "ul",
      { role: "tree", "aria-label": "Files" },
      rows.map((row) => createElement("li", { key: row._id, role: "treeitem" }, row.name)),
    ),
  );
}

client.onUpdate(listing, { projectId }, (head) => {
  if (!head?.ready || expected >= 0) return;
  expected = head.buckets;
  for (let bucket = 0; bucket < head.buckets; bucket++) {
    client.onUpdate(listingBucket, { projectId, bucket }, (entries) => {
      buckets.set(bucket, entries ?? []);
      render();
    });
  }
});
