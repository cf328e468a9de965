import { describe, expect, it } from "vitest";
import {
  cleanTitle,
  fallbackTitle,
  readProviderConfig,
  replaceUnique,
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
  it("allows at most one write per interval and checks the status while idle", () => {
    const t = new WriteThrottle(250, 500);
    expect(t.next(0, true)).toBe("write");
    t.wrote(0);
    expect(t.next(100, true)).toBeNull();
    expect(t.next(250, true)).toBe("write");
    t.wrote(250);
    expect(t.next(600, false)).toBeNull();
    expect(t.next(750, false)).toBe("check");
    t.checked(750);
    expect(t.next(800, false)).toBeNull();
  });
  it("never exceeds four writes per second however fast text arrives", () => {
    const t = new WriteThrottle(250, 500);
    let writes = 0;
    for (let now = 0; now < 10_000; now += 7) {
      if (t.next(now, true) === "write") {
        writes++;
        t.wrote(now);
      }
    }
    expect(writes).toBeLessThanOrEqual(40);
    expect(writes).toBeGreaterThan(30);
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
});

describe("replaceUnique", () => {
  it("replaces exactly one occurrence and reports its line", () => {
    expect(replaceUnique("a\nb\nc", "b", "B")).toEqual({ ok: true, content: "a\nB\nc", line: 2 });
  });
  it("fails clearly when missing, ambiguous or empty", () => {
    expect(replaceUnique("abc", "x", "y")).toMatchObject({ ok: false, error: expect.stringContaining("not found") });
    expect(replaceUnique("aXaXa", "a", "y")).toMatchObject({ ok: false, error: expect.stringContaining("occurs 3 times") });
    expect(replaceUnique("abc", "", "y")).toMatchObject({ ok: false, error: expect.stringContaining("empty") });
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
