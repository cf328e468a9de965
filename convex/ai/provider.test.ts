import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { describeProviderFailure } from "./lib";
import { classifyError, IdleTimeoutError, StreamCutError } from "./provider";

// The classifier alone; local-backend/test/aiProvider.test.ts drives it with the real client over real sockets.

describe("classifyError", () => {
  it("keeps the HTTP status of a provider answer", () => {
    const error = OpenAI.APIError.generate(429, { message: "Slow down" }, undefined, new Headers());
    expect(classifyError(error)).toMatchObject({ status: 429 });
    expect(describeProviderFailure(classifyError(error))).toContain("(429)");
  });

  it("recognises the timeouts, by class or by name", () => {
    expect(classifyError(new OpenAI.APIConnectionTimeoutError())).toMatchObject({ kind: "timeout" });
    expect(classifyError(new IdleTimeoutError("no data"))).toMatchObject({ kind: "timeout", message: "no data" });
    const renamed = Object.assign(new Error("Request timed out."), { name: "APIConnectionTimeoutError" });
    expect(classifyError(renamed)).toMatchObject({ kind: "timeout" });
  });

  it("tells a cut stream from an unreachable provider by the connection error's cause", () => {
    expect(classifyError(new StreamCutError("ended early"))).toMatchObject({ kind: "cut" });
    const cut = new OpenAI.APIConnectionError({ cause: new Error("other side closed") });
    expect(classifyError(cut)).toMatchObject({ kind: "cut", message: "Error: other side closed" });
    const refused = new OpenAI.APIConnectionError({ cause: new Error("connect ECONNREFUSED 127.0.0.1:9") });
    expect(classifyError(refused)).toMatchObject({ kind: "connection", message: "Error: connect ECONNREFUSED 127.0.0.1:9" });
    expect(classifyError(new Error("socket hang up"))).toMatchObject({ kind: "cut" });
  });

  it("calls an unreadable chunk malformed, and passes anything else through with its text", () => {
    expect(classifyError(new SyntaxError("Unexpected token"))).toMatchObject({ kind: "malformed" });
    expect(classifyError(new Error("odd"))).toEqual({ name: "Error", message: "odd" });
    expect(classifyError("plain")).toEqual({ name: undefined, message: "plain" });
  });
});
