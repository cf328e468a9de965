import { describe, expect, it } from "vitest";
import {
  CHUNK_WRITE_INTERVAL_MS,
  cleanTitle,
  describeProviderFailure,
  type EditResult,
  fallbackTitle,
  NOT_CONFIGURED_TEXT,
  providerFailureLog,
  readProviderConfig,
  replaceUnique,
  sanitizeReason,
  selectHistory,
  splitPath,
  stripCodeFence,
  ToolCallAccumulator,
  WriteThrottle,
} from "./lib";

describe("readProviderConfig", () => {
  it("is null without a model or an endpoint", () => {
    expect(readProviderConfig({})).toBeNull();
    expect(readProviderConfig({ POLARIS_AI_API_KEY: "k" })).toBeNull();
    expect(readProviderConfig({ POLARIS_AI_MODEL: "m" })).toBeNull();
  });
  it("defaults the base URL, key and suggest model", () => {
    expect(readProviderConfig({ POLARIS_AI_MODEL: "m", POLARIS_AI_API_KEY: "k" })).toMatchObject({
      baseURL: "https://api.openai.com/v1",
      apiKey: "k",
      suggestModel: "m",
    });
    expect(readProviderConfig({ POLARIS_AI_MODEL: "m", POLARIS_AI_BASE_URL: "http://127.0.0.1:11434/v1/", POLARIS_AI_SUGGEST_MODEL: "s" })).toMatchObject({
      baseURL: "http://127.0.0.1:11434/v1",
      apiKey: "not-needed",
      suggestModel: "s",
    });
  });
});

describe("WriteThrottle", () => {
  it("allows one write per interval, counted from each write's start, and checks the status while idle", () => {
    const t = new WriteThrottle(200, 500);
    expect(t.next(0, true)).toBe("write");
    t.writing(0);
    // The write took 150 ms: the next may still start 200 ms after the first started, not after it ended.
    expect(t.next(150, true)).toBeNull();
    expect(t.writeIn(150)).toBe(50);
    expect(t.next(200, true)).toBe("write");
    t.writing(200);
    expect(t.writeIn(450)).toBe(0);
    expect(t.next(600, false)).toBeNull();
    expect(t.next(700, false)).toBe("check");
    t.checked(700);
    expect(t.next(800, false)).toBeNull();
  });

  it("writes the first text at once, then never more than five times a second however fast text arrives", () => {
    const t = new WriteThrottle();
    expect(CHUNK_WRITE_INTERVAL_MS).toBe(200);
    const starts: number[] = [];
    for (let now = 1_000; now < 11_000; now += 7) {
      if (t.next(now, true) === "write") {
        starts.push(now);
        t.writing(now);
      }
    }
    expect(starts[0]).toBe(1_000);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(200);
    // 10 s of steady text: 5 per second, each as soon as its interval is up (7 ms steps: at most 6 ms late).
    expect(starts.length).toBeLessThanOrEqual(50);
    expect(starts.length).toBeGreaterThanOrEqual(48);
  });
});

describe("ToolCallAccumulator", () => {
  it("joins deltas by index and fills missing ids", () => {
    const acc = new ToolCallAccumulator();
    acc.add([{ index: 1, function: { name: "read_", arguments: '{"pa' } }]);
    acc.add([{ index: 0, id: "a", function: { name: "list_files", arguments: "{}" } }]);
    acc.add([{ index: 1, function: { name: "file", arguments: 'th":"x"}' } }]);
    expect(acc.result()).toEqual([
      { id: "a", name: "list_files", arguments: "{}" },
      { id: "call_1", name: "read_file", arguments: '{"path":"x"}' },
    ]);
  });
});

describe("selectHistory", () => {
  const m = (role: "user" | "assistant", content: string) => ({ role, content });
  it("keeps the newest messages within the budget, oldest first", () => {
    const newestFirst = [m("user", "c".repeat(10)), m("assistant", "b".repeat(10)), m("user", "a".repeat(10))];
    expect(selectHistory(newestFirst, 25).map((x) => x.content[0])).toEqual(["b", "c"]);
  });
  it("cuts a single oversized message from the front and skips empty ones", () => {
    expect(selectHistory([m("user", "0123456789"), m("assistant", "")], 4)).toEqual([m("user", "6789")]);
  });
  it("leaves out the no-provider help text: it is the app's, not a turn of the model", () => {
    const newestFirst = [m("user", "again?"), m("assistant", NOT_CONFIGURED_TEXT), m("user", "hello")];
    expect(selectHistory(newestFirst, 100_000)).toEqual([m("user", "hello"), m("user", "again?")]);
  });
});

