import type { ConvexClient } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { MAX_CREATE_MANY } from "../../convex/model/createMany";
import { startTestBackend, PROJECT_CONVEX_DIR, type TestBackend } from "./helpers/backend.js";

// What one save costs a second client of the same project, in bytes it receives over its WebSocket, through the
// stock client. The second client subscribes to what the workspace reads once it uses the listing: the project,
// the project list, the conversations, the listing head and every bucket; with the file open, also files.get.
// Sizes, not times, are asserted: a save must cost a client without the file open a small constant, whatever the
// project's size. The figures are printed for docs/benchmarks.md (the benchmark itself lives in bench/).

let backend: TestBackend | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

/**
 * Bytes received by clients made with `socket()`. The sockets do not offer permessage-deflate, so the count is what
 * the server sends before compression: a file's new content, if it arrives, counts its full length.
 */
class Meter {
  bytes = 0;
  socket(): typeof globalThis.WebSocket {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the socket class reports to this meter
    const meter = this;
    class CountingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { perMessageDeflate: false });
        this.on("message", (data: Buffer) => {
          meter.bytes += data.length;
        });
      }
    }
    return CountingWebSocket as unknown as typeof globalThis.WebSocket;
  }
}

/** Subscribes and resolves with the first value `accept` takes. */
function nextValue<T>(client: ConvexClient, ref: FunctionReference<"query">, args: Record<string, unknown>, accept: (v: T) => boolean) {
  return new Promise<() => void>((resolve, reject) => {
    let done = false;
    const unsubscribe = client.onUpdate(
      ref,
      args,
      (value: T) => {
        if (!done && accept(value)) {
          done = true;
          resolve(unsubscribe);
        }
      },
      reject,
    );
  });
}

/** The text of a save: about SAVE_BYTES of lines that change with `i` and need no escaping in JSON but newlines. */
const SAVE_BYTES = 50_000;
function saveContent(i: number): string {
  const line = (n: number) => `export const value${n} = ${i * 1_000_000 + n}; // ${"abcdefghij".repeat(4)}\n`;
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < SAVE_BYTES; n++) {
    lines.push(line(n));
    size += lines[n].length;
  }
  return lines.join("");
}

async function measure(files: number) {
  backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR });
  const token = (await backend.signIn("alice")).token;
  const writer = backend.client({ token });
  const projectId = await writer.mutation(api.projects.create, { name: "Bytes" });
  const dir = await writer.mutation(api.files.createFolder, { projectId, name: "src" });
  const ids: Id<"files">[] = [];
  for (let first = 0; first < files - 1; first += MAX_CREATE_MANY) {
    const n = Math.min(MAX_CREATE_MANY, files - 1 - first);
    const items = Array.from({ length: n }, (_, i) => ({ name: `module-${first + i}.ts`, content: "export const x = 1;\n" }));
    ids.push(...(await writer.mutation(api.files.createMany, { projectId, parentId: dir, items })));
  }

  const meter = new Meter();
  const { ConvexClient } = await import("convex/browser");
  const observer = new ConvexClient(backend.url, { webSocketConstructor: meter.socket(), unsavedChangesWarning: false, logger: false });
  observer.setAuth(() => Promise.resolve(token));
  const head = await observer.query(api.files.listing, { projectId });
  // Every save bumps the project's updatedAt: a save has reached the observer once its projects.get shows it.
  let seenUpdatedAt = 0;
  let waiting: { updatedAt: number; resolve: () => void }[] = [];
  const reached = (updatedAt: number) =>
    updatedAt <= seenUpdatedAt ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ updatedAt, resolve }));
  const subscriptions = [
    observer.onUpdate(api.projects.get, { projectId }, (p) => {
      seenUpdatedAt = p.updatedAt;
      for (const w of waiting) if (w.updatedAt <= seenUpdatedAt) w.resolve();
      waiting = waiting.filter((w) => w.updatedAt > seenUpdatedAt);
    }),
    await nextValue(observer, api.projects.list, {}, () => true),
    await nextValue(observer, api.conversations.list, { projectId }, () => true),
    await nextValue(observer, api.files.listing, { projectId }, () => true),
    ...(await Promise.all(
      Array.from({ length: head.buckets }, (_, bucket) => nextValue(observer, api.files.listingBucket, { projectId, bucket }, () => true)),
    )),
  ];
  const perSave = async (fileId: Id<"files">, open: boolean) => {
    const saves = 5;
    const openFile = open ? await nextValue(observer, api.files.get, { fileId }, () => true) : null;
    const before = meter.bytes;
    for (let i = 1; i <= saves; i++) {
      const content = saveContent(i);
      await writer.mutation(api.files.updateContent, { fileId, content });
      await reached((await writer.query(api.projects.get, { projectId })).updatedAt);
    }
    openFile?.();
    return Math.round((meter.bytes - before) / saves);
  };
  const closed = await perSave(ids[0], false);
  const open = await perSave(ids[1], true);
  // A structural change, for comparison: one bucket is re-sent. A delete first makes room in a full bucket, which
  // the create then fills (the emptiest bucket takes new entries), so the figure is a full bucket's.
  await writer.mutation(api.files.remove, { fileId: ids[2] });
  await reached((await writer.query(api.projects.get, { projectId })).updatedAt);
  const before = meter.bytes;
  await writer.mutation(api.files.createFile, { projectId, parentId: dir, name: "new.ts" });
  await reached((await writer.query(api.projects.get, { projectId })).updatedAt);
  const create = meter.bytes - before;
  for (const unsubscribe of subscriptions) unsubscribe();
  await observer.close();
  return { closed, open, create, buckets: head.buckets };
}

describe("what a save costs another client", () => {
  it("is a small constant without the file open and the new content once with it open, at 100 and at 10,000 files", async () => {
    const small = await measure(100);
    await backend!.stop();
    backend = null;
    const large = await measure(10_000);
    console.log(
      `bytes per save received by a second client: ${JSON.stringify({ files100: small, files10000: large })}`,
    );
    expect(small.closed).toBeLessThanOrEqual(2048);
    expect(large.closed).toBeLessThanOrEqual(2048);
    // Independent of the project's size: the listing is not re-sent.
    expect(Math.abs(large.closed - small.closed)).toBeLessThan(256);
    // A create re-sends one bucket (at most LISTING_BUCKET_SIZE entries), not the project.
    expect(large.create).toBeLessThan(200_000);
    expect(large.create).toBeGreaterThan(small.create);
    // With the file open the new text (about SAVE_BYTES) arrives once per save, and little else.
    const saved = saveContent(1).length;
    expect(saved).toBeGreaterThanOrEqual(SAVE_BYTES);
    for (const { open, closed } of [small, large]) {
      expect(open - closed).toBeGreaterThan(saved);
      expect(open).toBeLessThan(1.2 * saved + 2048);
    }
  }, 300_000);
});
