import { describe, expect, it, vi } from "vitest";
import { convexLogger } from "./convexClient";

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
