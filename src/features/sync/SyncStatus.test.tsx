import { afterEach, describe, expect, it } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { StrictMode, useLayoutEffect, useRef, type ReactNode } from "react";
import { Outbox } from "./outbox";
import { SyncProvider, useOutbox } from "./SyncProvider";
import { SyncStatus } from "./SyncStatus";
import { useSyncedQuery } from "./useSyncedQuery";
import { useWrite } from "./write";
import { clearOptimisticUpdates, registerOptimisticUpdate } from "./registry";
import { queryToken } from "./queryKey";
import { registerCacheableQuery } from "./queryCache";

// A stand-in list query, kept in IndexedDB like the app's file listing.
registerCacheableQuery("test:rows");

type Row = { _id: string; name: string };
const tree = makeFunctionReference<"query", { projectId: string }, Row[]>("test:rows");
const rename = makeFunctionReference<"mutation", { fileId: string; name: string; clientOpId?: string }, null>("files:rename");

const clients: ConvexReactClient[] = [];
afterEach(async () => {
  clearOptimisticUpdates();
  for (const client of clients.splice(0)) await client.close();
});

function FileList() {
  const rows = useSyncedQuery(tree, { projectId: "p1" });
  const doRename = useWrite(rename);
  if (rows === undefined) return <p>Loading…</p>;
  return (
    <>
      <ul aria-label="Files">
        {rows.map((row) => (
          <li key={row._id}>{row.name}</li>
        ))}
      </ul>
      <button type="button" onClick={() => void doRename({ fileId: "f1", name: "renamed.ts" }, "Rename src/main.ts → src/renamed.ts")}>
        Rename
      </button>
      <button type="button" onClick={() => void doRename({ fileId: "f1", name: "plain.ts" })}>
        Rename without a label
      </button>
      <SyncStatus />
    </>
  );
}

describe("offline after a reload", () => {
  it("shows cached data, applies a new write at once, and lists it as pending", async () => {
    registerOptimisticUpdate(rename, (store, args) => {
      const rows = store.getQuery(tree, { projectId: "p1" });
      if (rows) store.setQuery(tree, { projectId: "p1" }, rows.map((r) => (r._id === args.fileId ? { ...r, name: args.name } : r)));
    });
    const userKey = `ui-${Math.random().toString(36).slice(2)}`;
    // An earlier visit cached the tree.
    const earlier = new Outbox({ userKey, transport: { mutation: () => Promise.resolve(null) }, locks: null, channel: null });
    await earlier.start();
    earlier.cache.setLive("test:rows", { projectId: "p1" }, [{ _id: "f1", name: "main.ts" }]);
    await earlier.cache.flush();
    earlier.stop();

    // No server listens on this port: the client stays disconnected, as after a reload without network.
    const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
    clients.push(client);
    render(
      <ConvexProvider client={client}>
        <SyncProvider userKey={userKey}>
          <FileList />
        </SyncProvider>
      </ConvexProvider>,
    );
    const list = await screen.findByRole("list", { name: "Files" });
    expect(within(list).getByText("main.ts")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Rename" }));
    expect(within(list).getByText("renamed.ts")).toBeInTheDocument();
    expect(within(list).queryByText("main.ts")).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: /pending|Syncing|Offline/ }));
    const pending = await screen.findByRole("list", { name: "Pending changes" });
    // What changed, in the person's words: the caller's label, else worded from the arguments; never a function name.
    expect(within(pending).getByText(/^Rename src\/main\.ts → src\/renamed\.ts/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Rename without a label" }));
    expect(await within(pending).findByText(/^Rename to "plain\.ts"/)).toBeInTheDocument();
    expect(pending).not.toHaveTextContent("files:rename");
  });
});

