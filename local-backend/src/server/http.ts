import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONValue } from "convex/values";
import { SignInError, type LocalIssuer } from "../auth/localIssuer.js";
import { AuthTokenError, type TokenVerifier } from "../auth/verify.js";
import { ENV_NAME_RULE, isEnvName } from "../envName.js";
import type { Engine, Identity, RunResult } from "../engine/types.js";
import type { SiteHandler } from "../site.js";
import type { CommitHistory } from "./commitHistory.js";
import { canonicalizeUdfPath } from "./protocol.js";

// The HTTP half of the backend: the API ConvexHttpClient speaks (notes/convex-protocol.md), file storage, the
// local token issuer, the admin endpoint of `env`, and HTTP actions for every other path.

export const MAX_JSON_BODY = 8 * 1024 * 1024;
export const MAX_UPLOAD_BODY = 100 * 1024 * 1024;
/** Convex's status for "the function itself failed". */
export const STATUS_UDF_FAILED = 560;
const ALLOWED_HEADERS = "Authorization, Content-Type, Convex-Client";
const MAX_ENV_VALUE = 8192;

export interface HttpContext {
  /** Null while the engine is still opening. */
  engine(): Engine | null;
  verifier: TokenVerifier;
  issuer: LocalIssuer;
  adminKey: string;
  allowRemote: boolean;
  log: (line: string) => void;
  /** The built web app, when this backend serves it (`npm start`); see ../site.ts. */
  site?: SiteHandler;
  /** The recent commits, for /api/query_at_ts. */
  history: CommitHistory;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || /^127(\.\d{1,3}){3}$/.test(h) || h.endsWith(".localhost");
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHostname(url.hostname);
  } catch {
    return false;
  }
}

/** Guards against DNS rebinding: a loopback-only server answers only requests addressed to a loopback name. */
export function hostAllowed(req: IncomingMessage, allowRemote: boolean): boolean {
  if (allowRemote) return true;
  const host = req.headers.host;
  if (!host) return true;
  try {
    return isLoopbackHostname(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

export function originAllowed(origin: string | undefined, allowRemote: boolean): boolean {
  return origin === undefined || allowRemote || isLoopbackOrigin(origin);
}

function corsHeaders(req: IncomingMessage, allowRemote: boolean): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !originAllowed(origin, allowRemote)) return {};
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Max-Age": "86400",
    Vary: "Origin",
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, "PayloadTooLarge", `The request body is larger than ${limit} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, "PayloadTooLarge", `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_JSON_BODY);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "BadJsonBody", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, "BadJsonBody", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

function requireEngine(ctx: HttpContext): Engine {
  const engine = ctx.engine();
  if (!engine) throw new HttpError(503, "Starting", "The backend is still starting: try again in a moment.");
  return engine;
}

async function identityFromRequest(req: IncomingMessage, verifier: TokenVerifier): Promise<Identity | null> {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new HttpError(401, "InvalidAuthHeader", 'The Authorization header must be "Bearer <JWT>".');
  }
  try {
    return await verifier.verify(match[1]);
  } catch (error) {
    if (error instanceof AuthTokenError) throw new HttpError(401, "Unauthenticated", error.message);
    throw error;
  }
}

function functionPath(body: Record<string, unknown>): string {
  const path = body.path;
  if (typeof path !== "string" || path.length === 0 || path.length > 1024) {
    throw new HttpError(400, "BadRequest", 'The body needs "path": the function\'s name, like "files:list".');
  }
  if (body.format !== undefined && body.format !== "convex_encoded_json" && body.format !== "json") {
    throw new HttpError(400, "BadRequest", `Unsupported "format" ${JSON.stringify(body.format)}: use "convex_encoded_json".`);
  }
  return canonicalizeUdfPath(path);
}

/** `args` as the wire sends it: `[obj]` on /api/query|mutation|action, a bare object on /api/function. */
function functionArgs(body: Record<string, unknown>, wrapped: boolean): JSONValue {
  const args = body.args;
  if (args === undefined) return {};
  const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (wrapped) {
    if (Array.isArray(args) && args.length === 1 && isObj(args[0])) return args[0] as JSONValue;
    if (Array.isArray(args) && args.length === 0) return {};
    throw new HttpError(400, "BadRequest", '"args" must be an array holding one arguments object, like [{}].');
  }
  if (!isObj(args)) throw new HttpError(400, "BadRequest", '"args" must be an arguments object, like {}.');
  return args as JSONValue;
}

