import { constants, createInflateRaw, type DeflateRaw, type InflateRaw, type ZlibOptions } from "node:zlib";
import * as wsModule from "ws";
import type { WebSocket } from "ws";

// The client's compressed frames, inflated on the main thread as they are read. `ws` inflates each one on libuv's
// thread pool: three jobs per frame (the data, the RFC 7692 trailer, the flush), each a hand-off to another thread
// and back through the event loop. Browsers and the `ws` client compress every frame on a connection with context
// takeover, whatever its size, so a mutation of a few hundred bytes cost more in those hand-offs than in the
// mutation's own work: with stock clients that compress, 8 clients inserting files, the backend spent about 40% more
// CPU per insert than with clients that do not (bench/backend/serverInserts.ts, PLAIN=1). Inflating a frame is a few
// microseconds of zlib per KiB, and at most MAX_FRAME_BYTES of output (the connection's maxPayload bounds it, as
// `ws` bounds its own). The other way, deflateInline (below) compresses the server's short messages at once.

/** The RFC 7692 tail a sender strips from each compressed message (an empty stored block). */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

type Decompress = (data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void) => void;

/** What this module uses of `ws`'s PerMessageDeflate (ws/lib/permessage-deflate.js), which `ws` does not export. */
interface PerMessageDeflate {
  _isServer: boolean;
  _maxPayload: number;
  _options: { zlibInflateOptions?: ZlibOptions };
  params: Record<string, unknown> | null;
  /** The connection's inflater; `ws` closes whatever is here when the connection ends (cleanup()). */
  _inflate: InflateRaw | null;
  /** The connection's compressor, made by `ws` on the first frame it compresses. */
  _deflate: DeflateRaw | null;
  decompress: Decompress;
  compress(data: Buffer | string, fin: boolean, callback: (error: Error | null, result: Buffer) => void): void;
}

/**
 * A zlib stream's native handle and the state it writes into: `writeSync` is what zlib.inflateRawSync runs on
 * (lib/zlib.js processChunkSync), which closes its stream when done; a connection keeps its inflater (context
 * takeover), so the loop is done here. A failed write destroys the stream at once (its 'error' event comes later).
 */
interface ZlibHandle {
  _handle: {
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  } | null;
  /** [output space left, input left] after the last write. */
  _writeState: Uint32Array;
}

/** Output space of one native write; a message longer than this takes more writes. */
const OUT_CHUNK = 64 * 1024;
let scratch: Buffer | null = null;

class InflateError extends Error {}

type ErrorClass = new (message: string) => Error;
/** `ws`'s Receiver (exported by its package, not typed by @types/ws): it makes the errors that close a connection. */
type ReceiverClass = new () => { createError(ctor: ErrorClass, message: string, prefix: boolean, statusCode: number, code: string): Error };

/**
 * The error `ws` itself would report: its status code (a symbol of `ws`'s) is the one the connection closes with,
 * 1009 for a message past maxPayload and 1007 for data that is not valid deflate, as its own inflater reports them.
 */
function wsError(error: unknown): Error {
  const tooLarge = error instanceof RangeError;
  const message = tooLarge ? "Max payload size exceeded" : error instanceof Error ? error.message : String(error);
  const Receiver = (wsModule as unknown as { Receiver?: ReceiverClass }).Receiver;
  if (Receiver === undefined) return error instanceof Error ? error : new Error(message);
  return new Receiver().createError(tooLarge ? RangeError : Error, message, false, tooLarge ? 1009 : 1007, tooLarge ? "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" : "Z_DATA_ERROR");
}

/**
 * Runs `input` through `stream`'s handle with Z_SYNC_FLUSH. Returns the output and whether input was left over
 * once the output had room (inflating: the peer's deflate stream ended with a final block before it).
 */
function zlibNow(stream: InflateRaw | DeflateRaw, input: Buffer, maxOutput: number): { output: Buffer; ended: boolean } {
  const z = stream as unknown as ZlibHandle;
  const out = (scratch ??= Buffer.allocUnsafe(OUT_CHUNK));
  const parts: Buffer[] = [];
  let total = 0;
  let inOff = 0;
  let inLen = input.length;
  for (;;) {
    if (z._handle === null) throw new InflateError("The compressed frame could not be inflated.");
    z._handle.writeSync(constants.Z_SYNC_FLUSH, input, inOff, inLen, out, 0, out.length);
    if (stream.destroyed) throw new InflateError("The compressed frame is not valid deflate data.");
    const outLeft = z._writeState[0];
    const inLeft = z._writeState[1];
    const have = out.length - outLeft;
    if (have > 0) {
      total += have;
      if (total > maxOutput) throw new RangeError("Max payload size exceeded");
      parts.push(Buffer.from(out.subarray(0, have)));
    }
    inOff += inLen - inLeft;
    inLen = inLeft;
    if (outLeft !== 0) break;
  }
  return { output: parts.length === 1 ? parts[0] : Buffer.concat(parts, total), ended: inLen > 0 };
}


