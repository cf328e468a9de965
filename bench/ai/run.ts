/// <reference types="node" />
import { ConvexClient } from "convex/browser";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Socket } from "node:net";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import WebSocket, { WebSocketServer } from "ws";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import type { MessageOutline } from "../../convex/lib/validators.js";
import { SYNC_DEFLATE, startBackend, type Backend } from "../../local-backend/src/server/index.js";
import { ensureSiteBuilt } from "../../local-backend/src/site.js";
import { CHUNK_WRITE_INTERVAL_MS } from "../../convex/ai/lib.js";
import { machine } from "../machine.js";
import { percentile } from "../stats.js";
import { ScriptedProvider } from "../../tests/ai/scriptedProvider.js";
import { ChunkAssembler } from "../../src/features/chat/chunkAssembler.js";
import { StreamedAnswers, textSource } from "../../src/features/chat/streamedAnswers.js";
import { updateSection } from "../docs.mjs";

// AI streaming figures, with the scripted Chat Completions server as the provider and the real local backend:
// - token → DOM: the production SPA open on the same project's chat in two headless Chromium contexts (two
//   clients); the first sends, and a MutationObserver in the second records when each chunk's unique marker
//   appears in its DOM. Reference in the same run: the stock ConvexClient in Node subscribed to the same answers
//   as the chat UI is (the pipeline without browser and React), and a bare WebSocket pushing markers into the
//   second page (the floor of the measurement itself: clock alignment, socket, observer).
// - chunk writes per second of streaming (the backend's "ended after N chunk writes" log line);
// - bytes the second browser's sync connection carried for each answer, as a multiple of the answer's size: on
//   the wire (the server's TCP socket for that connection, both directions, permessage-deflate as negotiated
//   with Chromium) and as payload (the frames as the page decodes them, through the DevTools protocol, which does
//   not give wire sizes of WebSocket frames), next to a whole-row rewrite of messages.content computed from the
//   same run; and what compressing the page's frames costs the backend (CPU, memory per connection).
// Prints tables and rewrites the "AI" section of docs/benchmarks.md. Not a test: nothing fails on slowness.

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CONVEX_DIR = path.join(REPO, "convex");
const TIME_LIMIT_MS = 175_000;
const WAIT_MS = 60_000;
// Issue #14's targets: token → second DOM p50 ≤ 100 ms, and a second client receiving ≤ 3× the answer's size.
const LATENCY_TARGET_MS = 100;
const BYTES_TARGET_TIMES = 3;
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"];

const TYPICAL = { answers: 3, chunks: 240, delayMs: 20 };
const LONG = { answers: 1, chunks: 2000, delayMs: 4 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const marker = (prefix: string, i: number) => `${prefix}${String(i).padStart(4, "0")}`;

let nodeReceived = 0;
class CountingWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    this.on("message", (data: Buffer) => {
      nodeReceived += data.length;
    });
  }
}

// Page-side helpers, as plain JavaScript: functions handed to page.evaluate from tsx-compiled code may carry
// esbuild's name helper, which does not exist in the page.
const PAGE_HELPERS = `
window.__watches = {};
/** Records, per marker prefix+0000.., the page-clock time it first appears in the last element matching selector. */
window.__watch = (key, prefix, count, selector) => {
  const state = { next: 0, times: [] };
  window.__watches[key] = state;
  const marker = (i) => prefix + String(i).padStart(4, "0");
  const check = () => {
    const now = performance.timeOrigin + performance.now();
    const all = document.querySelectorAll(selector);
    const text = all.length > 0 ? all[all.length - 1].textContent : "";
    while (state.next < count && text.includes(marker(state.next))) {
      state.times.push(now);
      state.next++;
    }
    if (state.next >= count) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  check();
};
window.__echo = (url) => new Promise((resolve, reject) => {
  const box = document.createElement("div");
  box.id = "bench-echo";
  document.body.append(box);
  const socket = new WebSocket(url);
  socket.onmessage = (event) => box.append(String(event.data));
  socket.onopen = () => resolve(true);
  socket.onerror = () => reject(new Error("the echo socket failed"));
});
`;

interface Watch {
  next: number;
  times: number[];
}

async function startWatch(page: Page, key: string, prefix: string, count: number, selector: string) {
  await page.evaluate(
    ([k, p, c, s]) => (window as unknown as { __watch: (...a: unknown[]) => void }).__watch(k, p, c, s),
    [key, prefix, count, selector] as const,
  );
}

async function finishWatch(page: Page, key: string, count: number): Promise<number[]> {
  await page.waitForFunction(
    ([k, c]) => (window as unknown as { __watches: Record<string, Watch> }).__watches[k].next >= c,
    [key, count] as const,
    { timeout: WAIT_MS, polling: 50 },
  );
  return page.evaluate((k) => (window as unknown as { __watches: Record<string, Watch> }).__watches[k].times, key);
}

/** The page's clock minus this process's performance.now(), from the round trip with the smallest delay. */
async function clockOffset(page: Page): Promise<{ offset: number; rtt: number }> {
  let best = { offset: 0, rtt: Infinity };
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = performance.now();
    if (t1 - t0 < best.rtt) best = { offset: pageNow - (t0 + t1) / 2, rtt: t1 - t0 };
  }
  return best;
}