function sendRunResult(res: ServerResponse, result: RunResult, cors: Record<string, string>) {
  if (result.ok) {
    sendJson(res, 200, { status: "success", value: result.value, logLines: result.logLines }, cors);
  } else {
    sendJson(
      res,
      STATUS_UDF_FAILED,
      {
        status: "error",
        errorMessage: result.error,
        ...(result.errorData !== undefined ? { errorData: result.errorData } : {}),
        logLines: result.logLines,
      },
      cors,
    );
  }
}

type FunctionKind = "query" | "mutation" | "action";

/**
 * /api/function does not say what kind of function it calls. An engine may tell (functionKind); otherwise the
 * function is tried as a query, and the engine's "Trying to execute X as Query, but it is defined as Mutation."
 * (Convex's wording) says what to run instead. Running it as a query first is safe: a query changes nothing.
 */
async function runAnyFunction(engine: Engine, path: string, args: JSONValue, identity: Identity | null): Promise<RunResult> {
  const kindOf = (engine as Engine & { functionKind?: (path: string) => FunctionKind | null }).functionKind;
  let kind = typeof kindOf === "function" ? kindOf.call(engine, path) : null;
  if (kind === null) {
    const asQuery = await engine.runQuery(path, args, identity);
    const defined = !asQuery.ok && /Trying to execute \S+ as \w+, but it is defined as (Query|Mutation|Action)\./.exec(asQuery.error);
    if (!defined) return asQuery;
    kind = defined[1].toLowerCase() as FunctionKind;
  }
  if (kind === "mutation") return engine.runMutation(path, args, identity);
  if (kind === "action") return engine.runAction(path, args, identity);
  return engine.runQuery(path, args, identity);
}

function parseTs(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return BigInt(value);
  throw new HttpError(400, "BadRequest", '"ts" must be a timestamp returned by /api/query_ts.');
}

/**
 * A query "as of" `ts`: run at the current snapshot, and given only when no commit since `ts` wrote what it read
 * (commitHistory.ts); otherwise refused with the reason, since the engine keeps no older versions.
 */
async function queryAtTs(engine: Engine, history: CommitHistory, udfPath: string, args: JSONValue, identity: Identity | null, ts: bigint): Promise<RunResult> {
  if (ts > engine.currentTs()) {
    throw new HttpError(400, "TimestampInFuture", `"ts" ${ts} is after the latest commit (${engine.currentTs()}): use a timestamp returned by /api/query_ts.`);
  }
  const result = await engine.runQuery(udfPath, args, identity);
  switch (history.verdict(ts, result.ts, result.reads, (r, w) => engine.invalidates(r, w))) {
    case "same":
      return result;
    case "too-old":
      throw new HttpError(
        410,
        "SnapshotUnavailable",
        `The local backend cannot answer at ts ${ts}: it keeps only the latest data and the last commits, which no longer reach back that far. Call /api/query_ts for a fresh timestamp.`,
      );
    default:
      throw new HttpError(
        409,
        "SnapshotUnavailable",
        `The local backend cannot answer ${udfPath} at ts ${ts}: data it reads changed after that, and it keeps only the latest version. Call /api/query_ts for a fresh timestamp.`,
      );
  }
}

function checkAdminKey(req: IncomingMessage, adminKey: string) {
  const given = req.headers["polaris-admin-key"];
  const a = Buffer.from(typeof given === "string" ? given : "");
  const b = Buffer.from(adminKey);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, "BadAdminKey", "This endpoint needs the admin key stored in the data directory.");
  }
}

async function writeWebResponse(res: ServerResponse, response: Response, cors: Record<string, string>) {
  const headers: Record<string, string | string[]> = { ...cors };
  response.headers.forEach((value, key) => {
    if (key === "set-cookie") return;
    headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // A client that goes away mid-stream must stop the HTTP action's stream, not leave it waiting for "drain".
  const gone = new Promise<void>((resolve) => res.once("close", resolve));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      if (!res.write(value)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), gone]);
    }
  } finally {
    if (res.destroyed) await reader.cancel().catch(() => {});
    res.end();
  }
}