/** Whether this Node's zlib streams have the handle zlibNow drives (checked once, on the first connection). */
let handleSupported: boolean | undefined;
function probeHandle(): boolean {
  const probe = createInflateRaw();
  const z = probe as unknown as Partial<ZlibHandle>;
  const supported = typeof z._handle?.writeSync === "function" && z._writeState instanceof Uint32Array;
  probe.close();
  return supported;
}

/**
 * The server side of the connection's permessage-deflate, when it negotiated it and this Node's zlib streams have
 * the handle zlibNow drives; otherwise undefined (the connection then keeps `ws`'s own thread-pool path).
 */
function inlineExtension(ws: WebSocket): (PerMessageDeflate & { params: Record<string, unknown> }) | undefined {
  const pmd = (ws as unknown as { _extensions?: Record<string, PerMessageDeflate | undefined> })._extensions?.["permessage-deflate"];
  if (pmd === undefined || !pmd._isServer || pmd.params === null) return undefined;
  if (!(handleSupported ??= probeHandle())) return undefined;
  return pmd as PerMessageDeflate & { params: Record<string, unknown> };
}

/**
 * Makes `ws` (a server-side connection) inflate the client's compressed frames synchronously on the main thread.
 * Does nothing when the connection did not negotiate permessage-deflate, or when `ws`'s internals are not the ones
 * this was written against (it then inflates as before, on the thread pool). Returns whether it took over.
 */
export function inflateInline(ws: WebSocket): boolean {
  const pmd = inlineExtension(ws);
  if (pmd === undefined || typeof pmd.decompress !== "function" || pmd._inflate !== null) return false;
  const params = pmd.params;
  const windowBits = typeof params.client_max_window_bits === "number" ? params.client_max_window_bits : constants.Z_DEFAULT_WINDOWBITS;
  const resetEachMessage = params.client_no_context_takeover === true;
  const maxOutput = pmd._maxPayload > 0 ? pmd._maxPayload : Number.POSITIVE_INFINITY;

  const inflater = (): InflateRaw => {
    if (pmd._inflate !== null) return pmd._inflate;
    const inflate = createInflateRaw({ ...pmd._options.zlibInflateOptions, windowBits });
    // A failed inflate also destroys the stream, which emits 'error' later: the failure is reported to `ws` below.
    inflate.on("error", () => {});
    pmd._inflate = inflate;
    return inflate;
  };

  pmd.decompress = (data, fin, callback) => {
    let result: Buffer;
    try {
      const inflate = inflater();
      const { output, ended } = zlibNow(inflate, fin ? Buffer.concat([data, TRAILER]) : data, maxOutput);
      result = output;
      if (ended) {
        // The peer ended its deflate stream (a final block) before the end of the frame: as `ws` does, the next
        // message starts a new one.
        inflate.close();
        pmd._inflate = null;
      } else if (fin && resetEachMessage) {
        inflate.reset();
      }
    } catch (error) {
      pmd._inflate?.close();
      pmd._inflate = null;
      const failure = wsError(error);
      queueMicrotask(() => callback(failure));
      return;
    }
    // Answered on a microtask, as `ws` expects: its receiver goes on parsing only when decompress has returned.
    queueMicrotask(() => callback(null, result));
  };
  return true;
}

/**
 * A message the server sends compressed is deflated on the main thread at once when it is at most this long: the
 * run's Transition after a save (its query results) is a few hundred bytes to a few KiB. `ws` deflates on the thread
 * pool (two jobs: the data and the flush) and writes the frame when they are done, so the Transition went out in a
 * socket write of its own after the MutationResponse's. Longer messages (a listing bucket) stay on the thread pool.
 */
export const DEFLATE_INLINE_MAX_BYTES = 64 * 1024;

/**
 * Makes `ws` (a server-side connection) deflate the messages it sends compressed synchronously when they are at most
 * DEFLATE_INLINE_MAX_BYTES, on the compressor `ws` made for the connection (the same context: inline and pooled
 * frames may alternate; `ws`'s sender runs one compression at a time per connection, so the compressor is idle
 * when asked). The first compressed message of a connection, which makes that compressor, goes the usual way.
 */
export function deflateInline(ws: WebSocket): boolean {
  const pmd = inlineExtension(ws);
  if (pmd === undefined || typeof pmd.compress !== "function") return false;
  const resetEachMessage = pmd.params.server_no_context_takeover === true;
  const pooled = pmd.compress.bind(pmd);
  pmd.compress = (data, fin, callback) => {
    const deflate = pmd._deflate;
    const input = typeof data === "string" ? Buffer.from(data) : data;
    if (deflate === null || !fin || input.length > DEFLATE_INLINE_MAX_BYTES || deflate.destroyed) return pooled(data, fin, callback);
    const { output } = zlibNow(deflate, input, Number.POSITIVE_INFINITY);
    if (resetEachMessage) deflate.reset();
    // The RFC 7692 trailer of the sync flush (00 00 ff ff) is left off, as `ws` leaves it off. The sender is told
    // at once: it frames and writes the message now, in the socket write its caller may have corked.
    callback(null, output.subarray(0, output.length - 4));
  };
  return true;
}
