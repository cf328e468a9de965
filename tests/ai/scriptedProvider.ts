import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A real HTTP server on 127.0.0.1 that speaks the Chat Completions protocol (streaming SSE and plain JSON), so
// the assistant is tested through the real `openai` client, sockets and all. Each request takes the next
// script from a queue (streamed and non-streamed requests have separate queues); an empty queue answers with a
// default. Every request body is recorded, and so is whether the client hung up before the response ended.

export type ToolCallScript = { name: string; arguments: Record<string, unknown> | string };

export type StreamScript =
  /** A streamed answer, one SSE event per chunk, `delayMs` apart. */
  | { kind: "text"; chunks: string[]; delayMs?: number }
  /** A round that streams optional text and then tool calls (arguments split over several chunks). */
  | { kind: "tools"; calls: ToolCallScript[]; text?: string }
  /** An HTTP error with an OpenAI-style error body. */
  | { kind: "status"; status: number; message?: string }
  /** Streams `before`, then an event whose data is not JSON. */
  | { kind: "malformed"; before?: string[] }
  /** Streams `before`, then destroys the socket (no [DONE], no finish reason). */
  | { kind: "cut"; before?: string[] }
  /** Streams `before`, then sends nothing more and keeps the connection open. */
  | { kind: "hang"; before?: string[] };

export type CompleteScript = ({ kind: "text"; content: string } | { kind: "status"; status: number; message?: string }) & {
  /**
   * Serve this script only to a request it matches (others skip it and get the next match or the default). A
   * provider shared by a whole test run sees requests from every test that has the AI configured, such as
   * editor suggestions in a parallel worker; a conversation title must not be handed to one of those.
   */
  when?: (body: RecordedRequest["body"]) => boolean;
};

export interface RecordedRequest {
  body: {
    model: string;
    stream?: boolean;
    messages: { role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
    tools?: { function: { name: string } }[];
    [key: string]: unknown;
  };
  authorization: string | undefined;
  /** True when the client closed the connection before the response was complete. */
  aborted: boolean;
  /** performance.now() when each streamed text chunk was written, in order. */
  chunkTimes: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ScriptedProvider {
  readonly requests: RecordedRequest[] = [];
  private readonly streamQueue: StreamScript[] = [];
  private readonly completeQueue: CompleteScript[] = [];
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();
  defaultStream: StreamScript = { kind: "text", chunks: ["OK"] };
  defaultComplete: CompleteScript = { kind: "text", content: "Scripted title" };
  /** When set, requests whose Authorization header differs get a 401. */
  requiredKey: string | null = null;
  private counter = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
  }

  static async start(): Promise<ScriptedProvider> {
    const provider = new ScriptedProvider();
    await new Promise<void>((resolve) => provider.server.listen(0, "127.0.0.1", resolve));
    return provider;
  }

  /** Base URL to configure as POLARIS_AI_BASE_URL. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  stream(...scripts: StreamScript[]) {
    this.streamQueue.push(...scripts);
  }

  /** True for the request that names a conversation (the system prompt of convex/ai/chat.ts's title step). */
  static isTitleRequest(this: void, body: RecordedRequest["body"]): boolean {
    return body.messages.some((m) => m.role === "system" && typeof m.content === "string" && m.content.includes("Write a title"));
  }

  complete(...scripts: CompleteScript[]) {
    this.completeQueue.push(...scripts);
  }

  streamRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.body.stream === true);
  }

  async close() {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      sendError(res, 404, `no route ${req.method} ${req.url}`);
      return;
    }
    const record: RecordedRequest = { body: JSON.parse(raw) as RecordedRequest["body"], authorization: req.headers.authorization, aborted: false, chunkTimes: [] };
    this.requests.push(record);
    this.open.add(res);
    res.on("close", () => {
      this.open.delete(res);
      if (!res.writableFinished) record.aborted = true;
    });
    if (this.requiredKey !== null && req.headers.authorization !== `Bearer ${this.requiredKey}`) {
      sendError(res, 401, "Incorrect API key provided.");
      return;
    }
    if (record.body.stream === true) {
      await this.runStream(res, this.streamQueue.shift() ?? this.defaultStream, record);
    } else {
      const index = this.completeQueue.findIndex((script) => script.when?.(record.body) ?? true);
      const script = index === -1 ? this.defaultComplete : this.completeQueue.splice(index, 1)[0];
      if (script.kind === "status") sendError(res, script.status, script.message ?? `scripted ${script.status}`);
      else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: `cmpl-${++this.counter}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: record.body.model,
            choices: [{ index: 0, message: { role: "assistant", content: script.content }, finish_reason: "stop" }],
          }),
        );
      }
    }
  }

  private async runStream(res: ServerResponse, script: StreamScript, record: RecordedRequest) {
    const model = record.body.model;
    if (script.kind === "status") {
      sendError(res, script.status, script.message ?? `scripted ${script.status}`);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const id = `chatcmpl-${++this.counter}`;
    const send = (delta: Record<string, unknown>, finishReason: string | null = null) => {
      if (res.destroyed) return;
      const chunk = {
        id,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, delta, finish_reason: finishReason }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    };
    const done = () => {
      if (res.destroyed) return;
      res.write("data: [DONE]\n\n");
      res.end();
    };
    send({ role: "assistant", content: "" });
    switch (script.kind) {
      case "text":
        for (const text of script.chunks) {
          if (script.delayMs) await sleep(script.delayMs);
          if (res.destroyed) return;
          send({ content: text });
          record.chunkTimes.push(performance.now());
        }
        send({}, "stop");
        done();
        return;
      case "tools": {
        if (script.text) send({ content: script.text });
        script.calls.forEach((call, index) => {
          const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
          const half = Math.floor(args.length / 2);
          send({ tool_calls: [{ index, id: `call_${this.counter}_${index}`, type: "function", function: { name: call.name, arguments: "" } }] });
          send({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] });
          send({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] });
        });
        send({}, "tool_calls");
        done();
        return;
      }
      case "malformed":
        for (const text of script.before ?? []) send({ content: text });
        res.write("data: {this is not json\n\n");
        await sleep(20);
        done();
        return;
      case "cut":
        for (const text of script.before ?? []) send({ content: text });
        await sleep(50);
        res.socket?.destroy();
        return;
      case "hang":
        for (const text of script.before ?? []) send({ content: text });
        return;
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendError(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "scripted_error", code: status } }));
}
