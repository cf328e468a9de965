import type { JSONValue } from "convex/values";

// The sync protocol's messages as the stock client (convex/src/browser/sync/protocol.ts) sends and expects them,
// with a strict parser for what arrives: anything that is not exactly a client message is a ProtocolError.

export class ProtocolError extends Error {}

export type QueryJournal = string | null;

export interface AddQuery {
  type: "Add";
  queryId: number;
  udfPath: string;
  args: JSONValue;
  journal: QueryJournal;
  componentPath?: string;
}
export interface RemoveQuery {
  type: "Remove";
  queryId: number;
}

export type ClientMessage =
  | {
      type: "Connect";
      sessionId: string;
      connectionCount: number;
      lastCloseReason: string | null;
      maxObservedTimestamp?: string;
      clientTs?: number;
    }
  | { type: "ModifyQuerySet"; baseVersion: number; newVersion: number; modifications: (AddQuery | RemoveQuery)[] }
  | { type: "Mutation"; requestId: number; udfPath: string; args: JSONValue; componentPath?: string }
  | { type: "Action"; requestId: number; udfPath: string; args: JSONValue; componentPath?: string }
  | { type: "Authenticate"; tokenType: "User" | "Admin" | "None"; value?: string; baseVersion: number }
  | { type: "Event"; eventType: string; event: unknown };

export interface StateVersion {
  querySet: number;
  identity: number;
  ts: bigint;
}

export type StateModification =
  // `journal` may be left out when the client holds it already: the stock client keeps its journal then
  // (local_state.ts transition), so an unchanged journal need not cross the socket with every update.
  | { type: "QueryUpdated"; queryId: number; value: JSONValue; logLines: string[]; journal?: QueryJournal }
  | {
      type: "QueryFailed";
      queryId: number;
      errorMessage: string;
      logLines: string[];
      errorData?: JSONValue;
      journal: QueryJournal;
    }
  | { type: "QueryRemoved"; queryId: number };

export type ServerMessage =
  | {
      type: "Transition";
      startVersion: StateVersion;
      endVersion: StateVersion;
      modifications: StateModification[];
      clientClockSkew?: number;
      serverTs?: number;
    }
  | { type: "MutationResponse"; requestId: number; success: true; result: JSONValue; ts: bigint; logLines: string[] }
  | {
      type: "MutationResponse";
      requestId: number;
      success: false;
      result: string;
      logLines: string[];
      errorData?: JSONValue;
    }
  | { type: "ActionResponse"; requestId: number; success: true; result: JSONValue; logLines: string[] }
  | { type: "ActionResponse"; requestId: number; success: false; result: string; logLines: string[]; errorData?: JSONValue }
  | { type: "AuthError"; error: string; baseVersion: number; authUpdateAttempted: boolean }
  | { type: "FatalError"; error: string }
  | { type: "Ping" };

/** u64 as 8 little-endian bytes in base64, as the client's `longToU64`. */
export function encodeTs(ts: bigint): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(BigInt.asUintN(64, ts));
  return buf.toString("base64");
}

export function decodeTs(encoded: string): bigint {
  const buf = Buffer.from(encoded, "base64");
  if (buf.length !== 8) throw new ProtocolError(`a timestamp must be 8 bytes in base64, got ${JSON.stringify(encoded)}`);
  return buf.readBigUInt64LE();
}

const encodeVersion = (v: StateVersion) => ({ querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) });

/**
 * A Transition at least this long keeps its clock fields even where `clock` is false: the stock client reports the
 * transit time of large Transitions from them (web_socket_manager.ts reportLargeTransition; a warning over 20 MB).
 */
const LARGE_TRANSITION_CHARS = 1_000_000;

/**
 * `clock: false` leaves out a Transition's clientClockSkew and serverTs (both optional in the protocol). The stock
 * client reads them only on the Transition that confirms its token (authentication_manager.ts, to schedule the
 * token's refresh) and on large Transitions (above); on every other one they are about 50 of the bytes that each
 * streamed write of an answer costs besides its text (docs/benchmarks.md, "AI").
 */
