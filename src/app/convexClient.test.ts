import { describe, expect, it, vi } from "vitest";
import { ConvexError } from "convex/values";
import { convexLogger, logCaughtError } from "./convexClient";

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
