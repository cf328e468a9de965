import { describe, expect, it } from "vitest";
import { makeConvexTestInstance } from "../../tests/functions/convexTest";
import { api } from "../_generated/api";
import { MAX_STREAM_RANGE_CHUNKS } from "../lib/limits";

async function streamingAnswer(chunkCount: number) {
  const t = makeConvexTestInstance();
  const alice = t.withIdentity({ subject: "alice" });
  const projectId = await alice.mutation(api.projects.create, { name: "P" });
  const conversationId = await alice.mutation(api.conversations.create, { projectId });
  const messageId = await t.run(async (ctx) => {
    const id = await ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
    // Inserted out of order: chunks are ordered by sequence number, not by insertion.
    for (let seq = chunkCount - 1; seq >= 0; seq--) await ctx.db.insert("messageChunks", { messageId: id, seq, text: `${seq},` });
    return id;
  });
  return { t, alice, messageId };
}

describe("ai/stream", () => {
  it("latest is the chunk with the highest sequence number, null before the first", async () => {
    const { alice, messageId } = await streamingAnswer(5);
    expect(await alice.query(api.ai.stream.latest, { messageId })).toEqual({ seq: 4, text: "4," });
    const empty = await streamingAnswer(0);
    expect(await empty.alice.query(api.ai.stream.latest, { messageId: empty.messageId })).toBeNull();
  });

  it("range returns the chunks from <= seq < to in order, at most MAX_STREAM_RANGE_CHUNKS", async () => {
    const { alice, messageId } = await streamingAnswer(7);
    expect(await alice.query(api.ai.stream.range, { messageId, from: 2, to: 5 })).toEqual([
      { seq: 2, text: "2," },
      { seq: 3, text: "3," },
      { seq: 4, text: "4," },
    ]);
    expect(await alice.query(api.ai.stream.range, { messageId, from: 6, to: 100 })).toEqual([{ seq: 6, text: "6," }]);
    const many = await streamingAnswer(MAX_STREAM_RANGE_CHUNKS + 2);
    const rows = await many.alice.query(api.ai.stream.range, { messageId: many.messageId, from: 0, to: MAX_STREAM_RANGE_CHUNKS + 2 });
    expect(rows).toHaveLength(MAX_STREAM_RANGE_CHUNKS);
    expect(rows.at(-1)!.seq).toBe(MAX_STREAM_RANGE_CHUNKS - 1);
  });
});
