import { afterEach, describe, expect, it, vi } from "vitest";
import { makeConvexTestInstance } from "../../tests/functions/convexTest";
import { internal } from "../_generated/api";

async function seed() {
  const t = makeConvexTestInstance();
  const ids = await t.run(async (ctx) => {
    const projectId = await ctx.db.insert("projects", { name: "P", ownerId: "issuer|alice", updatedAt: 0 });
    const conversationId = await ctx.db.insert("conversations", { projectId, title: "New conversation", updatedAt: 0 });
    const messageId = await ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
    return { projectId, conversationId, messageId };
  });
  return { t, ...ids };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("streamed chunks and the final state", () => {
  it("appends while processing, refuses after a cancel, and finalize folds the chunks in order", async () => {
    const { t, messageId } = await seed();
    expect(await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 1, text: "world" })).toBe("processing");
    expect(await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 0, text: "Hello " })).toBe("processing");
    await t.run((ctx) => ctx.db.patch("messages", messageId, { status: "cancelled" }));
    expect(await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 2, text: "!!" })).toBe("cancelled");
    await t.mutation(internal.ai.data.finalize, { messageId, tail: "" });
    const message = await t.run((ctx) => ctx.db.get("messages", messageId));
    expect(message).toMatchObject({ content: "Hello world", status: "cancelled" });
  });

  it("finalize appends its own text as the last chunk and counts the chunks that make the content", async () => {
    const { t, messageId } = await seed();
    await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 0, text: "Hello " });
    await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 1, text: "world" });
    await t.mutation(internal.ai.data.finalize, { messageId, tail: "!" });
    const message = await t.run((ctx) => ctx.db.get("messages", messageId));
    expect(message).toMatchObject({ content: "Hello world!", status: "completed", streamedChunks: 3 });
    // A subscriber that received chunks 0 … streamedChunks-1 holds exactly the content (no second read of it).
    const chunks = await t.run((ctx) => ctx.db.query("messageChunks").withIndex("by_message_seq", (q) => q.eq("messageId", messageId)).collect());
    expect(chunks.map((c) => [c.seq, c.text])).toEqual([
      [0, "Hello "],
      [1, "world"],
      [2, "!"],
    ]);
    // The paragraph break before an expiry notice is part of that last chunk; nothing streamed: one chunk.
    const other = await seed();
    await other.t.mutation(internal.ai.data.appendChunk, { messageId: other.messageId, seq: 0, text: "Partial" });
    await other.t.mutation(internal.ai.data.expire, { messageId: other.messageId });
    const expired = await other.t.run((ctx) => ctx.db.get("messages", other.messageId));
    const expiredChunks = await other.t.run((ctx) => ctx.db.query("messageChunks").collect());
    expect(expired?.streamedChunks).toBe(2);
    expect(expiredChunks.map((c) => c.text).join("")).toBe(expired?.content);
    const silent = await seed();
    await silent.t.mutation(internal.ai.data.finalize, { messageId: silent.messageId, tail: "No provider." });
    expect(await silent.t.run((ctx) => ctx.db.get("messages", silent.messageId))).toMatchObject({ content: "No provider.", streamedChunks: 1 });
  });

  it("deletes the folded chunks later, and a second finalize does not fold them again", async () => {
    vi.useFakeTimers();
    const { t, messageId } = await seed();
    await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 0, text: "Hello" });
    await t.mutation(internal.ai.data.finalize, { messageId, tail: "" });
    // Kept until the subscribers have seen the final message, so their chunk pages are not re-sent empty.
    expect(await t.run((ctx) => ctx.db.query("messageChunks").collect())).toHaveLength(1);
    expect(await t.mutation(internal.ai.data.finalize, { messageId, tail: "" })).toBe(false);
    await t.mutation(internal.ai.data.expire, { messageId });
    expect((await t.run((ctx) => ctx.db.get("messages", messageId)))?.content).toBe("Hello");
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.run((ctx) => ctx.db.query("messageChunks").collect())).toEqual([]);
    expect((await t.run((ctx) => ctx.db.get("messages", messageId)))?.content).toBe("Hello");
  });

  it("never deletes chunks that are not folded in yet", async () => {
    const { t, messageId } = await seed();
    await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 0, text: "Hello" });
    await t.mutation(internal.ai.data.deleteChunks, { messageId });
    await t.run((ctx) => ctx.db.patch("messages", messageId, { status: "cancelled" }));
    await t.mutation(internal.ai.data.deleteChunks, { messageId });
    expect(await t.run((ctx) => ctx.db.query("messageChunks").collect())).toHaveLength(1);
    await t.mutation(internal.ai.data.finalize, { messageId, tail: "" });
    await t.mutation(internal.ai.data.deleteChunks, { messageId });
    expect(await t.run((ctx) => ctx.db.query("messageChunks").collect())).toEqual([]);
    expect((await t.run((ctx) => ctx.db.get("messages", messageId)))?.content).toBe("Hello");
  });

  it("expire ends an answer left processing, keeping its text, and leaves final answers alone", async () => {
    const { t, messageId } = await seed();
    await t.mutation(internal.ai.data.appendChunk, { messageId, seq: 0, text: "Partial" });
    await t.mutation(internal.ai.data.expire, { messageId });
    const message = await t.run((ctx) => ctx.db.get("messages", messageId));
    expect(message?.status).toBe("completed");
    expect(message?.content).toBe("Partial\n\n⚠ The answer took longer than 10 minutes and was stopped.");
    await t.mutation(internal.ai.data.expire, { messageId });
    expect((await t.run((ctx) => ctx.db.get("messages", messageId)))?.content).toBe(message?.content);
  });

  it("tools refuse to act for an answer that is no longer processing", async () => {
    const { t, messageId } = await seed();
    await t.run((ctx) => ctx.db.patch("messages", messageId, { status: "cancelled" }));
    const result = await t.mutation(internal.ai.tools.apply, {
      messageId,
      name: "create_file",
      arguments: JSON.stringify({ path: "x.ts", content: "x" }),
    });
    expect(result).toBeNull();
    expect(await t.run((ctx) => ctx.db.query("files").collect())).toEqual([]);
  });

  it("a title the user chose meanwhile is kept", async () => {
    const { t, conversationId } = await seed();
    await t.run((ctx) => ctx.db.patch("conversations", conversationId, { title: "Mine" }));
    await t.mutation(internal.ai.data.setTitle, { conversationId, title: "Generated", onlyIfTitle: "New conversation" });
    expect((await t.run((ctx) => ctx.db.get("conversations", conversationId)))?.title).toBe("Mine");
  });
});
