import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { type CaseSuite, expectConvexError } from "../harness";
import { allMessages, nextMillisecond, settled } from "./helpers";

// The scheduled AI action may run (and finish a message) at any moment after messages.send, on either backend.
// These cases therefore assert what holds whatever the action did: rows the mutations wrote, and statuses that
// are final once cancelled. tests/functions/convexTestRows.test.ts checks the exact rows with the action held back.

export const chatCases: CaseSuite = (makeHarness) => {
  describe("conversations", () => {
    it("creates with a default title, lists newest first, renames and removes with messages", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const first = await alice.mutation(api.conversations.create, { projectId });
      await nextMillisecond();
      const second = await alice.mutation(api.conversations.create, { projectId, title: "  Bug hunt " });
      let list = await alice.query(api.conversations.list, { projectId });
      expect(list.map((c) => [c._id, c.title])).toEqual([
        [second, "Bug hunt"],
        [first, "New conversation"],
      ]);

      await nextMillisecond(Math.max(...list.map((c) => c.updatedAt)));
      await alice.mutation(api.conversations.rename, { conversationId: first, title: "Renamed" });
      list = await alice.query(api.conversations.list, { projectId });
      expect(list.map((c) => [c._id, c.title])).toEqual([
        [first, "Renamed"],
        [second, "Bug hunt"],
      ]);
      await expectConvexError(alice.mutation(api.conversations.rename, { conversationId: first, title: " " }), "INVALID_NAME");
      await expectConvexError(
        alice.mutation(api.conversations.create, { projectId, title: "x".repeat(256) }),
        "INVALID_NAME",
      );

      const { userMessageId } = await alice.mutation(api.messages.send, { conversationId: first, content: "hi" });
      await alice.mutation(api.conversations.remove, { conversationId: first });
      expect((await alice.query(api.conversations.list, { projectId })).map((c) => c._id)).toEqual([second]);
      await expectConvexError(allMessages(alice, first), "NOT_FOUND");
      await expectConvexError(alice.mutation(api.messages.cancel, { messageId: userMessageId }), "NOT_FOUND");
    });
  });

  describe("messages", () => {
    it("send stores the user message and an assistant placeholder, oldest first", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      const before = (await alice.query(api.conversations.list, { projectId }))[0].updatedAt;
      await nextMillisecond(before);

      const sent = await alice.mutation(api.messages.send, { conversationId, content: "Explain main.ts" });
      const messages = await allMessages(alice, conversationId);
      expect(messages.map((m) => m._id)).toEqual([sent.userMessageId, sent.assistantMessageId]);
      expect(messages[0]).toMatchObject({ role: "user", content: "Explain main.ts", projectId, conversationId });
      expect(messages[1]).toMatchObject({ role: "assistant", projectId, conversationId });
      expect(["processing", "completed", "cancelled"]).toContain(messages[1].status);
      if (messages[1].status === "processing") expect(messages[1].content).toBe("");
      expect((await alice.query(api.conversations.list, { projectId }))[0].updatedAt).toBeGreaterThan(before);
    });

    it("a new send leaves no earlier answer of the conversation processing; cancel ends an answer", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      const otherConversation = await alice.mutation(api.conversations.create, { projectId });
      const first = await alice.mutation(api.messages.send, { conversationId, content: "one" });
      const second = await alice.mutation(api.messages.send, { conversationId, content: "two" });
      const elsewhere = await alice.mutation(api.messages.send, { conversationId: otherConversation, content: "x" });

      const rows = await allMessages(alice, conversationId);
      expect(rows.map((m) => m._id)).toEqual([
        first.userMessageId,
        first.assistantMessageId,
        second.userMessageId,
        second.assistantMessageId,
      ]);
      expect(["cancelled", "completed"]).toContain(rows[1].status);

      await alice.mutation(api.messages.cancel, { messageId: second.assistantMessageId });
      await alice.mutation(api.messages.cancel, { messageId: elsewhere.assistantMessageId });
      const final = await settled(h, () => allMessages(alice, conversationId));
      expect(["cancelled", "completed"]).toContain(final[3].status);
      expect(final.every((m) => m.status !== "processing")).toBe(true);

      // Cancelling something that is not in progress changes nothing.
      await alice.mutation(api.messages.cancel, { messageId: second.userMessageId });
      await alice.mutation(api.messages.cancel, { messageId: second.assistantMessageId });
      expect(await allMessages(alice, conversationId)).toEqual(final);
    });

    it("lists a page at a time, newest first, through to the oldest message", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      const otherConversation = await alice.mutation(api.conversations.create, { projectId });
      const ids: Id<"messages">[] = [];
      for (const content of ["one", "two", "three"]) {
        const sent = await alice.mutation(api.messages.send, { conversationId, content });
        ids.push(sent.userMessageId, sent.assistantMessageId);
      }
      await alice.mutation(api.messages.send, { conversationId: otherConversation, content: "elsewhere" });
      const newest = [...ids].reverse();

      const first = await alice.query(api.messages.list, { conversationId, paginationOpts: { numItems: 4, cursor: null } });
      expect(first.page.map((m) => m._id)).toEqual(newest.slice(0, 4));
      expect(first.isDone).toBe(false);
      const second = await alice.query(api.messages.list, {
        conversationId,
        paginationOpts: { numItems: 4, cursor: first.continueCursor },
      });
      expect(second.page.map((m) => m._id)).toEqual(newest.slice(4));
      expect(second.isDone).toBe(true);
      expect((await allMessages(alice, conversationId)).map((m) => m._id)).toEqual(ids);
      for (const id of ids.filter((_, i) => i % 2 === 1)) await alice.mutation(api.messages.cancel, { messageId: id });
    });

    it("outline is the list's page without texts, and body has each message's text", async () => {
      // The chat's list (messages.outline) is re-sent whole when an answer starts or ends: it must not carry texts.
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      const sent = await alice.mutation(api.messages.send, { conversationId, content: "a question with words" });
      const paginationOpts = { numItems: 10, cursor: null };
      const outline = await alice.query(api.messages.outline, { conversationId, paginationOpts });
      const list = await alice.query(api.messages.list, { conversationId, paginationOpts });
      expect(outline.page.map((m) => [m._id, m.role])).toEqual(list.page.map((m) => [m._id, m.role]));
      for (const m of outline.page) expect(Object.keys(m).filter((k) => ["content", "conversationId", "projectId"].includes(k))).toEqual([]);
      expect(outline.continueCursor).toBe(list.continueCursor);
      expect(await alice.query(api.messages.body, { messageId: sent.userMessageId })).toEqual({ content: "a question with words" });
      await expectConvexError(h.as("bob").query(api.messages.body, { messageId: sent.userMessageId }), "NOT_FOUND");
      await alice.mutation(api.messages.cancel, { messageId: sent.assistantMessageId });
    });

    it("a page pinned by its end cursor takes in newer messages and keeps its older edge", async () => {
      // usePaginatedQuery re-subscribes the first page with the end cursor it first returned, so a new exchange
      // joins the newest page and no message falls between pages.
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      const earlier = await alice.mutation(api.messages.send, { conversationId, content: "one" });
      const later = await alice.mutation(api.messages.send, { conversationId, content: "two" });
      const first = await alice.query(api.messages.list, { conversationId, paginationOpts: { numItems: 2, cursor: null } });
      expect(first.page.map((m) => m._id)).toEqual([later.assistantMessageId, later.userMessageId]);

      const newest = await alice.mutation(api.messages.send, { conversationId, content: "three" });
      const pinned = await alice.query(api.messages.list, {
        conversationId,
        paginationOpts: { numItems: 2, cursor: null, endCursor: first.continueCursor },
      });
      expect(pinned.page.map((m) => m._id)).toEqual([
        newest.assistantMessageId,
        newest.userMessageId,
        later.assistantMessageId,
        later.userMessageId,
      ]);
      const rest = await alice.query(api.messages.list, {
        conversationId,
        paginationOpts: { numItems: 2, cursor: pinned.continueCursor },
      });
      expect(rest.page.map((m) => m._id)).toEqual([earlier.assistantMessageId, earlier.userMessageId]);
      await alice.mutation(api.messages.cancel, { messageId: newest.assistantMessageId });
    });

    it("refuses a page size outside 1 to 100 with a clear error", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      for (const numItems of [0, -1, 1.5, 101]) {
        const error = await expectConvexError(
          alice.query(api.messages.list, { conversationId, paginationOpts: { numItems, cursor: null } }),
          "INVALID_ARGUMENT",
        );
        expect(error.message).toContain("1 to 100 messages");
      }
      const page = await alice.query(api.messages.list, { conversationId, paginationOpts: { numItems: 100, cursor: null } });
      expect(page).toMatchObject({ page: [], isDone: true });
    });

    it("rejects empty and overlong messages", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Chat" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      await expectConvexError(alice.mutation(api.messages.send, { conversationId, content: "  \n" }), "INVALID_ARGUMENT");
      await expectConvexError(
        alice.mutation(api.messages.send, { conversationId, content: "x".repeat(100_001) }),
        "TOO_LARGE",
      );
      expect(await allMessages(alice, conversationId)).toEqual([]);
      const ok = await alice.mutation(api.messages.send, { conversationId, content: "x".repeat(100_000) });
      await alice.mutation(api.messages.cancel, { messageId: ok.assistantMessageId });
      expect((await allMessages(alice, conversationId))[0].content).toHaveLength(100_000);
    });
  });
};
