import { describe, expect, it } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { StreamedAnswers, textSource } from "./streamedAnswers";

const answer = (status: "processing" | "completed" | "cancelled", streamedChunks?: number) => ({
  _id: "a1" as Id<"messages">,
  role: "assistant" as const,
  status,
  streamedChunks,
});

describe("textSource", () => {
  it("streams an answer in progress, shows a finished one from its chunks when all are held, else reads the body", () => {
    const answers = new StreamedAnswers();
    expect(textSource({ ...answer("completed", 2), role: "user" }, answers)).toEqual({ from: "body" });
    expect(textSource(answer("processing"), answers)).toEqual({ from: "stream" });
    // Never streamed here (opened after it ended), or from before streamedChunks existed: read once.
    expect(textSource(answer("completed", 2), answers)).toEqual({ from: "body" });
    answers.set("a1", 1, "Hello ");
    // Stopped while this tab streamed it, not folded in yet: still the stream (the body is about to change).
    expect(textSource(answer("cancelled"), answers)).toEqual({ from: "stream" });
    // Ended before streamedChunks existed: its body.
    expect(textSource(answer("completed"), answers)).toEqual({ from: "body" });
    // Streamed here but a chunk is missing: the stream reads it (ai/stream:range), not the whole text again.
    expect(textSource(answer("completed", 2), answers)).toEqual({ from: "stream" });
    answers.set("a1", 2, "Hello world");
    expect(textSource(answer("completed", 2), answers)).toEqual({ from: "held", text: "Hello world" });
    expect(textSource(answer("cancelled", 2), answers)).toEqual({ from: "held", text: "Hello world" });
  });

  it("keeps the newest answers only", () => {
    const answers = new StreamedAnswers(2);
    answers.set("a", 1, "A");
    answers.set("b", 1, "B");
    answers.set("a", 1, "A");
    answers.set("c", 1, "C");
    expect(answers.complete("b", 1)).toBeUndefined();
    expect(answers.complete("a", 1)).toBe("A");
    expect(answers.complete("c", 1)).toBe("C");
  });
});
