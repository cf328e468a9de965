import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import type { Id } from "../../../convex/_generated/dataModel";
import { SyncProvider } from "../sync/SyncProvider";
import ChatView from "./ChatView";

const clients: ConvexReactClient[] = [];
afterEach(async () => {
  cleanup();
  for (const client of clients.splice(0)) await client.close();
});

describe("ChatView offline", () => {
  it("says the assistant is offline instead of loading forever", async () => {
    // No server listens on this port: the client never connects, as with the network down.
    const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
    clients.push(client);
    render(
      <ConvexProvider client={client}>
        <SyncProvider userKey={`chat-offline-${Math.random().toString(36).slice(2)}`}>
          <ChatView projectId={"p1" as Id<"projects">} />
        </SyncProvider>
      </ConvexProvider>,
    );
    expect(await screen.findByText(/^You are offline\. The assistant and its conversations come back/)).toBeInTheDocument();
    expect(screen.queryByText("Loading…")).not.toBeInTheDocument();
  });
});