interface SocketTally {
  bytes: number;
  /** Server → client bytes of each query's updates (its modification's JSON), by function path. */
  byPath: Record<string, { bytes: number; updates: number }>;
  /** Transitions that carried one streamed write alone (one ai/stream:latest update): their bytes and the text's. */
  writeFrames: { frames: number; bytes: number; textBytes: number };
  /** Transitions that carried nothing but a new version. */
  emptyFrames: { frames: number; bytes: number };
  /** Every server → client text frame, in order (replayed through the compressor to measure its cost). */
  received: string[];
}

/**
 * Counts the payload bytes of the page's Convex sync socket (both directions) through the DevTools protocol, and
 * attributes each query update to its function, learned from the client's own ModifyQuerySet frames.
 */
async function countSyncBytes(context: BrowserContext, page: Page): Promise<SocketTally> {
  const tally: SocketTally = { bytes: 0, byPath: {}, writeFrames: { frames: 0, bytes: 0, textBytes: 0 }, emptyFrames: { frames: 0, bytes: 0 }, received: [] };
  const sockets = new Set<string>();
  const paths = new Map<number, string>();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.webSocketCreated", (e) => {
    if (/\/api\/[^/]+\/sync$/.test(new URL(e.url).pathname)) sockets.add(e.requestId);
  });
  const count = (e: { requestId: string; response: { opcode: number; payloadData: string } }, sent: boolean) => {
    if (!sockets.has(e.requestId)) return;
    tally.bytes += Buffer.byteLength(e.response.payloadData, e.response.opcode === 1 ? "utf8" : "base64");
    if (e.response.opcode !== 1) return;
    if (!sent) tally.received.push(e.response.payloadData);
    let frame: { type: string; modifications?: { type: string; queryId: number; udfPath?: string; value?: unknown }[] };
    try {
      frame = JSON.parse(e.response.payloadData) as typeof frame;
    } catch {
      return;
    }
    const frameBytes = Buffer.byteLength(e.response.payloadData, "utf8");
    const mods = frame.modifications ?? [];
    if (!sent && frame.type === "Transition" && mods.length === 0) {
      tally.emptyFrames.frames++;
      tally.emptyFrames.bytes += frameBytes;
    }
    const only = mods.length === 1 ? mods[0] : undefined;
    const chunk = only?.value as { text?: unknown } | null | undefined;
    if (!sent && frame.type === "Transition" && only?.type === "QueryUpdated" && paths.get(only.queryId) === "ai/stream:latest" && typeof chunk?.text === "string") {
      tally.writeFrames.frames++;
      tally.writeFrames.bytes += frameBytes;
      tally.writeFrames.textBytes += Buffer.byteLength(JSON.stringify(chunk.text), "utf8") - 2;
    }
    for (const m of frame.modifications ?? []) {
      if (sent && m.type === "Add" && m.udfPath) paths.set(m.queryId, m.udfPath);
      if (!sent && frame.type === "Transition") {
        const key = paths.get(m.queryId) ?? `query ${m.queryId}`;
        const entry = (tally.byPath[key] ??= { bytes: 0, updates: 0 });
        entry.bytes += Buffer.byteLength(JSON.stringify(m), "utf8");
        entry.updates++;
      }
    }
  };
  cdp.on("Network.webSocketFrameReceived", (e) => count(e, false));
  cdp.on("Network.webSocketFrameSent", (e) => count(e, true));
  return tally;
}

/**
 * The wire bytes of the sync connections opened since `before` (the second page's), as the server's TCP sockets
 * count them both ways. ClientSession keeps its `ws` WebSocket private; `_socket` is the `ws` WebSocket's net.Socket.
 */
function watchWire(backend: Backend, before: ReadonlySet<unknown>): { bytes: () => number; extensions: string } {
  const mine = [...backend.sessions].filter((s) => !before.has(s)).map((s) => (s as unknown as { ws: WebSocket }).ws);
  if (mine.length === 0) throw new Error("The second page opened no sync connection to the backend.");
  const sockets = mine.map((ws) => (ws as unknown as { _socket: Socket })._socket);
  return {
    bytes() {
      if (mine.some((ws) => ws.readyState !== WebSocket.OPEN)) {
        throw new Error("The second page's sync connection closed during the run: its wire bytes would be incomplete.");
      }
      return sockets.reduce((n, socket) => n + socket.bytesWritten + socket.bytesRead, 0);
    },
    extensions: [...new Set(mine.map((ws) => ws.extensions || "none"))].join(", "),
  };
}

/** The zlib options `ws` gives a connection's compressor under SYNC_DEFLATE. */
const deflateOptions = (): zlib.ZlibOptions => ({
  level: SYNC_DEFLATE.zlibDeflateOptions?.level,
  memLevel: SYNC_DEFLATE.zlibDeflateOptions?.memLevel,
  windowBits: Number(SYNC_DEFLATE.serverMaxWindowBits),
});

