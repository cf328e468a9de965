import { describe, expect, it } from "vitest";
import { act, renderHook } from "@testing-library/react";
import type { Id } from "../../../convex/_generated/dataModel";
import { streamedAnswers } from "./streamedAnswers";
import { useTextSources } from "./useTextSources";

describe("useTextSources", () => {
  it("turns an ended answer from its stream to its chunks when the chunk it missed arrives after the outline", () => {
    const id = `late-${Math.random().toString(36).slice(2)}`;
    const messages = [
      { _id: `${id}-q` as Id<"messages">, role: "user" as const },
      { _id: id as Id<"messages">, role: "assistant" as const, status: "completed" as const, streamedChunks: 3 },
    ];
    // The outline ended the answer with 3 chunks; this tab holds 2 (the last two writes reached it as one update).
    streamedAnswers.set(id, 2, "Streamed here, ");
    let renders = 0;
    const { result } = renderHook(() => {
      renders += 1;
      return useTextSources(messages);
    });
    expect(result.current).toEqual([{ from: "body" }, { from: "stream" }]);
    const before = renders;
    // Another answer's chunk changes no source here: no render.
    act(() => streamedAnswers.set(`${id}-other`, 1, "x"));
    expect(renders).toBe(before);
    // ai/stream:range answered: the answer is whole, with nothing else changing.
    act(() => streamedAnswers.set(id, 3, "Streamed here, kept."));
    expect(result.current).toEqual([{ from: "body" }, { from: "held", text: "Streamed here, kept." }]);
  });

  it("reads an answer with messages:body when its missing chunks are gone", () => {
    const id = `gone-${Math.random().toString(36).slice(2)}`;
    const messages = [{ _id: id as Id<"messages">, role: "assistant" as const, status: "completed" as const, streamedChunks: 3 }];
    streamedAnswers.set(id, 1, "Part");
    const { result } = renderHook(() => useTextSources(messages));
    expect(result.current).toEqual([{ from: "stream" }]);
    act(() => streamedAnswers.forget(id));
    expect(result.current).toEqual([{ from: "body" }]);
  });
});
