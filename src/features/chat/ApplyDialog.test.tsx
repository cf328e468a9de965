import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { Outbox } from "../sync";
import { MemorySyncStorage } from "../sync/storage";
import { OutboxContext } from "../sync/SyncProvider";
import { ApplyDialog } from "./ApplyDialog";

const projectId = "p1" as Id<"projects">;
const fileId = "f1" as Id<"files">;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanups.splice(0)) await done();
});

/**
 * The dialog inside the app's offline layer, with the server out of reach (as offline, or with the answer still
 * on its way): what it reads comes from the outbox's cache, and what it writes must land in the outbox.
 */
async function offlineApp(children: ReactNode) {
  const sent: { path: string; args: Record<string, unknown> }[] = [];
  const outbox = new Outbox({
    userKey: `apply-${crypto.randomUUID()}`,
    transport: {
      mutation: (path, args) => {
        sent.push({ path, args });
        return new Promise(() => {});
      },
    },
    openStorage: () => Promise.resolve(new MemorySyncStorage()),
    locks: null,
    channel: null,
  });
  await outbox.start();
  outbox.cache.setLive("files:listing", { projectId }, { ready: true, buckets: 2 });
  outbox.cache.setLive("files:listingBucket", { projectId, bucket: 0 }, [{ _id: "dir", name: "src", type: "folder" }]);
  outbox.cache.setLive("files:listingBucket", { projectId, bucket: 1 }, [
    { _id: fileId, parentId: "dir", name: "a.ts", type: "file" },
  ]);
  outbox.cache.setLive("files:get", { fileId }, { _id: fileId, name: "a.ts", content: "old\n", revision: 7, size: 4 });
  // No server listens on this port: the client stays disconnected.
  const client = new ConvexReactClient("http://127.0.0.1:9", { unsavedChangesWarning: false });
  cleanups.push(() => outbox.stop(), () => client.close());
  render(
    <ConvexProvider client={client}>
      <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>
    </ConvexProvider>,
  );
  return { outbox, sent };
}

describe("Apply to file", () => {
  it("replaces a file through the outbox, based on the revision it read, like an editor save", async () => {
    const onClose = vi.fn();
    const { outbox, sent } = await offlineApp(
      <ApplyDialog projectId={projectId} code={"new\n"} defaultFileId={fileId} onClose={onClose} />,
    );
    expect(await screen.findByRole("textbox", { name: "File path" })).toHaveValue("src/a.ts");
    await userEvent.click(await screen.findByRole("button", { name: "Replace" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    // Durable before the server answers, and carrying what a stale write needs to be caught and merged.
    expect(outbox.getEntries().map((e) => [e.path, e.args])).toEqual([
      ["files:updateContent", { fileId, content: "new\n", baseRevision: 7 }],
    ]);
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].args).toEqual({ fileId, content: "new\n", baseRevision: 7, clientOpId: outbox.getEntries()[0].opId });
  });

  it("creates a new file through the outbox too", async () => {
    const onClose = vi.fn();
    const { outbox } = await offlineApp(
      <ApplyDialog projectId={projectId} code={"new\n"} defaultFileId={null} onClose={onClose} />,
    );
    await userEvent.type(await screen.findByRole("textbox", { name: "File path" }), "src/b.ts");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(outbox.getEntries().map((e) => [e.path, e.args])).toEqual([
      ["files:createFile", { projectId, parentId: "dir", name: "b.ts", content: "new\n" }],
    ]);
  });
});
