import { request } from "node:http";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";

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
