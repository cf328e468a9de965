/// <reference types="node" />
import { ConvexClient } from "convex/browser";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { startBackend } from "../../local-backend/src/server/index.js";
import { ScriptedProvider } from "../../tests/ai/scriptedProvider.js";
import { updateSection } from "../docs.mjs";

// AI streaming figures: the bytes a subscribed client receives on the sync socket while one answer streams, as
// the chat UI subscribes (messages.list + the chunk pages), next to what rewriting messages.content at every step
// would send (computed from the same run's writes); and the delay from the provider writing a chunk to the
// client seeing its text. Prints a table and rewrites the "AI" section of docs/benchmarks.md. Not a test.

const CONVEX_DIR = fileURLToPath(new URL("../../convex", import.meta.url));
const PAGE_SIZE = 8;

let received = 0;
class CountingWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false });
    this.on("message", (data: Buffer) => {
      received += data.length;
    });
  }
}

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

async function runCase(
  client: ConvexClient,
  provider: ScriptedProvider,
  projectId: Id<"projects">,
  chunks: string[],
  delayMs: number,
) {
  const conversationId = await client.mutation(api.conversations.create, { projectId });
  // Warm up the subscription so its first result is not counted.
  let messages: { _id: string; status?: string; content: string }[] = [];
  const unsubscribeList = client.onUpdate(api.messages.list, { conversationId }, (value) => {
    messages = value;
  });
  while (received === 0) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200));

  provider.stream({ kind: "text", chunks, delayMs });
  const startBytes = received;
  const pages: { text: string; count: number }[] = [];
  const unsubscribes: (() => void)[] = [];
  const seenAt: { length: number; at: number }[] = [];
  const { assistantMessageId } = await client.mutation(api.messages.send, { conversationId, content: "Stream a long answer" });
  const streamedLength = () => pages.reduce((n, p) => n + p.text.length, 0);
  const subscribePage = (page: number) => {
    unsubscribes.push(
      client.onUpdate(api.ai.stream.chunks, { messageId: assistantMessageId, page }, (value) => {
        const wasFull = (pages[page]?.count ?? 0) >= PAGE_SIZE;
        pages[page] = value;
        seenAt.push({ length: streamedLength(), at: performance.now() });
        if (!wasFull && value.count >= PAGE_SIZE && pages.length === page + 1) subscribePage(page + 1);
      }),
    );
  };
  subscribePage(0);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const mine = messages.find((m) => m._id === assistantMessageId);
    if (mine && mine.status !== "processing") break;
    if (Date.now() > deadline) throw new Error("the answer did not finish in 2 minutes");
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  const bytes = received - startBytes;
  for (const unsubscribe of unsubscribes) unsubscribe();
  unsubscribeList();

  const request = provider.streamRequests().at(-1)!;
  const answer = chunks.join("");
  // Latency: for each provider chunk, the first client update whose streamed text covers it.
  const latencies: number[] = [];
  let covered = 0;
  request.chunkTimes.forEach((sentAt, i) => {
    covered += chunks[i].length;
    const seen = seenAt.find((s) => s.length >= covered && s.at >= sentAt);
    if (seen) latencies.push(seen.at - sentAt);
  });
  const writes = Math.max(1, seenAt.filter((s, i) => i === 0 || s.length > seenAt[i - 1].length).length);
  // The alternative: every write rewrites messages.content, so messages.list (user message + growing answer) is
  // re-sent in full each time. Its size at write k is about the list's JSON with k/writes of the answer.
  const listOverhead = JSON.stringify(messages).length - answer.length;
  let rewriteBytes = 0;
  for (let k = 1; k <= writes; k++) rewriteBytes += listOverhead + Math.round((answer.length * k) / writes);
  return { chars: answer.length, writes, bytes, rewriteBytes, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-bench-ai-"));
  const provider = await ScriptedProvider.start();
  const backend = await startBackend({ dataDir, convexDir: CONVEX_DIR, port: 0, durable: false, log: () => {} });
  try {
    await backend.engine.setEnv("POLARIS_AI_BASE_URL", provider.url);
    await backend.engine.setEnv("POLARIS_AI_MODEL", "bench-model");
    const res = await fetch(`${backend.url}/polaris/auth/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "bench-ai" }),
    });
    const { token } = (await res.json()) as { token: string };
    const client = new ConvexClient(backend.url, {
      webSocketConstructor: CountingWebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
      logger: false,
    });
    client.setAuth(async () => token);
    const projectId = await client.mutation(api.projects.create, { name: "AI bench" });
    const word = (i: number) => `token${i % 100} `;
    const cases = [
      { name: "short answer (200 chunks, 10 ms apart)", chunks: Array.from({ length: 200 }, (_, i) => word(i)), delayMs: 10 },
      { name: "long answer (3,000 chunks, 3 ms apart)", chunks: Array.from({ length: 3000 }, (_, i) => word(i)), delayMs: 3 },
    ];
    const rows: string[] = [];
    for (const c of cases) {
      const r = await runCase(client, provider, projectId, c.chunks, c.delayMs);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      rows.push(
        `| ${c.name} | ${r.chars.toLocaleString("en")} | ${r.writes} | ${kb(r.bytes)} | ${kb(r.rewriteBytes)} | ${r.p50.toFixed(0)} ms | ${r.p95.toFixed(0)} ms |`,
      );
      console.log(rows.at(-1));
    }
    await client.close();
    const table = [
      "| Answer | Characters | Client updates | Bytes received (chunks) | Whole-row rewrite (computed) | Chunk → client p50 | p95 |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
    ].join("\n");
    const when = new Date().toISOString().slice(0, 10);
    await updateSection(
      "AI",
      `Run on ${when} by \`node bench/ai/run.mjs\` (also part of \`npm run bench\`): the real local backend running
convex/, the scripted Chat Completions server (tests/ai/scriptedProvider.ts) as the provider, and the stock
Convex client subscribed as the chat UI is (messages.list plus the chunk pages of ai/stream:chunks). "Bytes
received" counts every WebSocket frame the client got from sending the message until the answer was final.
"Whole-row rewrite" is what the same number of writes would send if each rewrote messages.content and so
re-sent messages.list in full (computed from this run's list size). "Chunk → client" is the time from the
provider writing a chunk to the client holding its text; it is dominated by the 250 ms write throttle.

${table}
`,
    );
    console.log(`\n${table}\n\nWrote the "AI" section of docs/benchmarks.md.`);
  } finally {
    await backend.close();
    await provider.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
