import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeProviderFailure, readProviderConfig } from "../../convex/ai/lib";
import { classifyError, makeClient, streamRound } from "../../convex/ai/provider";
import { ScriptedProvider } from "../../tests/ai/scriptedProvider";

// The provider layer alone (real `openai` client, real sockets) against the scripted provider: every failure
// mode must surface as the right readable error.

let provider: ScriptedProvider;
beforeAll(async () => {
  provider = await ScriptedProvider.start();
});
afterAll(async () => {
  await provider.close();
});

function setup(idleTimeoutMs = 2000) {
  const config = readProviderConfig({
    POLARIS_AI_BASE_URL: provider.url,
    POLARIS_AI_MODEL: "scripted-model",
    POLARIS_AI_IDLE_TIMEOUT_MS: String(idleTimeoutMs),
  })!;
  return { config, client: makeClient(config) };
}

async function round(idleTimeoutMs?: number, signal = new AbortController().signal, onText?: (texts: string[]) => void) {
  const { client, config } = setup(idleTimeoutMs);
  const texts: string[] = [];
  try {
    const result = await streamRound(
      client,
      { model: config.model, messages: [{ role: "user", content: "hi" }] },
      {
        signal,
        idleTimeoutMs: config.idleTimeoutMs,
        onText: (t) => {
          texts.push(t);
          onText?.(texts);
        },
      },
    );
    return { result, texts, error: null as string | null };
  } catch (error) {
    return { result: null, texts, error: describeProviderFailure(classifyError(error)) };
  }
}

describe("streamRound against a real Chat Completions server", () => {
  it("streams a plain answer chunk by chunk", async () => {
    provider.stream({ kind: "text", chunks: ["Hel", "lo ", "world"] });
    const { result, texts } = await round();
    expect(texts).toEqual(["Hel", "lo ", "world"]);
    expect(result).toMatchObject({ text: "Hello world", toolCalls: [], finishReason: "stop" });
  });

  it("assembles tool calls split over several chunks", async () => {
    provider.stream({ kind: "tools", text: "Let me look.", calls: [{ name: "read_file", arguments: { path: "src/a.ts" } }, { name: "list_files", arguments: {} }] });
    const { result } = await round();
    expect(result?.finishReason).toBe("tool_calls");
    expect(result?.toolCalls.map((c) => [c.name, JSON.parse(c.arguments) as unknown])).toEqual([
      ["read_file", { path: "src/a.ts" }],
      ["list_files", {}],
    ]);
  });

  it.each([
    [401, "refused the API key (401). Check POLARIS_AI_API_KEY"],
    [429, "(429)"],
    [500, "internal error (500)"],
  ])("turns HTTP %i into a readable error", async (status, text) => {
    provider.stream({ kind: "status", status });
    const { error } = await round();
    expect(error).toContain(text);
    expect(error?.startsWith("⚠")).toBe(true);
  });

  it("reports a malformed chunk", async () => {
    provider.stream({ kind: "malformed", before: ["partial"] });
    const { error, texts } = await round();
    expect(texts).toEqual(["partial"]);
    expect(error).toContain("malformed response");
  });

  it("reports a stream cut mid-answer", async () => {
    provider.stream({ kind: "cut", before: ["some", " text"] });
    const { error, texts } = await round();
    expect(texts.join("")).toBe("some text");
    expect(error).toContain("connection to the configured AI provider was cut");
  });

  it("times out when the provider goes silent", async () => {
    provider.stream({ kind: "hang", before: ["waiting"] });
    const { error } = await round(300);
    expect(error).toContain("timed out");
  });

  it("ends quietly when aborted by the caller, and the provider sees the hang-up", async () => {
    provider.stream({ kind: "text", chunks: Array.from({ length: 50 }, (_, i) => `w${i} `), delayMs: 40 });
    const controller = new AbortController();
    const before = provider.requests.length;
    // The caller hangs up after the third piece of text: nothing after it reaches the caller.
    const { result, texts, error } = await round(2000, controller.signal, (seen) => {
      if (seen.length === 3) controller.abort();
    });
    expect(error).toBeNull();
    expect(result?.finishReason).toBe("cancelled");
    expect(texts).toEqual(["w0 ", "w1 ", "w2 "]);
    await expect.poll(() => provider.requests[before].aborted).toBe(true);
  });

  it("reports an unreachable provider", async () => {
    const config = readProviderConfig({ POLARIS_AI_BASE_URL: "http://127.0.0.1:9/v1", POLARIS_AI_MODEL: "m" })!;
    try {
      await streamRound(makeClient(config), { model: "m", messages: [] }, { signal: new AbortController().signal, idleTimeoutMs: 2000, onText: () => {} });
      expect.unreachable();
    } catch (error) {
      const text = describeProviderFailure(classifyError(error));
      expect(text).toBe("⚠ Could not reach the configured AI provider. Check POLARIS_AI_BASE_URL and that the provider is running.");
      expect(text).not.toContain("127.0.0.1");
    }
  });
});