export function serializeServerMessage(message: ServerMessage, opts: { clock?: boolean } = {}): string {
  switch (message.type) {
    case "Transition": {
      const { clientClockSkew, serverTs, ...rest } = message;
      const versioned = { ...rest, startVersion: encodeVersion(message.startVersion), endVersion: encodeVersion(message.endVersion) };
      if (opts.clock === false) {
        const text = JSON.stringify(versioned);
        if (text.length < LARGE_TRANSITION_CHARS) return text;
      }
      return JSON.stringify({
        ...versioned,
        ...(clientClockSkew !== undefined ? { clientClockSkew } : {}),
        ...(serverTs !== undefined ? { serverTs } : {}),
      });
    }
    case "MutationResponse":
      return JSON.stringify(message.success ? { ...message, ts: encodeTs(message.ts) } : message);
    default:
      return JSON.stringify(message);
  }
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function field(msg: Obj, name: string, what: string): unknown {
  if (!(name in msg)) throw new ProtocolError(`${what} is missing the field "${name}"`);
  return msg[name];
}
function uint(msg: Obj, name: string, what: string): number {
  const v = field(msg, name, what);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new ProtocolError(`${what}.${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}
function str(msg: Obj, name: string, what: string, max = 1024): string {
  const v = field(msg, name, what);
  if (typeof v !== "string") throw new ProtocolError(`${what}.${name} must be a string, got ${JSON.stringify(v)}`);
  if (v.length > max) throw new ProtocolError(`${what}.${name} is longer than ${max} characters`);
  return v;
}
function optStr(msg: Obj, name: string, what: string): string | undefined {
  const v = msg[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ProtocolError(`${what}.${name} must be a string, got ${JSON.stringify(v)}`);
  return v;
}
/** The wire wraps a function's arguments object in a one-element array. */
function argsObject(msg: Obj, what: string): JSONValue {
  const v = field(msg, "args", what);
  if (!Array.isArray(v) || v.length !== 1 || !isObj(v[0])) {
    throw new ProtocolError(`${what}.args must be an array holding one arguments object, like [{}]`);
  }
  return v[0] as JSONValue;
}

export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError("the message is not valid JSON");
  }
  if (!isObj(raw)) throw new ProtocolError("a message must be a JSON object with a \"type\"");
  const type = raw.type;
  switch (type) {
    case "Connect": {
      const w = "Connect";
      const lastCloseReason = raw.lastCloseReason;
      if (lastCloseReason !== null && lastCloseReason !== undefined && typeof lastCloseReason !== "string") {
        throw new ProtocolError("Connect.lastCloseReason must be a string or null");
      }
      const maxObservedTimestamp = optStr(raw, "maxObservedTimestamp", w);
      if (maxObservedTimestamp !== undefined) decodeTs(maxObservedTimestamp);
      const clientTs = raw.clientTs;
      if (clientTs !== undefined && (typeof clientTs !== "number" || !Number.isFinite(clientTs))) {
        throw new ProtocolError("Connect.clientTs must be a number");
      }
      return {
        type,
        sessionId: str(raw, "sessionId", w, 256),
        connectionCount: uint(raw, "connectionCount", w),
        lastCloseReason: (lastCloseReason) ?? null,
        maxObservedTimestamp,
        clientTs: clientTs,
      };
    }
    case "ModifyQuerySet": {
      const w = "ModifyQuerySet";
      const baseVersion = uint(raw, "baseVersion", w);
      const newVersion = uint(raw, "newVersion", w);
      const mods = field(raw, "modifications", w);
      if (!Array.isArray(mods)) throw new ProtocolError("ModifyQuerySet.modifications must be an array");
      const modifications = mods.map((m, i): AddQuery | RemoveQuery => {
        const mw = `ModifyQuerySet.modifications[${i}]`;
        if (!isObj(m)) throw new ProtocolError(`${mw} must be an object`);
        if (m.type === "Add") {
          const journal = m.journal;
          if (journal !== undefined && journal !== null && typeof journal !== "string") {
            throw new ProtocolError(`${mw}.journal must be a string or null`);
          }
          return {
            type: "Add",
            queryId: uint(m, "queryId", mw),
            udfPath: str(m, "udfPath", mw),
            args: argsObject(m, mw),
            journal: (journal) ?? null,
            componentPath: optStr(m, "componentPath", mw),
          };
        }
        if (m.type === "Remove") return { type: "Remove", queryId: uint(m, "queryId", mw) };
        throw new ProtocolError(`${mw}.type must be "Add" or "Remove", got ${JSON.stringify(m.type)}`);
      });
      return { type, baseVersion, newVersion, modifications };
    }
    case "Mutation":
    case "Action":
      return {
        type,
        requestId: uint(raw, "requestId", type),
        udfPath: str(raw, "udfPath", type),
        args: argsObject(raw, type),
        componentPath: optStr(raw, "componentPath", type),
      };
    case "Authenticate": {
      const w = "Authenticate";
      const tokenType = raw.tokenType;
      if (tokenType !== "User" && tokenType !== "Admin" && tokenType !== "None") {
        throw new ProtocolError(`Authenticate.tokenType must be "User", "Admin" or "None", got ${JSON.stringify(tokenType)}`);
      }
      const baseVersion = uint(raw, "baseVersion", w);
      const value = tokenType === "None" ? undefined : str(raw, "value", w, 65_536);
      return { type, tokenType, value, baseVersion };
    }
    case "Event":
      return { type, eventType: typeof raw.eventType === "string" ? raw.eventType : "", event: raw.event };
    default:
      throw new ProtocolError(
        `unknown message type ${JSON.stringify(type)}: expected Connect, ModifyQuerySet, Mutation, Action, Authenticate or Event`,
      );
  }
}

/** "files" -> "files:default"; "files.js:list" -> "files:list" (the client's canonicalizeUdfPath). */
export function canonicalizeUdfPath(udfPath: string): string {
  const pieces = udfPath.split(":");
  let moduleName = pieces.length === 1 ? pieces[0] : pieces.slice(0, -1).join(":");
  const functionName = pieces.length === 1 ? "default" : pieces[pieces.length - 1];
  if (moduleName.endsWith(".js")) moduleName = moduleName.slice(0, -3);
  return `${moduleName}:${functionName}`;
}
