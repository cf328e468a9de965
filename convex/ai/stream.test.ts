import { describe, expect, it } from "vitest";
import { makeConvexTestInstance } from "../../tests/functions/convexTest";
import { api } from "../_generated/api";
import { CHUNK_PAGE_SIZE } from "../lib/limits";

describe("ai/stream:chunks", () => {
  it("serves fixed pages of CHUNK_PAGE_SIZE chunks in sequence order, the last one partial", async () => {
    const t = makeConvexTestInstance();
    const alice = t.withIdentity({ subject: "alice" });
    const projectId = await alice.mutation(api.projects.create, { name: "P" });
    const conversationId = await alice.mutation(api.conversations.create, { projectId });
    const total = 2 * CHUNK_PAGE_SIZE + 1;
    const messageId = await t.run(async (ctx) => {
      const id = await ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
      // Inserted out of order: the page is defined by sequence numbers, not by insertion.
      for (let seq = total - 1; seq >= 0; seq--) await ctx.db.insert("messageChunks", { messageId: id, seq, text: `${seq},` });
      return id;
    });
    const pages = [];
    for (let page = 0; page < 3; page++) pages.push(await alice.query(api.ai.stream.chunks, { messageId, page }));
    expect(pages.map((p) => p.count)).toEqual([CHUNK_PAGE_SIZE, CHUNK_PAGE_SIZE, 1]);
    expect(pages.map((p) => p.text).join("")).toBe(Array.from({ length: total }, (_, seq) => `${seq},`).join(""));
  });
});
