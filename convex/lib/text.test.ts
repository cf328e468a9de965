import { describe, expect, it } from "vitest";
import { utf8Length } from "./text";

describe("utf8Length", () => {
  it("counts the bytes TextEncoder makes, for every kind of character and lone surrogates", () => {
    const samples = ["", "ascii", "é", "ä.ts", "€uro", "日本語", "😀", "a😀b", "\ud800", "x\udc00y", "\ud83d", "😀\ud800😀", "\u07ff\u0800"];
    const encoder = new TextEncoder();
    for (const text of samples) expect(utf8Length(text), JSON.stringify(text)).toBe(encoder.encode(text).length);
    const mixed = Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 0xffff)).join("");
    expect(utf8Length(mixed)).toBe(encoder.encode(mixed).length);
  });
});
