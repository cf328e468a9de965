import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { errorCode, errorMessage } from "./errors";

describe("errorMessage", () => {
  it("shows the message our functions send in a ConvexError", () => {
    expect(errorMessage(new ConvexError({ code: "NAME_TAKEN", message: '"a.ts" already exists.' }))).toBe('"a.ts" already exists.');
    expect(errorMessage(new ConvexError("plain text"))).toBe("plain text");
  });

  it("strips the client's prefixes and the stack from any other error", () => {
    const raw = new Error("[CONVEX M(files:rename)] [Request ID: 1a2b] Server Error\nUncaught Error: boom\n  at handler");
    expect(errorMessage(raw)).toBe("boom");
    expect(errorMessage(new Error("[CONVEX Q(x:y)] Uncaught ConvexError: refused"))).toBe("refused");
  });

  it("falls back when there is nothing to show", () => {
    expect(errorMessage(new Error("[Request ID: 1] Server Error"), "Could not save.")).toBe("Could not save.");
    expect(errorMessage("not an error")).toBe("Something went wrong.");
  });
});

describe("errorCode", () => {
  it("reads the code of a ConvexError and nothing else", () => {
    expect(errorCode(new ConvexError({ code: "CONFLICT", message: "changed" }))).toBe("CONFLICT");
    expect(errorCode(new ConvexError("no code"))).toBeUndefined();
    expect(errorCode(new Error("CONFLICT"))).toBeUndefined();
  });
});