describe("a refused write", () => {
  it("is listed by what it was meant to do, and the panel never says everything is saved", async () => {
    const userKey = `refused-${Math.random().toString(36).slice(2)}`;
    // An earlier visit's write was refused by the server (too large): the problem is stored with the outbox.
    const earlier = new Outbox({
      userKey,
      transport: { mutation: () => Promise.reject(new ConvexError({ code: "TOO_LARGE", message: "This text is over the limit." })) },
      locks: null,
      channel: null,
    });
    await earlier.start();
    const { result } = earlier.enqueue("files:updateContent", { fileId: "f1", content: "big", baseRevision: 1 }, "Edit src/big.txt");
    await expect(result).rejects.toThrow("This text is over the limit.");
    earlier.stop();

    const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
    clients.push(client);
    render(
      <ConvexProvider client={client}>
        <SyncProvider userKey={userKey}>
          <SyncStatus />
        </SyncProvider>
      </ConvexProvider>,
    );
    await userEvent.click(await screen.findByRole("button", { name: /Offline|Online|Sync/ }));
    const problems = await screen.findByRole("list", { name: "Sync problems" });
    expect(within(problems).getAllByRole("listitem")).toHaveLength(1);
    expect(problems).toHaveTextContent("Edit src/big.txt: not saved. This text is over the limit.");
    const panel = screen.getByRole("region", { name: "Sync status" });
    expect(panel).not.toHaveTextContent("Everything is saved");
    expect(panel).toHaveTextContent("Nothing is waiting to be sent, but the changes below were not saved.");
  });
});

describe("live results", () => {
  it("reach the offline cache after the client's transition has run its course, not inside it", async () => {
    let outbox: Outbox | null = null;
    function Capture() {
      outbox = useOutbox();
      return null;
    }
    const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
    clients.push(client);
    render(
      <ConvexProvider client={client}>
        <SyncProvider userKey={`live-${Math.random().toString(36).slice(2)}`}>
          <Capture />
          <FileList />
        </SyncProvider>
      </ConvexProvider>,
    );
    await waitFor(() => expect(outbox).not.toBeNull());
    await screen.findByText("Loading…");
    const token = queryToken("test:rows", { projectId: "p1" });
    const live = [{ _id: "f9", name: "live.ts" }];
    let cachedAtOnce: unknown = "unset";
    act(() => {
      // The client is disconnected: the optimistic update is the only source of the live result.
      void client
        .mutation(rename, { fileId: "f9", name: "live.ts" }, { optimisticUpdate: (store) => store.setQuery(tree, { projectId: "p1" }, live) })
        .catch(() => {});
      cachedAtOnce = outbox!.cache.snapshot().get(token)?.value;
    });
    // Inside the transition the outbox has not yet confirmed the writes it reflects: the overlay must not see it.
    expect(cachedAtOnce).toBeUndefined();
    await waitFor(() => expect(outbox!.cache.snapshot().get(token)?.value).toBe(live));
    expect(await screen.findByText("live.ts")).toBeInTheDocument();
  });
});

describe("the provider's first render", () => {
  // The first load's path (docs/architecture.md "First load"): the children are in the page in the provider's
  // first commit, not after an effect has made the outbox and rendered the whole page a second time.
  it("shows its children in the first commit with a started outbox, also under StrictMode's double effects", async () => {
    const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
    clients.push(client);
    let inFirstCommit: boolean | undefined;
    const seen = new Set<Outbox>();
    function Child() {
      seen.add(useOutbox());
      return <p data-testid="child">child</p>;
    }
    function Probe({ children }: { children: ReactNode }) {
      const ref = useRef<HTMLDivElement>(null);
      useLayoutEffect(() => {
        inFirstCommit ??= ref.current?.querySelector('[data-testid="child"]') !== null;
      }, []);
      return <div ref={ref}>{children}</div>;
    }
    const userKey = `first-${Math.random().toString(36).slice(2)}`;
    render(
      <StrictMode>
        <ConvexProvider client={client}>
          <Probe>
            <SyncProvider userKey={userKey}>
              <Child />
            </SyncProvider>
          </Probe>
        </ConvexProvider>
      </StrictMode>,
    );
    expect(inFirstCommit).toBe(true);
    // StrictMode stops the first outbox as it re-runs the effects; the children move to a fresh one, which starts.
    const current = [...seen].at(-1)!;
    expect(current.isStopped()).toBe(false);
    await current.whenReady();
    expect([...seen].filter((outbox) => !outbox.isStopped())).toEqual([current]);
  });
});