describe("replaceUnique", () => {
  it("replaces exactly one occurrence and reports its line", () => {
    expect(replaceUnique("a\nb\nc", "b", "B")).toEqual({ ok: true, content: "a\nB\nc", line: 2 });
  });
  it("fails clearly when missing, ambiguous or empty", () => {
    const errorOf = (result: EditResult) => (result.ok ? null : result.error);
    expect(errorOf(replaceUnique("abc", "x", "y"))).toContain("not found");
    expect(errorOf(replaceUnique("aXaXa", "a", "y"))).toContain("occurs 3 times");
    expect(errorOf(replaceUnique("abc", "", "y"))).toContain("empty");
  });
});

describe("paths and titles", () => {
  it("splits paths and refuses to leave the project", () => {
    expect(splitPath("/src//app.ts")).toEqual(["src", "app.ts"]);
    expect(splitPath("src\\a.ts")).toEqual(["src", "a.ts"]);
    expect(splitPath("../etc/passwd")).toBeNull();
    expect(splitPath("")).toBeNull();
  });
  it("makes titles", () => {
    expect(fallbackTitle("How do I **parse** JSON in `TypeScript` safely and fast please")).toBe("How do I parse JSON in");
    expect(fallbackTitle("```\ncode\n```")).toBe("New conversation");
    expect(cleanTitle('Title: "Parsing JSON."\nmore')).toBe("Parsing JSON");
    expect(cleanTitle("  \n ")).toBeNull();
  });
  it("strips a code fence around a code-only answer", () => {
    expect(stripCodeFence("```ts\nconst a = 1;\n```")).toBe("const a = 1;");
    expect(stripCodeFence("plain")).toBe("plain");
  });
});

describe("provider failures", () => {
  const config = { baseURL: "https://user:hunter2@llm.internal.example:8443/v1", model: "secret-model", apiKey: "sk-live-0123456789abcdef" };

  it("tell users the status and what to check, never the operator's settings", () => {
    const shown = [
      describeProviderFailure({ status: 404, message: "model secret-model not found" }),
      describeProviderFailure({ kind: "connection", message: "connect ECONNREFUSED 10.1.2.3:8443" }),
      describeProviderFailure({ status: 401, message: "Incorrect API key provided: sk-live-0123456789abcdef" }),
    ];
    expect(shown[0]).toBe("⚠ The configured AI provider does not know the model or endpoint (404). Check POLARIS_AI_MODEL and POLARIS_AI_BASE_URL.");
    expect(shown[1]).toBe("⚠ Could not reach the configured AI provider. Check POLARIS_AI_BASE_URL and that the provider is running.");
    for (const text of shown) {
      expect(text).not.toMatch(/secret-model|llm\.internal|10\.1\.2\.3|sk-live|hunter2/);
    }
  });

  it("pass on a short, sanitized reason for other 4xx statuses and unknown errors", () => {
    const rejected = describeProviderFailure({
      status: 400,
      message: "Invalid key sk-proj-AbC123xyz***789 sent to https://user:pw@llm.example/v1 with Bearer abc.def token=xyz",
    });
    expect(rejected).toBe("⚠ The configured AI provider rejected the request (400): Invalid key [redacted] sent to [url] with Bearer [redacted] token=[redacted].");
    expect(describeProviderFailure({ status: 422, message: "422 Unknown field" })).toBe("⚠ The configured AI provider rejected the request (422): Unknown field.");
    const failed = describeProviderFailure({ message: `socket error at 192.168.0.7:11434 ${"x".repeat(300)}` });
    expect(failed).toContain("socket error at [address]");
    expect(failed.length).toBeLessThan(160);
  });

  it("sanitizes key-shaped tokens but keeps ordinary words", () => {
    expect(sanitizeReason("The model gpt-4o-mini does not support tools")).toBe("The model gpt-4o-mini does not support tools");
    expect(sanitizeReason("api_key: abcdef ghp_0123456789abcdefghij and 9f8e7d6c5b4a39281706f5e4d3c2b1a0")).toBe(
      "api_key: [redacted] [redacted] and [redacted]",
    );
  });

  it("keep the operator's detail for the server log, without URL credentials or the key", () => {
    const line = providerFailureLog({ status: 401, name: "AuthenticationError", message: "Incorrect API key provided: sk-live-0123456789abcdef" }, config);
    expect(line).toBe(
      "ai: provider request to https://llm.internal.example:8443/v1 (model secret-model) failed, status 401, AuthenticationError: Incorrect API key provided: [redacted]",
    );
  });
});
