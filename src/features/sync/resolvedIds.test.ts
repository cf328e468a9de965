import { afterEach, describe, expect, it } from "vitest";
import { Outbox, type Transport } from "./outbox";
import { optimisticId, tempIdFor } from "./ids";
import { queryToken } from "./queryKey";
import { readTarget } from "./read";
import { clearOptimisticUpdates, extendOptimisticUpdate, optimisticUpdateFor, registerOptimisticUpdate } from "./registry";
import { watchResolvedIds } from "./resolvedIds";
import type { CachedQuery } from "./types";

const outboxes: Outbox[] = [];
afterEach(() => {
  for (const outbox of outboxes.splice(0)) outbox.stop();
  clearOptimisticUpdates();
});

/** A server that holds every call until `open()`, then answers creates with a fresh id. */
function gatedServer() {
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  let next = 0;
  const transport: Transport = {
    async mutation(path) {
      await gate;
      return path === "files:createFile" ? `file${++next}` : null;
    },
  };
  return {
    transport,
    open: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

function startOutbox(transport: Transport) {
  const outbox = new Outbox({
    userKey: `resolved-${Math.random().toString(36).slice(2)}`,
    transport,
    locks: null,
    channel: null,
    retryDelayMs: () => 1,
  });
  outboxes.push(outbox);
  return outbox;
}

describe("watchResolvedIds", () => {
  it("reports each confirmed create's temporary and real id in the turn its pending entry leaves the outbox", async () => {
    const server = gatedServer();
    const outbox = startOutbox(server.transport);
    await outbox.start();
    const seen: { tempId: string; realId: string; stillPending: boolean }[] = [];
    const stop = watchResolvedIds(outbox, (tempId, realId) =>
      seen.push({ tempId, realId, stillPending: outbox.getEntries().some((e) => tempIdFor(e.opId) === tempId) }),
    );
    const create = outbox.enqueue("files:createFile", { projectId: "p", name: "new.ts" });
    outbox.enqueue("files:rename", { fileId: create.tempId, name: "renamed.ts" });
    await create.stored;
    expect(seen).toEqual([]);

    server.open();
    await until(() => outbox.getEntries().length === 0, "the outbox to drain");
    expect(seen).toEqual([{ tempId: create.tempId, realId: "file1", stillPending: false }]);

    // A late subscriber (a remounted editor) learns the mappings already known.
    const late: string[] = [];
    watchResolvedIds(outbox, (tempId, realId) => late.push(`${tempId}->${realId}`))();
    expect(late).toEqual([`${create.tempId}->file1`]);

    stop();
    const second = outbox.enqueue("files:createFile", { projectId: "p", name: "other.ts" });
    await second.result;
    expect(seen).toHaveLength(1);
  });
});

describe("readTarget", () => {
  // Issue 12 item 5: the chat asked files:get for a file created offline under its temporary id, and the server
  // refused the argument. Every read goes through readTarget: a temporary id never reaches a server function.
  it("never asks the server with a temporary id, and asks with the real one once the create is confirmed", async () => {
    const server = gatedServer();
    const outbox = startOutbox(server.transport);
    await outbox.start();
    const create = outbox.enqueue("files:createFile", { projectId: "p", name: "new.ts" });
    const before = readTarget(outbox, "files:get", { fileId: create.tempId });
    expect(before.liveArgs).toBeNull();
    expect(before.args).toEqual({ fileId: create.tempId });

    server.open();
    await create.result;
    const after = readTarget(outbox, "files:get", { fileId: create.tempId });
    expect(after.args).toEqual({ fileId: "file1" });
    expect(after.liveArgs).toEqual({ fileId: "file1" });
  });
});

describe("extendOptimisticUpdate", () => {
  it("runs after the registered update, survives its re-registration, and keeps one function per mutation", () => {
    const tree = (args: { clientOpId?: string; name: string }) => ({ _id: optimisticId(args), name: args.name });
    const insert = (store: Parameters<NonNullable<typeof update>>[0], args: { projectId: string; clientOpId?: string; name: string }) => {
      const rows = (store.getQuery("test:rows" as never, { projectId: args.projectId } as never) ?? []) as unknown[];
      store.setQuery("test:rows" as never, { projectId: args.projectId } as never, [...rows, tree(args)] as never);
    };
    let update = optimisticUpdateFor("files:createFile");
    registerOptimisticUpdate("files:createFile", insert);
    extendOptimisticUpdate("files:createFile", "test/get", (store, args: { projectId: string; clientOpId?: string }) => {
      const rows = store.getQuery("test:rows" as never, { projectId: args.projectId } as never) as unknown as { _id: string }[];
      const row = rows.find((r) => r._id === optimisticId(args));
      if (row) store.setQuery("files:get" as never, { fileId: row._id } as never, { ...row, content: "" } as never);
    });
    update = optimisticUpdateFor("files:createFile");
    expect(optimisticUpdateFor("files:createFile")).toBe(update);

    const outbox = startOutbox(gatedServer().transport);
    const base = new Map<string, CachedQuery>();
    const treeToken = queryToken("test:rows", { projectId: "p" });
    base.set(treeToken, { token: treeToken, path: "test:rows", args: { projectId: "p" }, value: [], updatedAt: 0 });
    const { tempId } = outbox.enqueue("files:createFile", { projectId: "p", name: "new.ts" });
    const overlay = outbox.overlay(base);
    expect(overlay.get(treeToken)?.value).toEqual([{ _id: tempId, name: "new.ts" }]);
    expect(overlay.get(queryToken("files:get", { fileId: tempId }))?.value).toEqual({ _id: tempId, name: "new.ts", content: "" });

    registerOptimisticUpdate("files:createFile", insert);
    expect(optimisticUpdateFor("files:createFile")).not.toBe(update);
    expect(outbox.overlay(new Map(base)).get(queryToken("files:get", { fileId: tempId }))?.value).toMatchObject({ content: "" });
  });
});
