import WebSocket from "ws";

// A bare sync-protocol client that records every server message and checks, as the stock client does, that
// each Transition starts at the version the previous one ended at.

/** A state version as the wire carries it (ts: a u64 in base64). */
export interface WireVersion {
  querySet: number;
  identity: number;
  ts: string;
}

/** One modification of a Transition, as the wire carries it. */
export interface WireModification {
  type: string;
  queryId: number;
  value?: unknown;
  errorMessage?: string;
  logLines?: string[];
  journal?: string | null;
}

/**
 * A server message as it arrives. The fields of every message type are declared together, so a test reads those
 * of the type it waited for without narrowing; a field of another type is undefined at run time.
 */
export interface Msg {
  type: string;
  startVersion: WireVersion;
  endVersion: WireVersion;
  modifications: WireModification[];
  clientClockSkew?: number;
  serverTs?: number;
  requestId: number;
  success: boolean;
  result: unknown;
  ts: string;
  logLines: string[];
  errorData?: unknown;
  error: string;
  baseVersion: number;
  authUpdateAttempted: boolean;
}

export class RawClient {
  readonly messages: Msg[] = [];
  readonly versionErrors: string[] = [];
  version = { querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" };
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse((data as Buffer).toString("utf8")) as Msg;
      if (msg.type === "Transition") {
        const s = msg.startVersion;
        const v = this.version;
        if (s.querySet !== v.querySet || s.identity !== v.identity || s.ts !== v.ts) {
          this.versionErrors.push(`start ${JSON.stringify(s)} != current ${JSON.stringify(v)}`);
        }
        this.version = msg.endVersion;
      }
      this.messages.push(msg);
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  static async connect(
    url: string,
    opts: { sessionId?: string; headers?: Record<string, string>; clientTs?: number; deflate?: boolean } = {},
  ): Promise<RawClient> {
    // Without permessage-deflate unless asked: tests that cork the socket to send a burst in one write, or read
    // what each server write carries, need plain frames (`ws` compresses asynchronously, one write per frame).
    // The stock client in these tests (helpers/backend.ts) negotiates it, as browsers do.
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/1.48.0/sync`, {
      headers: opts.headers,
      perMessageDeflate: opts.deflate ?? false,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const client = new RawClient(ws);
    client.send({
      type: "Connect",
      sessionId: opts.sessionId ?? crypto.randomUUID(),
      connectionCount: 0,
      lastCloseReason: null,
      clientTs: opts.clientTs ?? Date.now(),
    });
    return client;
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(message: unknown) {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Waits until a message (after index `from`) matches; returns it. */
  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 10_000, from = 0): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(pred);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before a matching message`);
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closed;
  }

  close() {
    this.ws.close();
  }
}

/** Decodes the wire's u64 (8 bytes little-endian, base64). */
export const decodeTs = (s: string) => Buffer.from(s, "base64").readBigUInt64LE();