export function createHttpHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  const uploadsInFlight = new Set<string>();
  return (req, res) => {
    handle(ctx, req, res, uploadsInFlight).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJson(res, error.status, { code: error.code, message: error.message }, corsHeaders(req, ctx.allowRemote));
      } else {
        ctx.log(`http: ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { code: "InternalServerError", message: (error as Error)?.message ?? "error" });
        else res.destroy();
      }
      // An early error response leaves the rest of a large body unread: let Node drop the connection after it.
      if (!req.complete) res.once("finish", () => req.destroy());
    });
  };
}

async function handle(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, uploadsInFlight: Set<string>): Promise<void> {
  if (!hostAllowed(req, ctx.allowRemote)) {
    throw new HttpError(403, "HostNotAllowed", "This backend answers only requests addressed to 127.0.0.1 or localhost.");
  }
  const cors = corsHeaders(req, ctx.allowRemote);
  const url = new URL(req.url ?? "/", "http://backend.invalid");
  const path = url.pathname;
  const method = req.method ?? "GET";
  const isOwnPath = path.startsWith("/api/") || path.startsWith("/polaris/");
  // The backend's own endpoints (functions, sign-in, admin, storage) serve loopback pages only. Every other path is
  // the app's HTTP router, which gets every request as on Convex cloud, and does its own CORS.
  const origin = req.headers.origin;
  if (isOwnPath && origin !== undefined && !originAllowed(origin, ctx.allowRemote)) {
    throw new HttpError(403, "OriginNotAllowed", `Requests from ${origin} are not allowed: this backend serves loopback pages only.`);
  }

  if (method === "OPTIONS" && isOwnPath) {
    res.writeHead(204, cors);
    return void res.end();
  }

  // The local token issuer.
  if (path === "/polaris/auth/.well-known/openid-configuration" && method === "GET") {
    return sendJson(res, 200, ctx.issuer.openidConfiguration(), cors);
  }
  if (path === "/polaris/auth/.well-known/jwks.json" && method === "GET") {
    return sendJson(res, 200, ctx.issuer.jwks(), cors);
  }
  if (path === "/polaris/auth/sign-in") {
    if (method !== "POST") throw new HttpError(405, "MethodNotAllowed", 'Sign in with POST and JSON {"name": "..."}.');
    const body = await readJson(req);
    try {
      return sendJson(res, 200, await ctx.issuer.signIn(body.name), cors);
    } catch (error) {
      if (error instanceof SignInError) throw new HttpError(400, "BadName", error.message);
      throw error;
    }
  }

  // The admin endpoint `polaris env` talks to while the backend runs.
  if (path === "/polaris/admin/env") {
    checkAdminKey(req, ctx.adminKey);
    const engine = requireEngine(ctx);
    if (method === "GET") return sendJson(res, 200, { env: engine.getEnv() });
    if (method !== "POST") throw new HttpError(405, "MethodNotAllowed", "Use GET to list or POST {name, value} to set.");
    const body = await readJson(req);
    const name = body.name;
    const value = body.value;
    if (typeof name !== "string" || !isEnvName(name)) {
      throw new HttpError(400, "BadEnvName", `Invalid environment variable name: ${ENV_NAME_RULE}.`);
    }
    if (value !== null && (typeof value !== "string" || value.length > MAX_ENV_VALUE)) {
      throw new HttpError(400, "BadEnvValue", `"value" must be a string of at most ${MAX_ENV_VALUE} characters, or null to remove.`);
    }
    await engine.setEnv(name, value);
    return sendJson(res, 200, { ok: true });
  }

  if (path === "/api/query_ts") {
    if (method !== "POST") throw new HttpError(405, "MethodNotAllowed", "Use POST.");
    return sendJson(res, 200, { ts: requireEngine(ctx).currentTs().toString() }, cors);
  }

  if (
    path === "/api/query" ||
    path === "/api/query_at_ts" ||
    path === "/api/mutation" ||
    path === "/api/action" ||
    path === "/api/function"
  ) {
    if (method !== "POST") throw new HttpError(405, "MethodNotAllowed", `Call ${path} with POST and a JSON body.`);
    const body = await readJson(req);
    const udfPath = functionPath(body);
    const args = functionArgs(body, path !== "/api/function");
    if (path === "/api/function" && typeof body.componentPath === "string" && body.componentPath !== "") {
      throw new HttpError(400, "BadRequest", "Components are not supported by the local backend.");
    }
    const atTs = path === "/api/query_at_ts" ? parseTs(body.ts) : null;
    if (path === "/api/query_at_ts" && atTs === null) throw new HttpError(400, "BadRequest", '"ts" is required: a timestamp returned by /api/query_ts.');
    const identity = await identityFromRequest(req, ctx.verifier);
    const engine = requireEngine(ctx);
    let result: RunResult;
    switch (path) {
      case "/api/mutation":
        result = await engine.runMutation(udfPath, args, identity);
        break;
      case "/api/action":
        result = await engine.runAction(udfPath, args, identity);
        break;
      case "/api/function":
        result = await runAnyFunction(engine, udfPath, args, identity);
        break;
      case "/api/query_at_ts":
        result = await queryAtTs(engine, ctx.history, udfPath, args, identity, atTs!);
        break;
      default:
        result = await engine.runQuery(udfPath, args, identity);
    }
    return sendRunResult(res, result, cors);
  }

  // File storage: the upload URL generateUploadUrl() mints, and the URL storage.getUrl() returns.
  if (path === "/api/storage/upload") {
    if (method !== "POST") throw new HttpError(405, "MethodNotAllowed", "Upload with POST and the file as the body.");
    const token = url.searchParams.get("token") ?? "";
    const engine = requireEngine(ctx);
    // The token is checked before the body is read (a bad URL costs no upload) and consumed only once the blob is
    // stored (a failed upload can be retried with the same URL). One upload per token at a time, so two
    // concurrent uploads cannot both pass the check and store two blobs.
    if (!token || !engine.uploadTokenValid(token)) {
      throw new HttpError(400, "InvalidUploadToken", "This upload URL is invalid, expired or was already used: call generateUploadUrl() for a new one.");
    }
    if (uploadsInFlight.has(token)) {
      throw new HttpError(409, "UploadInProgress", "An upload with this URL is already in progress: wait for it to finish.");
    }
    uploadsInFlight.add(token);
    try {
      const bytes = await readBody(req, MAX_UPLOAD_BODY);
      const contentType = req.headers["content-type"] ?? null;
      const storageId = await engine.storeBlob(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType);
      if (!engine.consumeUploadToken(token)) {
        // The token expired while the body arrived: the blob is stored, so hand it over rather than lose it.
        ctx.log(`http: upload token expired during an upload; stored ${storageId} anyway`);
      }
      return sendJson(res, 200, { storageId }, cors);
    } finally {
      uploadsInFlight.delete(token);
    }
  }
  const storageMatch = /^\/api\/storage\/([^/]+)$/.exec(path);
  if (storageMatch && (method === "GET" || method === "HEAD")) {
    const blob = await requireEngine(ctx).getBlob(decodeURIComponent(storageMatch[1]));
    if (!blob) throw new HttpError(404, "NotFound", "No file is stored under this id.");
    res.writeHead(200, {
      ...cors,
      "Content-Type": blob.contentType ?? "application/octet-stream",
      "Content-Length": blob.bytes.byteLength,
      ETag: `"${blob.sha256}"`,
      "Cache-Control": "private, max-age=2592000, immutable",
      "X-Content-Type-Options": "nosniff",
      // Stored files are user data: an uploaded HTML file must not run scripts with this origin.
      "Content-Security-Policy": "sandbox",
    });
    return void res.end(method === "HEAD" ? undefined : Buffer.from(blob.bytes.buffer, blob.bytes.byteOffset, blob.bytes.byteLength));
  }

  // Everything else: a file of the web app's build, else convex/http.ts, else a page of the web app.
  const isRead = method === "GET" || method === "HEAD";
  if (ctx.site && isRead && !isOwnPath && (await ctx.site.serveFile(req, res))) return;
  const engine = requireEngine(ctx);
  let identity: Identity | null = null;
  try {
    identity = await identityFromRequest(req, ctx.verifier);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
  }
  const hasBody = method !== "GET" && method !== "HEAD";
  const body = hasBody ? await readBody(req, MAX_JSON_BODY) : undefined;
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method,
    headers,
    body: body && body.length > 0 ? new Uint8Array(body) : undefined,
  });
  const response = await engine.runHttpAction(request, identity);
  if (response) {
    await writeWebResponse(res, response, response.headers.has("access-control-allow-origin") ? {} : cors);
    return;
  }
  if (method === "OPTIONS") {
    res.writeHead(204, cors);
    return void res.end();
  }
  if (ctx.site && isRead && !isOwnPath && (req.headers.accept ?? "").includes("text/html")) {
    return ctx.site.serveIndex(req, res);
  }
  throw new HttpError(404, "NotFound", `No route for ${method} ${path}.`);
}
