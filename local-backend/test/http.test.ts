import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEngine } from "../src/engine/index.js";
import { normalizePublicUrl } from "../src/server/index.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
import { spawnServe } from "./helpers/spawn.js";

const send = makeFunctionReference<"mutation", { body: string }, number>("messages:send");
const list = makeFunctionReference<"query", Record<string, never>, { author: string; body: string }[]>("messages:list");
const failing = makeFunctionReference<"query", Record<string, never>, null>("messages:failing");
const generateUploadUrl = makeFunctionReference<"mutation", Record<string, never>, string>("files:generateUploadUrl");
const fileUrl = makeFunctionReference<"query", { storageId: string }, string | null>("files:url");

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${backend.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("HTTP API", () => {
  it("runs functions for ConvexHttpClient, with auth", async () => {
    const client = new ConvexHttpClient(backend.url);
    client.setAuth((await backend.signIn("Hana")).token);
    expect(await client.mutation(send, { body: "over http" })).toBe(9);
    expect(await client.query(list, {})).toContainEqual({ author: "Hana", body: "over http" });
    const error = await client.query(failing, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data.code).toBe("NOPE");
    // consistentQuery goes through /api/query_ts and /api/query_at_ts.
    expect(await client.consistentQuery(list, {})).toContainEqual({ author: "Hana", body: "over http" });
  });

  it("answers in Convex's shapes: 200 success, 560 function error, /api/function with bare args", async () => {
    const ok = await post("/api/query", { path: "messages:list", format: "convex_encoded_json", args: [{}] });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "success", logLines: [] });
    const failed = await post("/api/query", { path: "messages:failing", format: "convex_encoded_json", args: [{}] });
    expect(failed.status).toBe(560);
    const body = (await failed.json()) as Record<string, any>;
    expect(body.status).toBe("error");
    expect(body.errorData).toEqual({ code: "NOPE", message: "this query always fails" });
    expect(typeof body.errorMessage).toBe("string");
    const missing = await post("/api/query", { path: "messages:nope", args: [{}] });
    expect(missing.status).toBe(560);
    const fn = await post("/api/function", { path: "messages:send", format: "convex_encoded_json", args: { body: "abc" } });
    expect(await fn.json()).toMatchObject({ status: "success", value: 3 });
    const action = await post("/api/function", { path: "messages:echo", args: { value: "e" } });
    expect(await action.json()).toMatchObject({ status: "success", value: "e" });
    const ts = (await (await post("/api/query_ts", {})).json()) as { ts: string };
    expect(ts.ts).toMatch(/^\d+$/);
  });

  it("answers /api/query_at_ts at its timestamp, or refuses with the reason", async () => {
    const at = async (udfPath: string, ts: unknown, args: unknown = {}) => {
      const res = await post("/api/query_at_ts", { path: udfPath, args: [args], ts });
      return { status: res.status, body: (await res.json()) as { value?: unknown; message?: string } };
    };
    const { ts } = (await (await post("/api/query_ts", {})).json()) as { ts: string };
    const before = await at("messages:list", ts);
    expect(before.status).toBe(200);
    const counterBefore = await at("messages:counter", ts, { name: "query-at-ts" });
    expect(counterBefore.status).toBe(200);

    await post("/api/mutation", { path: "messages:send", args: [{ body: "after the timestamp" }] });
    // The list read the messages table, which changed after ts: its current answer is not the answer at ts.
    const changed = await at("messages:list", ts);
    expect(changed.status).toBe(409);
    expect(changed.body.message).toMatch(/cannot answer messages:list at ts .*changed after that/);
    // The counter read nothing that changed: its answer now is its answer at ts.
    expect(await at("messages:counter", ts, { name: "query-at-ts" })).toEqual(counterBefore);

    const future = await at("messages:list", (BigInt(ts) + 10n ** 12n).toString());
    expect(future.status).toBe(400);
    expect(future.body.message).toMatch(/after the latest commit/);
    expect((await at("messages:list", undefined)).status).toBe(400);
    const fresh = (await (await post("/api/query_ts", {})).json()) as { ts: string };
    expect((await at("messages:list", fresh.ts)).body.value).toContainEqual({ author: "anonymous", body: "after the timestamp" });
  });

  it.each([
    ["{not json", /not valid JSON/],
    [[1, 2], /must be a JSON object/],
    [{ args: [{}] }, /"path"/],
    [{ path: "messages:list", args: {} }, /array holding one arguments object/],
    [{ path: "messages:list", args: [{}], format: "xml" }, /Unsupported "format"/],
  ])("refuses the malformed body %j with 400", async (body, message) => {
    const res = await post("/api/query", body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it("refuses a malformed Authorization header with 401", async () => {
    const res = await post("/api/query", { path: "messages:list", args: [{}] }, { Authorization: "Basic abc" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/Bearer/);
  });

  it("stores an upload and serves it back with its content type", async () => {
    const client = new ConvexHttpClient(backend.url);
    const uploadUrl = await client.mutation(generateUploadUrl, {});
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const res = await fetch(uploadUrl, { method: "POST", headers: { "Content-Type": "image/x-test" }, body: bytes });
    expect(res.status).toBe(200);
    const { storageId } = (await res.json()) as { storageId: string };
    const again = await fetch(uploadUrl, { method: "POST", body: bytes });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { message: string }).message).toMatch(/already used/);
    const url = await client.query(fileUrl, { storageId });
    const blob = await fetch(url!);
    expect(blob.status).toBe(200);
    expect(blob.headers.get("content-type")).toBe("image/x-test");
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
    expect((await fetch(`${backend.url}/api/storage/nope`)).status).toBe(404);
  });

  it("routes other paths to HTTP actions, 404 when none matches", async () => {
    const hello = await fetch(`${backend.url}/hello`);
    expect(hello.status).toBe(200);
    expect(await hello.text()).toMatch(/^hello GET/);
    const missing = await fetch(`${backend.url}/no-such-route`);
    expect(missing.status).toBe(404);
  });

  it("hands the app's HTTP routes every origin, preflights included, as Convex cloud does", async () => {
    const origin = "https://app.example";
    const preflight = await fetch(`${backend.url}/echo`, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    const posted = await fetch(`${backend.url}/echo`, { method: "POST", headers: { Origin: origin }, body: "hi" });
    expect(posted.status).toBe(200);
    expect(posted.headers.get("access-control-allow-origin")).toBe(origin);
    expect(await posted.text()).toBe("echo hi");
    // The backend's own endpoints still refuse that origin.
    const upload = await fetch(`${backend.url}/api/storage/upload`, { method: "POST", headers: { Origin: origin }, body: "x" });
    expect(upload.status).toBe(403);
  });

  it("answers CORS preflights for loopback pages and refuses other origins and hosts", async () => {
    const preflight = await fetch(`${backend.url}/api/mutation`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://127.0.0.1:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, convex-client",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:5173");
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Convex-Client/);
    const foreign = await post("/api/mutation", { path: "messages:send", args: [{ body: "x" }] }, { Origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    // A DNS-rebound page reaches the port under its own host name (fetch cannot forge Host: use node:http).
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${backend.url}/api/query_ts`, { method: "POST", headers: { Host: "attacker.example:3210" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it("refuses a body over the size limit with 413", async () => {
    const big = JSON.stringify({ path: "messages:send", args: [{ body: "x".repeat(9 * 1024 * 1024) }] });
    const res = await post("/api/mutation", big);
    expect(res.status).toBe(413);
  });
});

/** Sends a WebSocket handshake the server refuses, and resets the connection at once (TCP RST). */
function refusedUpgradeThenReset(url: string, pathname: string, headers: Record<string, string>): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      const lines = [
        `GET ${pathname} HTTP/1.1`,
        ...Object.entries({
          Host: `${hostname}:${port}`,
          Upgrade: "websocket",
          Connection: "Upgrade",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version": "13",
          ...headers,
        }).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      socket.resetAndDestroy();
      resolve();
    });
    socket.on("error", () => resolve());
  });
}

describe("robustness", () => {
  it("survives peers that reset refused WebSocket upgrades (wrong path, foreign Host or Origin)", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-reset-"));
    const serve = await spawnServe(["--port", "0", "--data-dir", dataDir]);
    try {
      for (let i = 0; i < 40; i++) {
        await Promise.all([
          refusedUpgradeThenReset(serve.url, "/not-sync", {}),
          refusedUpgradeThenReset(serve.url, "/api/1.48.0/sync", { Host: "attacker.example" }),
          refusedUpgradeThenReset(serve.url, "/api/1.48.0/sync", { Origin: "https://evil.example" }),
        ]);
      }
      const res = await fetch(`${serve.url}/api/query_ts`, { method: "POST" });
      expect(res.status).toBe(200);
      expect(serve.child.exitCode).toBeNull();
      expect(serve.output()).not.toMatch(/ECONNRESET|EPIPE/);
    } finally {
      await serve.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("streamed HTTP action responses", () => {
  it("stops the action's stream when the client goes away mid-response", async () => {
    let cancelled = false;
    let pulls = 0;
    const streaming = await startTestBackend({
      openEngine: async (opts) => {
        const engine = await openEngine(opts);
        engine.runHttpAction = () =>
          Promise.resolve(
            new Response(
              new ReadableStream<Uint8Array>({
                pull(controller) {
                  pulls++;
                  controller.enqueue(new Uint8Array(256 * 1024));
                },
                cancel() {
                  cancelled = true;
                },
              }),
              { headers: { "Content-Type": "application/octet-stream" } },
            ),
          );
        return engine;
      },
    });
    try {
      const abort = new AbortController();
      const res = await fetch(`${streaming.url}/endless`, { signal: abort.signal });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await expect.poll(() => cancelled, { timeout: 10_000 }).toBe(true);
      const pullsAtCancel = pulls;
      // Instead of sleeping: another request through the same server completes, so any pull the cancelled
      // stream still had queued would have run by now.
      await fetch(`${streaming.url}/api/query_ts`, { method: "POST" });
      await fetch(`${streaming.url}/api/query_ts`, { method: "POST" });
      expect(pulls).toBe(pullsAtCancel);
    } finally {
      await streaming.stop();
    }
  });
});

describe("uploads", () => {
  it("refuses a bad upload token before reading the body", async () => {
    // The body is declared as 50 MB but never sent: only an answer given before reading it can arrive.
    const { status, message } = await new Promise<{ status: number; message: string }>((resolve, reject) => {
      const req = request(
        `${backend.url}/api/storage/upload?token=made-up`,
        { method: "POST", headers: { "Content-Type": "application/octet-stream", "Content-Length": String(50 * 1024 * 1024) } },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, message: (JSON.parse(text) as { message: string }).message }));
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(64 * 1024));
    });
    expect(status).toBe(400);
    expect(message).toMatch(/invalid, expired or was already used/);
  });

  it("keeps the upload URL usable when storing the upload failed", async () => {
    let failNext = true;
    const flaky = await startTestBackend({
      openEngine: async (opts) => {
        const engine = await openEngine(opts);
        const storeBlob = engine.storeBlob.bind(engine);
        engine.storeBlob = async (bytes, contentType) => {
          if (failNext) {
            failNext = false;
            throw new Error("disk full");
          }
          return storeBlob(bytes, contentType);
        };
        return engine;
      },
    });
    try {
      const client = new ConvexHttpClient(flaky.url);
      const uploadUrl = await client.mutation(generateUploadUrl, {});
      const bytes = new Uint8Array([1, 2, 3]);
      const failed = await fetch(uploadUrl, { method: "POST", headers: { "Content-Type": "text/plain" }, body: bytes });
      expect(failed.status).toBe(500);
      const retried = await fetch(uploadUrl, { method: "POST", headers: { "Content-Type": "text/plain" }, body: bytes });
      expect(retried.status).toBe(200);
      const { storageId } = (await retried.json()) as { storageId: string };
      expect(new Uint8Array(await (await fetch((await client.query(fileUrl, { storageId }))!)).arrayBuffer())).toEqual(bytes);
      // Stored once, the URL is used up.
      const third = await fetch(uploadUrl, { method: "POST", body: bytes });
      expect(third.status).toBe(400);
    } finally {
      await flaky.stop();
    }
  });
});

describe("public URL", () => {
  it("builds storage and upload URLs on --public-url when bound to every interface", async () => {
    const remote = await startTestBackend({ host: "0.0.0.0", allowRemote: true, publicUrl: "http://polaris.test:4321/" });
    try {
      expect(remote.url).toBe("http://polaris.test:4321");
      expect(remote.localUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new ConvexHttpClient(remote.localUrl);
      const uploadUrl = await client.mutation(generateUploadUrl, {});
      expect(uploadUrl).toMatch(/^http:\/\/polaris\.test:4321\/api\/storage\/upload\?token=/);
      const upload = new URL(uploadUrl);
      const res = await fetch(`${remote.localUrl}${upload.pathname}${upload.search}`, { method: "POST", body: new Uint8Array([7]) });
      const { storageId } = (await res.json()) as { storageId: string };
      expect(await client.query(fileUrl, { storageId })).toBe(`http://polaris.test:4321/api/storage/${storageId}`);
    } finally {
      await remote.stop();
    }
  });

  it("warns when bound to every interface without a public URL, and checks the URL it is given", async () => {
    const logs: string[] = [];
    const remote = await startTestBackend({ host: "0.0.0.0", allowRemote: true, log: (line) => logs.push(line) });
    try {
      expect(remote.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(logs.join("\n")).toMatch(/WARNING: .*--public-url/);
    } finally {
      await remote.stop();
    }
    expect(normalizePublicUrl("https://ide.example.com:8443/")).toBe("https://ide.example.com:8443");
    expect(() => normalizePublicUrl("ide.example.com")).toThrow(/not a URL/);
    expect(() => normalizePublicUrl("ftp://ide.example.com")).toThrow(/http:\/\/ or https:\/\//);
    expect(() => normalizePublicUrl("http://ide.example.com/polaris")).toThrow(/only scheme, host and port/);
  });
});