/**
 * What permessage-deflate with the backend's settings (SYNC_DEFLATE) costs, replaying the frames one page received
 * through one compressor with context takeover, as `ws` does: the process's CPU time (all threads: zlib runs on
 * libuv's pool) and the compressed size; and the memory a connection's compressor holds (zlib reports its
 * allocations to V8 as external memory), from many compressors that have each compressed a frame.
 */
async function compressionCost(frames: string[]) {
  const options = deflateOptions();
  const deflate = zlib.createDeflateRaw(options);
  let compressed = 0;
  deflate.on("data", (b: Buffer) => (compressed += b.length));
  const cpu = process.cpuUsage();
  for (const frame of frames) {
    deflate.write(frame);
    await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  }
  const { user, system } = process.cpuUsage(cpu);
  deflate.close();
  const count = 200;
  const sample = frames.at(-1) ?? "{}";
  globalThis.gc?.();
  const external = process.memoryUsage().external;
  const held = Array.from({ length: count }, () => zlib.createDeflateRaw(options));
  await Promise.all(held.map((d) => new Promise<void>((resolve) => (d.write(sample), d.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve())))));
  const perConnection = (process.memoryUsage().external - external) / count;
  for (const d of held) d.close();
  return {
    frames: frames.length,
    payload: frames.reduce((n, f) => n + Buffer.byteLength(f, "utf8"), 0),
    compressed,
    cpuMs: (user + system) / 1000,
    perConnection,
  };
}

/**
 * The stock client, subscribed as the chat UI is (src/features/chat/ChatView.tsx, streamedAnswers.ts): messages.outline,
 * ai/stream:latest of each answer in progress, and messages.body of each message whose text it does not hold.
 */
class NodeWatcher {
  /** The conversation's newest messages as the chat shows them: the outline, each with its text once loaded. */
  messages: (MessageOutline & { content: string })[] = [];
  readonly answers = new Map<Id<"messages">, { seenAt: { length: number; at: number }[]; final: boolean; stop?: () => void }>();
  private outline: MessageOutline[] = [];
  private readonly bodies = new Map<Id<"messages">, string>();
  private readonly reading = new Set<Id<"messages">>();
  private readonly streamed = new StreamedAnswers();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly client: ConvexClient,
    conversationId: Id<"conversations">,
  ) {
    // The chat UI's first page (src/features/chat/ChatView.tsx, FIRST_PAGE_MESSAGES), newest first, without texts.
    const paginationOpts = { numItems: 10, cursor: null };
    this.stops.push(
      client.onUpdate(api.messages.outline, { conversationId, paginationOpts }, (result) => {
        this.outline = [...result.page].reverse();
        // After every callback of this update, as React renders after them: an answer's last chunk comes with it.
        queueMicrotask(() => this.follow());
      }),
    );
  }

  private follow() {
    for (const m of this.outline) {
      const source = textSource(m, this.streamed);
      if (source.from === "stream" && !this.answers.has(m._id)) this.watch(m._id);
      if (source.from === "body" && !this.reading.has(m._id)) {
        this.reading.add(m._id);
        this.stops.push(
          this.client.onUpdate(api.messages.body, { messageId: m._id }, (body) => {
            this.bodies.set(m._id, body?.content ?? "");
            this.update();
          }),
        );
      }
    }
    this.update();
  }

  private update() {
    this.messages = this.outline.flatMap((m) => {
      const source = textSource(m, this.streamed);
      const content = source.from === "held" ? source.text : source.from === "stream" ? "" : this.bodies.get(m._id);
      return content === undefined ? [] : [{ ...m, content }];
    });
    for (const m of this.messages) {
      const known = this.answers.get(m._id);
      if (known && !known.final && m.status !== "processing" && m.content.length > 0) {
        known.final = true;
        known.seenAt.push({ length: m.content.length, at: performance.now() });
        // As the chat's stream, which ends when the message does.
        known.stop?.();
        known.stop = undefined;
      }
    }
  }

  private watch(messageId: Id<"messages">) {
    const answer: { seenAt: { length: number; at: number }[]; final: boolean; stop?: () => void } = { seenAt: [], final: false };
    this.answers.set(messageId, answer);
    // As src/features/chat/useStreamingText.ts does: the newest chunk live, the chunks it missed read once.
    const chunks = new ChunkAssembler();
    let filling = false;
    const seen = () => answer.seenAt.push({ length: chunks.text().length, at: performance.now() });
    const fill = async () => {
      if (filling) return;
      filling = true;
      for (let gap = chunks.gap(); gap !== null && !answer.final; gap = chunks.gap()) {
        const before = chunks.known;
        for (const row of await this.client.query(api.ai.stream.range, { messageId, ...gap })) chunks.add(row.seq, row.text);
        this.streamed.set(messageId, chunks.known, chunks.text());
        seen();
        this.update();
        if (chunks.known === before) break;
      }
      filling = false;
    };
    answer.stop = this.client.onUpdate(api.ai.stream.latest, { messageId }, (latest) => {
      if (answer.final || latest === null) return;
      chunks.add(latest.seq, latest.text);
      this.streamed.set(messageId, chunks.known, chunks.text());
      seen();
      if (chunks.gap() !== null) void fill();
    });
  }

  close() {
    for (const stop of this.stops.splice(0)) stop();
    for (const answer of this.answers.values()) answer.stop?.();
  }
}

