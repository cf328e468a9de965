import type { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ScriptedProvider, type StreamScript } from "../../tests/ai/scriptedProvider";
import { ChunkAssembler } from "../../src/features/chat/chunkAssembler";
import { StreamedAnswers, textSource } from "../../src/features/chat/streamedAnswers";
import type { MessageOutline } from "../../convex/lib/validators";
import { listed } from "../../tests/listing";
import type { EngineImpl } from "../src/engine/engine.js";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "./helpers/backend";

// The assistant end to end: the real local backend runs the project's convex/ functions, the respond action
// streams from a real HTTP server speaking the Chat Completions protocol, and the test drives it through the
// stock Convex client as the SPA does.

let provider: ScriptedProvider;
let backend: TestBackend;
let client: ConvexClient;
let projectId: Id<"projects">;
let commits = 0;
const logs: string[] = [];

/** The number of chunk writes the respond action reported for a message (it logs one line per answer). */
function chunkWrites(messageId: string): number | undefined {
  const line = logs.find((l) => l.includes(`ai: answer ${messageId} ended after`));
  const match = line ? /after (\d+) chunk writes/.exec(line) : null;
  return match ? Number(match[1]) : undefined;
}

beforeAll(async () => {
  provider = await ScriptedProvider.start();
  backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, log: (line) => logs.push(line) });
  await backend.engine.setEnv("POLARIS_AI_BASE_URL", provider.url);
  await backend.engine.setEnv("POLARIS_AI_API_KEY", "test-key");
  await backend.engine.setEnv("POLARIS_AI_MODEL", "scripted-model");
  await backend.engine.setEnv("POLARIS_AI_IDLE_TIMEOUT_MS", "1500");
  backend.engine.onCommit(() => {
    commits++;
  });
  const { token } = await backend.signIn("ada");
  client = backend.client({ token });
  projectId = await client.mutation(api.projects.create, { name: "AI test" });
}, 60_000);

afterAll(async () => {
  await backend?.stop();
  await provider?.close();
});

beforeEach(() => {
  provider.requiredKey = null;
});

async function newConversation(): Promise<Id<"conversations">> {
  return client.mutation(api.conversations.create, { projectId });
}

/** The newest messages of a conversation (one page is plenty for these tests), oldest first. */
async function listMessages(conversationId: Id<"conversations">) {
  const { page } = await client.query(api.messages.list, { conversationId, paginationOpts: { numItems: 100, cursor: null } });
  return page.reverse();
}

/** The answer once the scheduled respond action (and whatever it scheduled) has run: the engine is idle, no polling. */
async function waitForFinal(conversationId: Id<"conversations">, messageId: Id<"messages">) {
  await (backend.engine as EngineImpl).idle();
  const message = (await listMessages(conversationId)).find((m) => m._id === messageId);
  if (!message || message.status === "processing") throw new Error(`message still processing: ${JSON.stringify(message)}`);
  return message;
}

async function ask(content: string, conversationId?: Id<"conversations">) {
  const conversation = conversationId ?? (await newConversation());
  const { assistantMessageId } = await client.mutation(api.messages.send, { conversationId: conversation, content });
  const message = await waitForFinal(conversation, assistantMessageId);
  return { conversationId: conversation, message };
}

async function fileByName(name: string) {
  const tree = await listed(client, projectId);
  return tree.find((f) => f.name === name);
}

