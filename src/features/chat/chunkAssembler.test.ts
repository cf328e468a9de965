import { describe, expect, it } from "vitest";
import { ChunkAssembler } from "./chunkAssembler";

describe("ChunkAssembler", () => {
  it("shows text up to the first missing chunk, names the gap, and closes it when the chunks come", () => {
    const chunks = new ChunkAssembler();
    expect(chunks.text()).toBe("");
    expect(chunks.gap()).toBeNull();
    chunks.add(0, "a");
    chunks.add(3, "d");
    expect(chunks.text()).toBe("a");
    expect(chunks.gap()).toEqual({ from: 1, to: 3 });
    chunks.add(2, "c");
    chunks.add(1, "b");
    expect(chunks.text()).toBe("abcd");
    expect(chunks.gap()).toBeNull();
  });

  it("keeps the first text of a chunk handed twice", () => {
    const chunks = new ChunkAssembler();
    chunks.add(0, "a");
    chunks.add(0, "x");
    chunks.add(1, "b");
    chunks.add(1, "y");
    expect(chunks.text()).toBe("ab");
    expect(chunks.known).toBe(2);
  });
});
