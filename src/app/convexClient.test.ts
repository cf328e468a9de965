import { describe, expect, it, vi } from "vitest";
import { ConvexError } from "convex/values";
import { closedWhenOffline, convexLogger, logCaughtError } from "./convexClient";

function sink() {
  return { log: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe("convexLogger", () => {
  it("logs a ConvexError answer (handled by the app) as information, not as an uncaught error", () => {
    const out = sink();
    convexLogger(out).error('[CONVEX M(files:updateContent)] [Request ID: 1a2b] Server Error\nUncaught ConvexError: {"code":"TOO_LARGE"}');
    expect(out.error).not.toHaveBeenCalled();
    expect(out.info).toHaveBeenCalledWith('[Convex] files:updateContent refused (handled by the app): {"code":"TOO_LARGE"}');
    convexLogger(out).error("[CONVEX M(files:rename)] Uncaught ConvexError: This name is taken.");
    expect(out.info).toHaveBeenLastCalledWith("[Convex] files:rename refused (handled by the app): This name is taken.");
  });

  it("still reports other failures as errors", () => {
    const out = sink();
    convexLogger(out).error("[CONVEX M(files:rename)] Uncaught Error: boom");
    convexLogger(out).error("[CONVEX FATAL ERROR] socket");
    expect(out.error).toHaveBeenCalledTimes(2);
    expect(out.info).not.toHaveBeenCalled();
  });
});

describe("logCaughtError", () => {
  it("logs a ConvexError an error boundary shows (a project that is not the user's) as information", () => {
    const out = sink();
    logCaughtError(new ConvexError({ code: "NOT_FOUND", message: "This project does not exist." }), { componentStack: "at X" }, out);
    expect(out.error).not.toHaveBeenCalled();
    expect(out.info).toHaveBeenCalledWith("[Convex] This project does not exist. (shown by the page)");
  });

  it("logs anything else a boundary caught as an error, with its component stack", () => {
    const out = sink();
    const boom = new Error("boom");
    logCaughtError(boom, { componentStack: "at Pane" }, out);
    expect(out.error).toHaveBeenCalledWith("Caught by an error boundary:", boom, "at Pane");
    expect(out.info).not.toHaveBeenCalled();
  });
});

/** A socket that never connects anywhere: records close() and lets the test fire its events. */
class FakeSocket extends EventTarget {
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  closed = 0;
  constructor(readonly url: string | URL) {
    super();
  }
  close() {
    this.closed++;
  }
}

describe("closedWhenOffline", () => {
  it("closes the socket when the browser goes offline and tells the client at once, not again on the late close event", () => {
    const network = new EventTarget();
    const Socket = closedWhenOffline(FakeSocket as unknown as typeof WebSocket, network);
    const socket = new Socket("ws://localhost/api/1.48.0/sync") as unknown as FakeSocket;
    const onclose = vi.fn();
    const onopen = vi.fn();
    socket.onclose = onclose;
    socket.onopen = onopen;
    network.dispatchEvent(new Event("offline"));
    expect(socket.closed).toBe(1);
    expect(onclose).toHaveBeenCalledTimes(1);
    expect((onclose.mock.calls[0][0] as CloseEvent).reason).toBe("Offline");
    // The closing handshake ends once the network is back: the client, reconnecting by then, hears nothing of it.
    socket.onclose?.(new CloseEvent("close", { code: 1005 }));
    socket.onopen?.(new Event("open"));
    expect(onclose).toHaveBeenCalledTimes(1);
    expect(onopen).not.toHaveBeenCalled();
    // Going offline again does nothing to a socket already given up.
    network.dispatchEvent(new Event("offline"));
    expect(socket.closed).toBe(1);
  });

  it("leaves a socket that closed by itself alone when the browser goes offline later", () => {
    const network = new EventTarget();
    const Socket = closedWhenOffline(FakeSocket as unknown as typeof WebSocket, network);
    const socket = new Socket("ws://localhost/api/1.48.0/sync") as unknown as FakeSocket;
    socket.dispatchEvent(new CloseEvent("close", { code: 1006 }));
    network.dispatchEvent(new Event("offline"));
    expect(socket.closed).toBe(0);
  });
});