describe("the assistant against a scripted provider", () => {
  it("streams a plain answer into the message, throttled, and titles the conversation", async () => {
    provider.stream({ kind: "text", chunks: Array.from({ length: 40 }, (_, i) => `word${i} `), delayMs: 25 });
    provider.complete({ kind: "text", content: '"Counting words."' });
    const before = commits;
    const { conversationId, message } = await ask("Count to forty, please");
    expect(message.status).toBe("completed");
    expect(message.content).toBe(Array.from({ length: 40 }, (_, i) => `word${i} `).join(""));
    // The throttle's rate (≤ 5 writes per second) is WriteThrottle's, unit-tested on explicit times in
    // convex/ai/lib.test.ts; here: far fewer chunk writes than the 40 chunks received (25 ms apart, so 1 s of text
    // allows at most 6), and everything else the answer commits is a small constant (send, scheduling, finalize, title).
    await expect.poll(() => chunkWrites(message._id)).toBeDefined();
    const writes = chunkWrites(message._id)!;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(20);
    expect(commits - before).toBeLessThanOrEqual(writes + 8);
    const request = provider.streamRequests().at(-1)!;
    expect(request.authorization).toBe("Bearer test-key");
    expect(request.body.model).toBe("scripted-model");
    expect(request.body.messages[0].role).toBe("system");
    expect(request.body.messages.at(-1)).toEqual({ role: "user", content: "Count to forty, please" });
    expect(request.body.tools?.map((t) => t.function.name)).toContain("edit_file");
    await expect
      .poll(async () => (await client.query(api.conversations.list, { projectId })).find((c) => c._id === conversationId)?.title)
      .toBe("Counting words");
    // The chunk rows outlive the final write, so a subscriber that drops its subscription on seeing the message
    // final is not sent an update first (convex/ai/data.test.ts checks the scheduled cleanup that removes them).
    const streamed = await client.query(api.ai.stream.range, { messageId: message._id, from: 0, to: 1000 });
    expect(streamed.length).toBeGreaterThan(0);
    expect(message.content.startsWith(streamed.map((c) => c.text).join(""))).toBe(true);
  });

  it("hands a subscriber of ai/stream:latest each streamed chunk once, which with range reads make the answer", async () => {
    const chunks = Array.from({ length: 60 }, (_, i) => `piece${i} `);
    provider.stream({ kind: "text", chunks, delayMs: 15 });
    const conversationId = await newConversation();
    const { assistantMessageId: messageId } = await client.mutation(api.messages.send, { conversationId, content: "pieces" });
    // A second connection, as a second browser: it only listens.
    const watcher = backend.client({ token: (await backend.signIn("ada")).token });
    const assembled = new ChunkAssembler();
    const delivered: number[] = [];
    const stop = watcher.onUpdate(api.ai.stream.latest, { messageId }, (chunk) => {
      if (chunk === null) return;
      delivered.push(chunk.seq);
      assembled.add(chunk.seq, chunk.text);
    });
    const message = await waitForFinal(conversationId, messageId);
    stop();
    // What the subscription missed (it may start after the first writes, updates may merge, and it stopped when the
    // message was final, maybe before the last chunk reached it) is read once.
    for (let from = assembled.known; from < message.streamedChunks!; from = assembled.known) {
      for (const row of await watcher.query(api.ai.stream.range, { messageId, from, to: message.streamedChunks! })) {
        assembled.add(row.seq, row.text);
      }
    }
    await watcher.close();
    const writes = chunkWrites(messageId)!;
    expect(writes).toBeGreaterThan(1);
    // No chunk came twice: each write's text crossed the socket once (a page of chunks would repeat them).
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.length).toBeGreaterThan(0);
    // The final write appends the text still pending at the end as one more chunk: the chunks are the answer.
    expect(assembled.known).toBe(writes + 1);
    expect(message.streamedChunks).toBe(writes + 1);
    expect(assembled.text()).toBe(message.content);
  });

  it("hands a second client reading as the chat does (streamedAnswers.ts) each piece of the answer once, the end included", async () => {
    // Every piece carries a marker, so the watcher's socket can be searched for how often each crossed it.
    const chunks = Array.from({ length: 60 }, (_, i) => `mark${String(i).padStart(3, "0")} `);
    const conversationId = await newConversation();
    const frames: string[] = [];
    class CountingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.on("message", (data: Buffer) => frames.push(data.toString("utf8")));
      }
    }
    const watcher = backend.client({ token: (await backend.signIn("ada")).token, webSocket: CountingWebSocket });
    // The chat's reads: the outline; per message its stream while it is written, its body unless the text is held.
    const answers = new StreamedAnswers();
    const subscribed = new Map<string, "stream" | "body">();
    const stops: (() => void)[] = [];
    const bodies = new Map<string, string>();
    let outline: MessageOutline[] = [];
    const follow = () => {
      for (const m of outline) {
        const source = textSource(m, answers);
        if (source.from === "held" || subscribed.get(m._id) === source.from) continue;
        subscribed.set(m._id, source.from);
        if (source.from === "body") {
          stops.push(watcher.onUpdate(api.messages.body, { messageId: m._id }, (b) => b && bodies.set(m._id, b.content)));
        } else {
          // As useStreamingText: the newest chunk from the subscription, chunks it skipped read once with range.
          const assembled = new ChunkAssembler();
          const fill = async () => {
            for (let gap = assembled.gap(); gap !== null; gap = assembled.gap()) {
              for (const row of await watcher.query(api.ai.stream.range, { messageId: m._id, ...gap })) assembled.add(row.seq, row.text);
              answers.set(m._id, assembled.known, assembled.text());
            }
          };
          stops.push(
            watcher.onUpdate(api.ai.stream.latest, { messageId: m._id }, (chunk) => {
              if (chunk === null) return;
              assembled.add(chunk.seq, chunk.text);
              answers.set(m._id, assembled.known, assembled.text());
              void fill();
            }),
          );
        }
      }
    };
    stops.push(
      watcher.onUpdate(api.messages.outline, { conversationId, paginationOpts: { numItems: 10, cursor: null } }, (result) => {
        outline = result.page;
        // After every callback of this update (as React renders after them): the stream's last piece comes with it.
        queueMicrotask(follow);
      }),
    );
    await expect.poll(() => frames.some((f) => f.includes('"Transition"'))).toBe(true);
    provider.stream({ kind: "text", chunks, delayMs: 15 });
    const { assistantMessageId: messageId } = await client.mutation(api.messages.send, { conversationId, content: "marks" });
    const message = await waitForFinal(conversationId, messageId);
    await expect.poll(() => outline.find((m) => m._id === messageId)?.status).toBe("completed");
    await expect.poll(() => answers.complete(messageId, message.streamedChunks)).toBe(message.content);
    stops.forEach((stop) => stop());
    await watcher.close();
    expect(message.streamedChunks).toBe(chunkWrites(messageId)! + 1);
    // The answer is held whole from its stream, and nothing read its text again.
    expect(subscribed.get(messageId)).toBe("stream");
    expect(bodies.has(messageId)).toBe(false);
    const received = frames.join("");
    const crossings = chunks.map((c) => received.split(c.trim()).length - 1);
    expect(crossings).toEqual(chunks.map(() => 1));
  });

  it("sends a streamed answer to a second client compressed (permessage-deflate): its wire bytes are a fraction of the payload", async () => {
    // Payload: the sync messages as the client decodes them. Wire: what its TCP socket read after the handshake
    // (frame headers, compressed payloads, the server's pings). Without compression the wire is the payload plus
    // a few bytes of header per frame; with it each Transition is mostly a repeat of the one before.
    const chunks = Array.from({ length: 120 }, (_, i) => `token${String(i).padStart(3, "0")} `);
    const conversationId = await newConversation();
    let payload = 0;
    let socket: { bytesRead: number } | null = null;
    let readAtOpen = 0;
    let extensions = "";
    class WireCountingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.on("open", () => {
          socket = (this as unknown as { _socket: { bytesRead: number } })._socket;
          readAtOpen = socket.bytesRead;
          extensions = this.extensions;
        });
        this.on("message", (data: Buffer) => (payload += data.length));
      }
    }
    const watcher = backend.client({ token: (await backend.signIn("ada")).token, webSocket: WireCountingWebSocket });
    provider.stream({ kind: "text", chunks, delayMs: 15 });
    const { assistantMessageId: messageId } = await client.mutation(api.messages.send, { conversationId, content: "tokens" });
    const seqs: number[] = [];
    const stop = watcher.onUpdate(api.ai.stream.latest, { messageId }, (chunk) => chunk && seqs.push(chunk.seq));
    const message = await waitForFinal(conversationId, messageId);
    await expect.poll(() => seqs.at(-1)).toBe(message.streamedChunks! - 1);
    stop();
    const wire = socket!.bytesRead - readAtOpen;
    await watcher.close();
    expect(seqs.length).toBeGreaterThan(3);
    expect(wire).toBeGreaterThan(0);
    expect(wire * 2).toBeLessThan(payload);
    expect(extensions).toContain("permessage-deflate");
  });

  it("sends the conversation history on the next turn", async () => {
    provider.stream({ kind: "text", chunks: ["First answer."] });
    const { conversationId } = await ask("First question");
    provider.stream({ kind: "text", chunks: ["Second answer."] });
    await ask("Second question", conversationId);
    const roles = provider.streamRequests().at(-1)!.body.messages.map((m) => [m.role, m.content]);
    expect(roles.slice(1)).toEqual([
      ["user", "First question"],
      ["assistant", "First answer."],
      ["user", "Second question"],
    ]);
  });

  it("runs tool calls that create, edit, read, move and delete files, with activity lines", async () => {
    provider.stream(
      { kind: "tools", text: "I'll set things up.", calls: [{ name: "create_file", arguments: { path: "src/util.ts", content: "export const a = 1;\nexport const b = 2;\n" } }] },
      { kind: "tools", calls: [{ name: "edit_file", arguments: { path: "src/util.ts", old_text: "const b = 2", new_text: "const b = 3" } }] },
      { kind: "tools", calls: [{ name: "edit_file", arguments: { path: "src/util.ts", old_text: "export const", new_text: "x" } }] },
      {
        kind: "tools",
        calls: [
          { name: "create_file", arguments: { path: "tmp.txt", content: "bye" } },
          { name: "move_file", arguments: { from: "tmp.txt", to: "src/old.txt" } },
          { name: "delete_file", arguments: { path: "src/old.txt" } },
          { name: "read_file", arguments: { path: "../outside.txt" } },
        ],
      },
      { kind: "text", chunks: ["Done: ", "b is 3 now."] },
    );
    const { message } = await ask("Create util.ts and set b to 3");
    expect(message.status).toBe("completed");
    expect(message.content).toBe("I'll set things up.\n\nDone: b is 3 now.");
    const util = await fileByName("util.ts");
    expect(util).toBeDefined();
    const file = await client.query(api.files.get, { fileId: util!._id });
    expect(file.content).toBe("export const a = 1;\nexport const b = 3;\n");
    expect(await fileByName("old.txt")).toBeUndefined();
    expect(await fileByName("tmp.txt")).toBeUndefined();
    const activity = message.activity ?? [];
    expect(activity.map((a) => [a.tool, a.target, a.ok])).toEqual([
      ["create_file", "src/util.ts", true],
      ["edit_file", "src/util.ts", true],
      ["edit_file", "src/util.ts", false],
      ["create_file", "tmp.txt", true],
      ["move_file", "tmp.txt → src/old.txt", true],
      ["delete_file", "src/old.txt", true],
      ["read_file", "../outside.txt", false],
    ]);
    expect(activity[0].offset).toBe("I'll set things up.".length);
    expect(activity[2].detail).toContain("occurs 2 times");
    // The model was told about the failed edit and the invalid path.
    const toolMessages = provider.streamRequests().at(-1)!.body.messages.filter((m) => m.role === "tool");
    expect(toolMessages.map((m) => m.content)).toContain("Error: old_text occurs 2 times in the file. Include more surrounding lines so it matches exactly once.");
    expect(toolMessages.at(-1)?.content).toContain("not a valid project path");
  });

  it("a refused tool call changes nothing, and move_file renames into a folder that holds the old name", async () => {
    const project = await client.mutation(api.projects.create, { name: "Tool rollback" });
    const dst = await client.mutation(api.files.createFolder, { projectId: project, name: "dst" });
    await client.mutation(api.files.createFile, { projectId: project, name: "a.txt", content: "A" });
    const b = await client.mutation(api.files.createFile, { projectId: project, name: "b.txt", content: "B" });
    await client.mutation(api.files.createFile, { projectId: project, parentId: dst, name: "taken.txt", content: "T" });
    const dstB = await client.mutation(api.files.createFile, { projectId: project, parentId: dst, name: "b.txt", content: "old B" });
    const paths = async () => {
      const tree = await listed(client, project);
      const byId = new Map(tree.map((f) => [f._id, f]));
      const pathOf = (id: Id<"files">): string => {
        const f = byId.get(id)!;
        return f.parentId === undefined ? f.name : `${pathOf(f.parentId)}/${f.name}`;
      };
      return new Map(tree.map((f) => [pathOf(f._id), f._id]));
    };
    const before = await paths();
    provider.stream(
      {
        kind: "tools",
        calls: [
          { name: "move_file", arguments: { from: "a.txt", to: "dst/taken.txt" } },
          { name: "create_file", arguments: { path: "fresh/deep/bad\u0001.txt", content: "x" } },
        ],
      },
      { kind: "tools", calls: [{ name: "move_file", arguments: { from: "b.txt", to: "dst/free.txt" } }] },
      { kind: "text", chunks: ["Done."] },
    );
    const conversationId = await client.mutation(api.conversations.create, { projectId: project });
    const { message } = await ask("Tidy up", conversationId);
    expect(message.status).toBe("completed");
    expect((message.activity ?? []).map((a) => [a.tool, a.target, a.ok])).toEqual([
      ["move_file", "a.txt", false],
      ["create_file", "fresh/deep/bad\u0001.txt", false],
      ["move_file", "b.txt → dst/free.txt", true],
    ]);
    expect(message.activity?.[0].detail).toContain('"taken.txt" already exists');
    const after = await paths();
    // The refused calls left no trace: a.txt did not move, and no parent folder of the refused file remains.
    expect(after.get("a.txt")).toBe(before.get("a.txt"));
    expect(after.has("dst/a.txt")).toBe(false);
    expect([...after.keys()].filter((p) => p.startsWith("fresh"))).toEqual([]);
    // The valid move with rename happened in one step, leaving dst/b.txt alone.
    expect(after.get("dst/free.txt")).toBe(b);
    expect(after.get("dst/b.txt")).toBe(dstB);
    expect(after.has("b.txt")).toBe(false);
    expect((await client.query(api.files.get, { fileId: b })).content).toBe("B");
  });

  it("keeps the provider's address and raw error text out of the message and in the server log", async () => {
    provider.stream({ kind: "status", status: 400, message: "Unsupported parameter for key test-key-0123456789abcdef at http://internal.example/v1" });
    const { message } = await ask("hello");
    expect(message.content).toBe("⚠ The configured AI provider rejected the request (400): Unsupported parameter for key [redacted] at [url].");
    expect(message.content).not.toContain(provider.url);
    await expect.poll(() => logs.find((l) => l.includes(`provider request to ${provider.url} (model scripted-model) failed, status 400`))).toBeDefined();
  });

  it("shares the open file and selection with the assistant", async () => {
    const conversationId = await newConversation();
    const fileId = await client.mutation(api.files.createFile, { projectId, name: "shared.py", content: "print('hello')\nx = 1\n" });
    await client.mutation(api.ai.context.share, { conversationId, fileId, selection: { from: 0, to: 14 } });
    provider.stream({ kind: "text", chunks: ["It prints hello."] });
    await ask("What does the selection do?", conversationId);
    const system = provider.streamRequests().at(-1)!.body.messages[0].content ?? "";
    expect(system).toContain("shared.py");
    expect(system).toContain("print('hello')\nx = 1");
    expect(system).toContain("characters 0–14");
  });

  it.each([
    [401, "⚠ The configured AI provider refused the API key (401). Check POLARIS_AI_API_KEY."],
    [429, "(429)"],
    [500, "internal error (500)"],
  ])("ends with a readable error on HTTP %i", async (status, text) => {
    provider.stream({ kind: "status", status });
    const { message } = await ask("hello");
    expect(message.status).toBe("completed");
    expect(message.content).toContain(text);
    expect(message.content.startsWith("⚠")).toBe(true);
  });

  it.each([
    ["malformed", { kind: "malformed", before: ["Partial "] }, "malformed response"],
    ["cut", { kind: "cut", before: ["Partial "] }, "connection to the configured AI provider was cut"],
    ["timeout", { kind: "hang", before: ["Partial "] }, "timed out"],
  ] satisfies [string, StreamScript, string][])("keeps the partial text and appends an error when the stream is %s", async (_name, script, text) => {
    provider.stream(script);
    const { message } = await ask("hello");
    expect(message.status).toBe("completed");
    expect(message.content.startsWith("Partial \n\n⚠")).toBe(true);
    expect(message.content).toContain(text);
  });

  it("stops after a cancel, keeping the partial text, and hangs up on the provider", async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => `t${i} `);
    provider.stream({ kind: "text", chunks, delayMs: 30 });
    const conversationId = await newConversation();
    const { assistantMessageId } = await client.mutation(api.messages.send, { conversationId, content: "long answer" });
    await expect.poll(async () => (await client.query(api.ai.stream.latest, { messageId: assistantMessageId }))?.seq ?? -1, { timeout: 5000 }).toBeGreaterThan(0);
    const requestIndex = provider.requests.length - 1;
    await client.mutation(api.messages.cancel, { messageId: assistantMessageId });

    const message = await waitForFinal(conversationId, assistantMessageId);
    expect(message.status).toBe("cancelled");
    await expect.poll(async () => (await listMessages(conversationId)).find((m) => m._id === assistantMessageId)?.content.length ?? 0).toBeGreaterThan(0);
    // The action reads the status at every write and at least every 500 ms without one (WriteThrottle, unit-tested
    // on explicit times): it sees the cancel and aborts the provider request.
    await expect.poll(() => provider.requests[requestIndex].aborted).toBe(true);
    const final = (await listMessages(conversationId)).find((m) => m._id === assistantMessageId)!;
    expect(chunks.join("").startsWith(final.content)).toBe(true);
    expect(final.content.length).toBeLessThan(chunks.join("").length);
  });

  it("tells a subscribed client at once when the provider is set or removed, naming only the model", async () => {
    const seen: { configured: boolean; model: string | null }[] = [];
    let wake = () => {};
    const unsubscribe = client.onUpdate(api.ai.status.provider, {}, (status) => {
      seen.push(status);
      wake();
    });
    const next = (configured: boolean) =>
      new Promise<void>((resolve) => {
        wake = () => seen.at(-1)?.configured === configured && resolve();
        wake();
      });
    try {
      await next(true);
      expect(seen.at(-1)).toEqual({ configured: true, model: "scripted-model" });
      await backend.engine.setEnv("POLARIS_AI_MODEL", null);
      await next(false);
      expect(seen.at(-1)).toEqual({ configured: false, model: null });
    } finally {
      await backend.engine.setEnv("POLARIS_AI_MODEL", "scripted-model");
    }
    await next(true);
    unsubscribe();
  });

  it("explains how to configure a provider when none is set", async () => {
    await backend.engine.setEnv("POLARIS_AI_MODEL", null);
    try {
      const { message } = await ask("hello");
      expect(message.status).toBe("completed");
      expect(message.content).toContain("No AI provider is configured");
      expect(message.content).toContain("POLARIS_AI_MODEL");
    } finally {
      await backend.engine.setEnv("POLARIS_AI_MODEL", "scripted-model");
    }
  });

  it("a subscribed newest page of messages takes in each new exchange and asks to be split at twice its size", async () => {
    // What usePaginatedQuery relies on: the first page's end is pinned by its journal, so new messages join it
    // (none slips between it and an older page loaded later), and the backend recommends a split once it holds
    // twice the page size, which keeps each re-send bounded.
    await backend.engine.setEnv("POLARIS_AI_MODEL", null);
    const conversationId = await newConversation();
    const seen: { ids: string[]; pageStatus?: string | null; splitCursor?: string | null }[] = [];
    const stop = client.onUpdate(
      api.messages.list,
      { conversationId, paginationOpts: { numItems: 4, cursor: null } },
      (result) => seen.push({ ids: result.page.map((m) => m._id), pageStatus: result.pageStatus, splitCursor: result.splitCursor }),
    );
    try {
      const ids: string[] = [];
      for (const content of ["one", "two", "three", "four"]) {
        const sent = await client.mutation(api.messages.send, { conversationId, content });
        ids.unshift(sent.userMessageId, sent.assistantMessageId);
        await waitForFinal(conversationId, sent.assistantMessageId);
        if (content === "one") await expect.poll(() => seen.at(-1)?.ids.length).toBe(2);
        if (content === "two") await expect.poll(() => seen.at(-1)?.ids).toEqual([ids[1], ids[0], ids[3], ids[2]]);
      }
      // Four exchanges: the page grew past its initial four messages to all eight, instead of sliding.
      await expect.poll(() => seen.at(-1)?.ids.length).toBe(8);
      expect(seen.at(-1)?.pageStatus).toBe("SplitRecommended");
      expect(typeof seen.at(-1)?.splitCursor).toBe("string");
      expect(seen.some((s) => s.ids.length > 4 && s.ids.length < 8 && s.pageStatus === "SplitRecommended")).toBe(false);
    } finally {
      stop();
      await backend.engine.setEnv("POLARIS_AI_MODEL", "scripted-model");
    }
  });

  it("suggests completions and quick edits for the owner only", async () => {
    const fileId = await client.mutation(api.files.createFile, { projectId, name: "suggest.ts", content: "const x = " });
    provider.complete({ kind: "text", content: "42;" });
    expect(await client.action(api.ai.suggest.complete, { projectId, fileId, prefix: "const x = ", suffix: "" })).toBe("42;");
    provider.complete({ kind: "text", content: "```ts\nconst y = 2;\n```" });
    expect(await client.action(api.ai.quickEdit.run, { projectId, fileId, selection: "const y = 1;", instruction: "make it 2" })).toBe("const y = 2;");
    const quickEditPrompt = provider.requests.at(-1)!.body.messages[1].content;
    expect(quickEditPrompt).toContain("make it 2");

    const { token } = await backend.signIn("mallory");
    const other = backend.client({ token });
    const calls = provider.requests.length;
    await expect(other.action(api.ai.suggest.complete, { projectId, fileId, prefix: "a", suffix: "" })).rejects.toThrow(/does not exist/);
    await expect(other.action(api.ai.quickEdit.run, { projectId, fileId, selection: "a", instruction: "b" })).rejects.toThrow(/does not exist/);
    expect(provider.requests.length).toBe(calls);
  });
});