interface AnswerResult {
  kind: "typical" | "long";
  chars: number;
  writes: number;
  streamSeconds: number;
  browserBytes: number;
  /** The answer's text alone, compressed with the backend's settings: how compressible the scripted text is. */
  answerCompressed: number;
  /** The same connection's bytes on the wire: TCP payload both ways at the server (frame headers, compressed data, pings). */
  wireBytes: number;
  /** Of browserBytes, the query updates by function path. */
  browserParts: SocketTally["byPath"];
  nodeBytes: number;
  rewriteBytes: number;
  domLatencies: number[];
  nodeLatencies: number[];
}

async function main(cleanups: (() => Promise<unknown>)[]) {
  const started = performance.now();
  const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-bench-ai-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const provider = await ScriptedProvider.start();
  cleanups.push(() => provider.close());
  const chunkWrites = new Map<string, number>();
  // The app as deployed: its production build served by the backend on its own origin, as `npm start` does.
  console.log("Building the app (production) …");
  const siteDir = path.join(REPO, ".polaris", "site");
  const siteReady = ensureSiteBuilt({ root: REPO, outDir: siteDir, log: (line) => console.log(line) });
  await siteReady;
  const backend = await startBackend({
    dataDir: path.join(dataDir, "data"),
    convexDir: CONVEX_DIR,
    port: 0,
    siteDir,
    siteReady,
    log: (line) => {
      const match = /answer (\S+) ended after (\d+) chunk writes/.exec(line);
      if (match) chunkWrites.set(match[1], Number(match[2]));
    },
  });
  cleanups.push(() => backend.close());
  await backend.engine.setEnv("POLARIS_AI_BASE_URL", provider.url);
  await backend.engine.setEnv("POLARIS_AI_MODEL", "bench-model");
  const siteUrl = backend.url;

  const echo = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => new Promise((resolve) => echo.close(resolve)));
  const echoSocket = new Promise<WebSocket>((resolve) => echo.once("connection", resolve));

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close());
  const user = `bench-ai-${Date.now().toString(36)}`;
  const openChat = async (context: BrowserContext, page: Page, create: boolean) => {
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await context.addInitScript(PAGE_HELPERS);
    await page.goto(siteUrl);
    const name = page.getByRole("textbox", { name: "Your name" });
    await name.fill(user);
    await name.press("Enter");
    if (create) {
      const field = page.getByRole("textbox", { name: "New project name" });
      await field.fill("AI bench");
      // Creating a project opens it.
      await field.press("Enter");
    } else {
      await page.getByRole("list", { name: "Projects" }).getByRole("link", { name: "AI bench", exact: true }).click();
    }
    await page.getByRole("textbox", { name: "Message" }).waitFor({ timeout: WAIT_MS });
  };
  const contextA = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const sender = await contextA.newPage();
  await openChat(contextA, sender, true);
  const contextB = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const watcher = await contextB.newPage();
  const socketBytes = await countSyncBytes(contextB, watcher);
  const sessionsBefore = new Set(backend.sessions);
  await openChat(contextB, watcher, false);
  const wire = watchWire(backend, sessionsBefore);

  const send = async (text: string) => {
    await sender.getByRole("button", { name: "Send" }).waitFor({ timeout: WAIT_MS });
    const box = sender.getByRole("textbox", { name: "Message" });
    await box.fill(text);
    await box.press("Enter");
  };
  const lastAnswer = (page: Page) => page.locator('article[aria-label="Assistant"]').last();
  const waitCompleted = (page: Page) =>
    page.waitForFunction(
      () => document.querySelectorAll('article[aria-label="Assistant"][data-status="processing"]').length === 0,
      null,
      { timeout: WAIT_MS, polling: 50 },
    );

  // Warm-up: creates the conversation, loads the lazy chat code in both pages and gets the title written.
  provider.stream({ kind: "text", chunks: ["Warm ", "up."], delayMs: 20 });
  await send("Warm up");
  await lastAnswer(watcher).filter({ hasText: "Warm up." }).waitFor({ timeout: WAIT_MS });
  await waitCompleted(watcher);

  const { token } = (await (
    await fetch(`${backend.url}/polaris/auth/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: user }),
    })
  ).json()) as { token: string };
  const client = new ConvexClient(backend.url, {
    webSocketConstructor: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
  cleanups.push(() => client.close());
  client.setAuth(() => Promise.resolve(token));
  const projectId = (await client.query(api.projects.list, {})).find((p) => p.name === "AI bench")?._id;
  if (!projectId) throw new Error("The project created in the browser is not visible to the Node client.");
  const conversationId = (await client.query(api.conversations.list, { projectId }))[0]?._id;
  if (!conversationId) throw new Error("The warm-up message did not create a conversation.");
  const node = new NodeWatcher(client, conversationId);
  cleanups.push(() => Promise.resolve(node.close()));
  while (node.messages.length === 0) await sleep(10);
  await sleep(300);

  // Reference floor: markers pushed on a bare WebSocket into the second page, at the typical answers' pace.
  await watcher.evaluate((url) => (window as unknown as { __echo: (u: string) => Promise<boolean> }).__echo(url), `ws://127.0.0.1:${(echo.address() as AddressInfo).port}`);
  const echoPeer = await echoSocket;
  let clock = await clockOffset(watcher);
  await startWatch(watcher, "echo", "e", TYPICAL.chunks, "#bench-echo");
  const echoSent: number[] = [];
  for (let i = 0; i < TYPICAL.chunks; i++) {
    await sleep(TYPICAL.delayMs);
    echoPeer.send(`${marker("e", i)} `);
    echoSent.push(performance.now());
  }
  const echoSeen = await finishWatch(watcher, "echo", TYPICAL.chunks);
  const echoLatencies = echoSeen.map((t, i) => t - clock.offset - echoSent[i]);

  const results: AnswerResult[] = [];
  const plan = [
    ...Array.from({ length: TYPICAL.answers }, () => ({ kind: "typical" as const, ...TYPICAL })),
    ...Array.from({ length: LONG.answers }, () => ({ kind: "long" as const, ...LONG })),
  ];
  for (const [index, c] of plan.entries()) {
    const prefix = `a${index + 1}w`;
    const chunks = Array.from({ length: c.chunks }, (_, i) => `${marker(prefix, i)} `);
    clock = await clockOffset(watcher);
    await startWatch(watcher, prefix, prefix, c.chunks, 'article[aria-label="Assistant"]');
    const before = new Set(node.answers.keys());
    const bytesAtStart = socketBytes.bytes;
    const wireAtStart = wire.bytes();
    const partsAtStart = structuredClone(socketBytes.byPath);
    const nodeAtStart = nodeReceived;
    provider.stream({ kind: "text", chunks, delayMs: c.delayMs });
    const prompt = `Answer ${index + 1}`;
    await send(prompt);
    const domTimes = await finishWatch(watcher, prefix, c.chunks);
    await waitCompleted(watcher);
    const deadline = performance.now() + WAIT_MS;
    let messageId: Id<"messages"> | undefined;
    for (;;) {
      messageId = [...node.answers.keys()].find((id) => !before.has(id));
      if (messageId && node.answers.get(messageId)!.final && chunkWrites.has(messageId)) break;
      if (performance.now() > deadline) throw new Error(`${prompt}: the Node client did not see the answer end.`);
      await sleep(20);
    }
    await sleep(300);
    const browserBytes = socketBytes.bytes - bytesAtStart;
    const wireBytes = wire.bytes() - wireAtStart;
    const browserParts: SocketTally["byPath"] = {};
    for (const [key, { bytes, updates }] of Object.entries(socketBytes.byPath)) {
      const base = partsAtStart[key] ?? { bytes: 0, updates: 0 };
      if (updates > base.updates) browserParts[key] = { bytes: bytes - base.bytes, updates: updates - base.updates };
    }
    const nodeBytes = nodeReceived - nodeAtStart;

    const request = provider.streamRequests().at(-1)!;
    if (request.body.messages.at(-1)?.content !== prompt || request.chunkTimes.length !== c.chunks) {
      throw new Error(`${prompt}: the provider's last streamed request is not this answer.`);
    }
    const sentAt = request.chunkTimes;
    const domLatencies = domTimes.map((t, i) => t - clock.offset - sentAt[i]);
    const seenAt = node.answers.get(messageId)!.seenAt;
    const nodeLatencies: number[] = [];
    let covered = 0;
    sentAt.forEach((at, i) => {
      covered += chunks[i].length;
      const seen = seenAt.find((s) => s.length >= covered && s.at >= at);
      if (seen) nodeLatencies.push(seen.at - at);
    });
    const answer = chunks.join("");
    const writes = chunkWrites.get(messageId)!;
    // The alternative design: every write rewrites messages.content, so messages.list (every message of the
    // conversation, this answer growing) is re-sent in full each time; at write k it holds k/writes of the answer.
    const list = await client.query(api.messages.list, { conversationId, paginationOpts: { numItems: 10, cursor: null } });
    const listOverhead = JSON.stringify(list.page).length - answer.length;
    let rewriteBytes = 0;
    for (let k = 1; k <= writes; k++) rewriteBytes += listOverhead + Math.round((answer.length * k) / writes);
    const result: AnswerResult = {
      kind: c.kind,
      chars: answer.length,
      writes,
      streamSeconds: (sentAt.at(-1)! - sentAt[0]) / 1000,
      browserBytes,
      wireBytes,
      answerCompressed: zlib.deflateRawSync(answer, deflateOptions()).length,
      browserParts,
      nodeBytes,
      rewriteBytes,
      domLatencies,
      nodeLatencies,
    };
    results.push(result);
    console.log(
      `${prompt} (${c.chunks} chunks, ${c.delayMs} ms apart): DOM p50 ${percentile(domLatencies, 0.5).toFixed(0)} ms, ` +
        `Node p50 ${percentile(nodeLatencies, 0.5).toFixed(0)} ms, ${writes} chunk writes in ${result.streamSeconds.toFixed(1)} s, ` +
        `${(wireBytes / answer.length).toFixed(1)}× the answer on the wire, ${(browserBytes / answer.length).toFixed(1)}× in payload (clock offset ±${(clock.rtt / 2).toFixed(1)} ms)`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const cost = await compressionCost(socketBytes.received);
  await writeReport(results, echoLatencies, seconds, socketBytes, wire.extensions, cost);
}

async function writeReport(
  results: AnswerResult[],
  echoLatencies: number[],
  seconds: number,
  socket: SocketTally,
  extensions: string,
  cost: Awaited<ReturnType<typeof compressionCost>>,
) {
  const perWrite = socket.writeFrames.frames > 0 ? (socket.writeFrames.bytes - socket.writeFrames.textBytes) / socket.writeFrames.frames : NaN;
  const empty = socket.emptyFrames.frames > 0 ? socket.emptyFrames.bytes / socket.emptyFrames.frames : NaN;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (label: string, samples: number[]) =>
    `| ${label} | ${samples.length.toLocaleString("en")} | ${ms(percentile(samples, 0.5))} | ${ms(percentile(samples, 0.95))} | ${ms(Math.max(...samples))} |`;
  const of = (kind: AnswerResult["kind"], pick: (r: AnswerResult) => number[]) => results.filter((r) => r.kind === kind).flatMap(pick);
  const typical = `${TYPICAL.answers} answers × ${TYPICAL.chunks} chunks, ${TYPICAL.delayMs} ms apart`;
  const long = `${LONG.answers} answer × ${LONG.chunks.toLocaleString("en")} chunks, ${LONG.delayMs} ms apart`;
  const domTypical = of("typical", (r) => r.domLatencies);
  const latencyTable = [
    "| Path | Chunks | p50 | p95 | max |",
    "| --- | ---: | ---: | ---: | ---: |",
    row(`Token → second browser's DOM, ${typical}`, domTypical),
    row(`Token → second browser's DOM, ${long}`, of("long", (r) => r.domLatencies)),
    row(`Reference: token → stock ConvexClient in Node, same ${TYPICAL.answers} answers`, of("typical", (r) => r.nodeLatencies)),
    row(`Reference: token → stock ConvexClient in Node, same long answer`, of("long", (r) => r.nodeLatencies)),
    row(`Reference: bare WebSocket push → the same page's DOM, ${TYPICAL.delayMs} ms apart`, echoLatencies),
  ].join("\n");
  const times = (n: number, answer: number) => `${kib(n)} (${(n / answer).toFixed(1)}×)`;
  // Real text compresses worse than the scripted markers: this repository's architecture notes stand in for it,
  // cut to each answer's length and put through the same compressor.
  const prose = (await readFile(path.join(REPO, "docs", "architecture.md"), "utf8")).replace(/\s+/g, " ");
  const proseCompressed = (chars: number) => zlib.deflateRawSync(prose.slice(0, chars), deflateOptions()).length;
  const writesTable = [
    "| Answer | Characters | Chunk writes | Streaming | Writes/s | Second browser, wire | Second browser, payload | Node client received (payload) | Whole-row rewrite (computed payload) | The answer's text alone, compressed | Wire with prose instead (estimated) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map(
      (r, i) =>
        `| ${i + 1} (${r.kind}) | ${r.chars.toLocaleString("en")} | ${r.writes} | ${r.streamSeconds.toFixed(1)} s | ${(r.writes / r.streamSeconds).toFixed(2)} | ${times(r.wireBytes, r.chars)} | ${times(r.browserBytes, r.chars)} | ${times(r.nodeBytes, r.chars)} | ${times(r.rewriteBytes, r.chars)} | ${times(r.answerCompressed, r.chars)} | ${times(r.wireBytes - r.answerCompressed + proseCompressed(r.chars), r.chars)} |`,
    ),
  ].join("\n");
  const part = (r: AnswerResult, key: string) => {
    const p = r.browserParts[key] ?? { bytes: 0, updates: 0 };
    return `${kib(p.bytes)} (${p.updates})`;
  };
  const breakdownTable = [
    "| Answer | ai/stream:latest (updates) | messages:outline (updates) | messages:body (updates) | conversations:list (updates) | Protocol framing and client frames |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...results.map((r, i) => {
      const counted = Object.values(r.browserParts).reduce((n, p) => n + p.bytes, 0);
      return `| ${i + 1} (${r.kind}) | ${part(r, "ai/stream:latest")} | ${part(r, "messages:outline")} | ${part(r, "messages:body")} | ${part(r, "conversations:list")} | ${kib(r.browserBytes - counted)} |`;
    }),
  ].join("\n");
  const p50 = percentile(
    results.flatMap((r) => r.domLatencies),
    0.5,
  );
  const verdict = p50 <= LATENCY_TARGET_MS ? "within" : "over";
  const nodeP50 = percentile(of("typical", (r) => r.nodeLatencies), 0.5);
  // The target is judged on what the user pays for: bytes on the wire.
  const bytesMet = results.filter((r) => r.wireBytes <= BYTES_TARGET_TIMES * r.chars).length;
  const payloadMet = results.filter((r) => r.browserBytes <= BYTES_TARGET_TIMES * r.chars).length;
  // What the per-write cost makes of a typical answer, against the target: the floor any design with one
  // Transition per write pays in payload, and what the rest of the answer's traffic adds to it.
  const first = results.find((r) => r.kind === "typical");
  let bytesWhy = "";
  if (first !== undefined && payloadMet < results.length) {
    const rate = first.chars / first.streamSeconds;
    const writesTimes = (first.writes * perWrite) / first.chars;
    const restTimes = first.browserBytes / first.chars - 1 - writesTimes;
    const maxRate = ((BYTES_TARGET_TIMES - 1) * rate) / perWrite;
    const allowed = Math.floor(((BYTES_TARGET_TIMES - 1 - restTimes) * first.chars) / perWrite);
    bytesWhy =
      `Why the ${BYTES_TARGET_TIMES}× target is not met in payload: answer 1 (typical, ${first.chars.toLocaleString("en")} characters in ` +
      `${first.streamSeconds.toFixed(1)} s, ${rate.toFixed(0)} a second) took ${first.writes} writes; at ${perWrite.toFixed(0)} bytes each besides the text, ` +
      `the protocol's floor (a Transition's two versions and one update's fields, all of which the stock client reads), the writes alone ` +
      `cost ${kib(first.writes * perWrite)} (${writesTimes.toFixed(1)}× the answer) on top of the text itself (1×), and the rest of its payload (the ` +
      `outline's and the subscription's own updates, the client's frames, with their envelopes) ${restTimes.toFixed(1)}× more. Whatever rows and queries ` +
      `stand behind the writes, w writes a second of r characters cost at least 1 + ${perWrite.toFixed(0)}·w / r times the answer: within ` +
      `${BYTES_TARGET_TIMES}× at this rate needs w ≤ ${maxRate.toFixed(1)} with nothing else sent, so half of the text would wait at least ` +
      `${ms(1000 / (2 * maxRate))} for its write (the argument above), and with this answer's rest ` +
      (allowed > 0 ? `at most ${allowed} write${allowed === 1 ? "" : "s"} in all.` : `no number of writes fits.`) +
      ` The two targets cannot both be met in payload at this token rate; on the wire, compression removes most of what repeats` +
      (bytesMet === results.length ? ` (the wire column meets the target).` : `, not all.`);
  }
  console.log(`\n${latencyTable}\n\n${writesTable}\n\n${breakdownTable}\n\n(${seconds.toFixed(0)} s in all)`);
  await updateSection(
    "AI",
    `Run on ${new Date().toISOString().slice(0, 10)} by \`node bench/ai/run.mjs\` (also part of \`npm run bench\`), in ${seconds.toFixed(0)} s
on this machine (${machine()} at the end): the real local backend (durable commits)
running convex/, the scripted Chat Completions server (tests/ai/scriptedProvider.ts) as the provider, and a
production build of the app (served by the backend on its own origin, as \`npm start\` does) open on the same project's chat in two headless
Chromium contexts (two clients, one user). The first sends; each provider chunk carries a unique marker, and a
MutationObserver in the second page records when the marker appears in its DOM. The page's clock is aligned to
the provider's by the round trip with the smallest delay (within about a millisecond).

**Token → DOM.** From the provider writing a chunk to its text being in the second browser's DOM. Target: p50
≤ ${LATENCY_TARGET_MS} ms (${verdict} it: ${ms(p50)} over all ${results.length} answers). References in the same run: the stock ConvexClient
in Node, subscribed as the chat UI is (messages.outline, ai/stream:latest of the streaming answer, messages.body of each message whose
text it does not hold) to the same answers, is the same path without the browser and React; the difference is the page's own cost (decoding,
rendering Markdown). A bare WebSocket pushing markers into the same page is the floor of the measurement itself
(clock alignment, socket, observer).

${latencyTable}

Why the target is ${verdict === "within" ? "met" : "not met"}: writes of streamed text start at least ${CHUNK_WRITE_INTERVAL_MS} ms apart
(\`CHUNK_WRITE_INTERVAL_MS\`, convex/ai/lib.ts), to stay within ${1000 / CHUNK_WRITE_INTERVAL_MS} writes per second. Text that arrives
steadily waits between 0 and one interval for the next write, so half of it waits more than ${CHUNK_WRITE_INTERVAL_MS / 2} ms; no
timing of the writes does better at that rate (lib.ts has the argument), and the first chunk of an answer, written at
once, is one of ${TYPICAL.chunks}. What the path adds after the write is the Node reference's p50 less that half interval:
${ms(nodeP50 - CHUNK_WRITE_INTERVAL_MS / 2)} in this run, under the load above. A p50 of ${LATENCY_TARGET_MS} ms at a steady token rate therefore needs more than
${1000 / CHUNK_WRITE_INTERVAL_MS} writes per second, which the writes target rules out.

**Writes and bytes.** The ${BYTES_TARGET_TIMES}× target is judged on the wire: bytes on the wire are what a user pays for, and the local backend compresses its sync
socket (permessage-deflate with context takeover, local-backend/src/server/index.ts \`SYNC_DEFLATE\`; negotiated with this Chromium
as \`${extensions}\`). On Convex cloud the transport is Convex's own, outside this project's control: these wire figures are the local
backend's; the payload figures hold for any backend speaking the same protocol. "Chunk writes" is the backend's own count (\`ai: answer … ended after N chunk writes\`),
over the provider's streaming time (first to last chunk); each answer also has the send and one final write.
The throttle starts the next write at least ${CHUNK_WRITE_INTERVAL_MS} ms after the previous one started, and the first goes out with the
first chunk, so a stream of *t* seconds carries at most ${1000 / CHUNK_WRITE_INTERVAL_MS}·*t* + 1. "Second browser, wire" is every byte
the backend's TCP socket of the second page's Convex connection sent and received (frame headers, compressed frames, pings) from the
send until the answer was final, as a multiple of the answer's size (target: ≤ ${BYTES_TARGET_TIMES}×, met by ${bytesMet} of the ${results.length}
answers); "Second browser, payload" is the same connection's WebSocket payload bytes both ways as the page decodes them (from the
DevTools protocol, which gives no wire sizes for WebSocket frames; ${payloadMet} of ${results.length} within ${BYTES_TARGET_TIMES}×);
"Node client received" is the payload the Node client (the \`ws\` client, also compressed) decoded. The scripted answers are numbered
markers (\`a1w0000 a1w0001 …\`), which compress far better than prose or code: the last column is the answer's text alone through the
same compressor. With real text its share of the wire is larger: the last column is the wire figure with the answer's compressed
text replaced by as many characters of prose (docs/architecture.md) through the same compressor, an estimate (the chunks are compressed
apart, against the frames before them, not as one text). The
whole-row rewrite is what the same writes would send if each rewrote messages.content and so re-sent
messages.list in full (computed from this run's list, which holds the earlier answers too).

${writesTable}

Where the second browser's bytes go, per answer: each query's updates (the value, with its journal when that changed), and the
rest (the Transition envelopes around them, and the client's own frames). While an answer streams the page holds
one subscription, ai/stream:latest, whose result is the newest chunk alone (convex/ai/stream.ts): each write
reaches it as one Transition carrying that write's text once, and no subscription is added or dropped until the
answer is final. What is left is fixed by the protocol: every Transition carries its two versions (the local
backend leaves the optional clock fields off all but a connection's first Transition and those that change its
identity: local-backend/src/server/protocol.ts), ${empty.toFixed(0)} bytes with nothing in it (the mean of this run's
${socket.emptyFrames.frames} Transitions that only moved the version), and the update around the chunk adds to that, so a write costs
${perWrite.toFixed(0)} bytes besides its text (the mean over the ${socket.writeFrames.frames} Transitions of this run that carried one write alone).
The list (messages.outline) is sent twice per answer, when it starts and when it is final, and holds the
conversation's newest page (10 to 20 messages: the backend splits it at twice the page size) without any text.
Each message's text is its own messages.body, read once, except an answer the page streamed: the final write
appends the answer's last text as one more chunk and the outline gives the number of chunks that make the answer
(\`streamedChunks\`), so a page that received them all shows them and never reads that body
(src/features/chat/streamedAnswers.ts): the answer's text crosses the socket once. The final write leaves the chunk
rows to a cleanup 30 s later, so the subscription the client drops on seeing the message final is not sent an
update first.

${breakdownTable}

**What compression costs the backend.** The ${cost.frames.toLocaleString("en")} frames the second page received in this run
(${kib(cost.payload)} of payload), replayed after it through one compressor with the backend's settings and context takeover, as
\`ws\` compresses a connection's frames: ${kib(cost.compressed)} out (${(cost.payload / Math.max(1, cost.compressed)).toFixed(1)}× smaller), in
${cost.cpuMs.toFixed(0)} ms of the process's CPU (${((cost.cpuMs * 1000) / Math.max(1, cost.frames)).toFixed(0)} µs a frame, an upper bound: it includes the replay loop),
under the load above. Each connection's compressor holds ${kib(cost.perConnection)} (zlib's allocations as V8 counts them, the mean over 200
compressors); one that receives compressed frames from its client holds an inflater besides.

${bytesWhy}
`,
  );
  console.log(`Wrote the "AI" section of docs/benchmarks.md.`);
}

const cleanups: (() => Promise<unknown>)[] = [];
let limitTimer: ReturnType<typeof setTimeout> | undefined;
const limit = new Promise<never>((_, reject) => {
  limitTimer = setTimeout(() => reject(new Error(`bench/ai took over ${TIME_LIMIT_MS / 1000} s; stopped.`)), TIME_LIMIT_MS);
});
let failed = false;
try {
  await Promise.race([main(cleanups), limit]);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  clearTimeout(limitTimer);
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}
process.exit(failed ? 1 : 0);
