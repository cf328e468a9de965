import { describe, expect, it } from "vitest";
import { distinguishingSuffixes } from "./TabBar";

describe("distinguishingSuffixes", () => {
  it("is empty for names no other tab has", () => {
    expect(distinguishingSuffixes(["src/app.ts", "README.md"])).toEqual(["", ""]);
  });

  it("gives same-named files the fewest folders that tell them apart", () => {
    expect(distinguishingSuffixes(["src/a/index.ts", "lib/a/index.ts", "src/b/index.ts", "src/main.ts"])).toEqual([
      "src/a",
      "lib/a",
      "…/b",
      "",
    ]);
    expect(distinguishingSuffixes(["index.ts", "src/index.ts"])).toEqual(["/", "src"]);
    expect(distinguishingSuffixes(["a/index.ts", "src/a/index.ts"])).toEqual(["a", "src/a"]);
  });
});
