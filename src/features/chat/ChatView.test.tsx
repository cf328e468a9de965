import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { Outbox } from "../sync";
import { SyncProvider } from "../sync/SyncProvider";
import ChatView from "./ChatView";

const clients: ConvexReactClient[] = [];
afterEach(async () => {
  cleanup();
  for (const client of clients.splice(0)) await client.close();
});

/** The chat of `userKey`, with a Convex client that never connects, as with the network down. */
function renderOffline(userKey: string, projectId: Id<"projects">) {
  // No server listens on this port.
  const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
  clients.push(client);
  render(
    <ConvexProvider client={client}>
      <SyncProvider userKey={userKey}>
        <ChatView projectId={projectId} />
      </SyncProvider>
    </ConvexProvider>,
  );
}

const freshUser = (name: string) => `${name}-${Math.random().toString(36).slice(2)}`;

describe("ChatView offline", () => {
  it("says the conversation shows when the connection is back, instead of loading forever, when nothing is cached", async () => {
    renderOffline(freshUser("chat-offline"), "p1" as Id<"projects">);
    expect(await screen.findByText(/^You are offline, and this conversation was not opened here before/)).toBeInTheDocument();
    expect(screen.queryByText("Loading…")).not.toBeInTheDocument();
  });

  it("shows the conversation cached on an earlier visit, and the composer keeps a draft without sending it", async () => {
    const userKey = freshUser("chat-cached");
    const projectId = "p1" as Id<"projects">;
    const conversationId = "c1" as Id<"conversations">;
    const conversation: Doc<"conversations"> = { _id: conversationId, _creationTime: 1, projectId, title: "Plans", updatedAt: 2 };
    const message = (n: number, role: "user" | "assistant", content: string): Doc<"messages"> => ({
      _id: `m${n}` as Id<"messages">,
      _creationTime: n,
      conversationId,
      projectId,
      role,
      content,
      ...(role === "assistant" ? { status: "completed" as const } : {}),
    });
    // An earlier visit, online: what the chat's reads cached (newest message first, as messages.outline pages are).
    const earlier = new Outbox({ userKey, transport: { mutation: () => new Promise(() => {}) }, locks: null, channel: null });
    await earlier.start();
    earlier.cache.setLive("conversations:list", { projectId }, [conversation]);
    // The list without texts (messages:outline) and each message's text (messages:body).
    const cached = [message(2, "assistant", "Use **two** files."), message(1, "user", "How should I split it?")];
    earlier.cache.setLive(
      "messages:outline",
      { conversationId },
      cached.map(({ _id, _creationTime, role, status }) => ({ _id, _creationTime, role, status })),
    );
    for (const m of cached) earlier.cache.setLive("messages:body", { messageId: m._id }, { content: m.content });
    await earlier.cache.flush();
    earlier.stop();

    renderOffline(userKey, projectId);
    expect(await screen.findByText("How should I split it?")).toBeInTheDocument();
    expect(screen.getByRole("article", { name: "Assistant" })).toHaveTextContent("Use two files.");
    expect(await screen.findByText(/^Offline: write your question now and send it when the connection is back/)).toBeInTheDocument();
    const box = screen.getByRole("textbox", { name: "Message" });
    await userEvent.type(box, "And the tests?{Enter}");
    expect(box).toHaveValue("And the tests?");
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
  });
});
