import type { PaginationResult } from "convex/server";
import { expect } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { visibleEntries } from "../../../convex/lib/listing";
import { uploadSha256 } from "../../../convex/lib/uploadHash";
import type { ListingEntry } from "../../../convex/lib/validators";
import { listed, readListing } from "../../listing";
import type { Caller, Harness } from "../harness";

/**
 * Uploads `bytes` as `caller` the way the SPA does: declares their hash with files.generateUploadUrl (the grant
 * model/uploads.ts checks), uploads, and returns the storage id.
 */
export async function uploadAs(
  h: Pick<Harness, "upload">,
  caller: Caller,
  projectId: Id<"projects">,
  bytes: Uint8Array,
  contentType: string,
): Promise<Id<"_storage">> {
  const url = await caller.mutation(api.files.generateUploadUrl, { projectId, sha256: await uploadSha256(bytes) });
  return (await h.upload(url, bytes, contentType)) as Id<"_storage">;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once Date.now() has moved past `since`, so the next write gets a strictly later updatedAt. */
export async function nextMillisecond(since = Date.now()) {
  while (Date.now() <= since) await sleep(1);
}


/**
 * Reads `read` once the deployment is idle (`Harness.idle`): the scheduled AI action may still be finishing a
 * message when a case starts comparing, and cases compare data only once nothing is left to run.
 */
export async function settled<T>(h: Harness, read: () => Promise<T>): Promise<T> {
  await h.idle();
  return read();
}

/** Every message of a conversation, oldest first, read page by page through messages.list as a client would. */
export async function allMessages(caller: Caller, conversationId: Id<"conversations">) {
  const newestFirst: Doc<"messages">[] = [];
  let cursor: string | null = null;
  for (;;) {
    const result: PaginationResult<Doc<"messages">> = await caller.query(api.messages.list, { conversationId, paginationOpts: { numItems: 100, cursor } });
    newestFirst.push(...result.page);
    if (result.isDone) return newestFirst.reverse();
    cursor = result.continueCursor;
  }
}

/** The listed entries directly in a folder (at the root without parentId). */
export { listed, readListing };

export async function listedIn(caller: Caller, projectId: Id<"projects">, parentId?: Id<"files">): Promise<ListingEntry[]> {
  return (await listed(caller, projectId)).filter((entry) => entry.parentId === parentId);
}

/** Everything a user can read: every project with its files (with content), listing, conversations and messages. */
export async function snapshot(caller: Caller) {
  const projects = await caller.query(api.projects.list, {});
  return Promise.all(
    projects.map(async (project) => {
      const listing = await readListing(caller, project._id);
      const shown = listing.entries === null ? [] : visibleEntries(listing.entries);
      const files = await Promise.all(shown.map((f) => caller.query(api.files.get, { fileId: f._id })));
      const conversations = await caller.query(api.conversations.list, { projectId: project._id });
      const messages = await Promise.all(
        conversations.map((c) => allMessages(caller, c._id)),
      );
      // Storage URLs may be signed per request; whether one exists is what matters.
      return {
        project,
        files: files.map((f) => ({ ...f, url: f.url === undefined ? undefined : "present" })),
        listing,
        conversations,
        messages,
      };
    }),
  );
}

export interface Seeded {
  projectId: Id<"projects">;
  folderId: Id<"files">;
  subfolderId: Id<"files">;
  fileId: Id<"files">;
  nestedFileId: Id<"files">;
  binaryFileId: Id<"files">;
  storageId: Id<"_storage">;
  conversationId: Id<"conversations">;
  userMessageId: Id<"messages">;
  assistantMessageId: Id<"messages">;
}

/**
 * A project with a root file, src/ and src/lib/ holding a file, a binary upload, and a conversation with one
 * exchange whose answer has been cancelled (so no AI work is left running on it).
 */
export async function seedProject(
  caller: Caller,
  upload: (url: string, bytes: Uint8Array, type: string) => Promise<string>,
  name = "Seeded",
): Promise<Seeded> {
  const projectId = await caller.mutation(api.projects.create, { name });
  const fileId = await caller.mutation(api.files.createFile, { projectId, name: "README.md", content: "# hello" });
  const folderId = await caller.mutation(api.files.createFolder, { projectId, name: "src" });
  const subfolderId = await caller.mutation(api.files.createFolder, { projectId, parentId: folderId, name: "lib" });
  const nestedFileId = await caller.mutation(api.files.createFile, {
    projectId,
    parentId: subfolderId,
    name: "util.ts",
    content: "export const x = 1;\n",
  });
  const storageId = await uploadAs({ upload }, caller, projectId, new Uint8Array([0, 1, 2, 3, 255]), "application/octet-stream");
  const binaryFileId = await caller.mutation(api.files.createBinaryFile, {
    projectId,
    parentId: folderId,
    name: "logo.png",
    storageId,
  });
  const conversationId = await caller.mutation(api.conversations.create, { projectId, title: "First chat" });
  const { userMessageId, assistantMessageId } = await caller.mutation(api.messages.send, {
    conversationId,
    content: "What does util.ts do?",
  });
  await caller.mutation(api.messages.cancel, { messageId: assistantMessageId });
  return {
    projectId,
    folderId,
    subfolderId,
    fileId,
    nestedFileId,
    binaryFileId,
    storageId,
    conversationId,
    userMessageId,
    assistantMessageId,
  };
}

export function names(list: { name: string }[]) {
  return list.map((x) => x.name).sort();
}

export function expectUnique<T>(items: T[]) {
  expect(new Set(items).size).toBe(items.length);
}

/**
 * An answer in `conversationId` whose turn made the assistant's tool `calls`, run one after another the way the
 * answering action runs them (internal ai/tools:apply, one transaction each). The exchange is recorded by
 * messages:sendUnanswered, which schedules no action: on a deployment without an AI provider that action would end
 * the answer at once, and a tool call on an ended answer changes nothing. Returns the answer, cancelled afterwards
 * so nothing is left running on it.
 */
export async function seedTurn(h: Harness, caller: Caller, conversationId: Id<"conversations">, calls: { name: string; arguments: Record<string, unknown> }[]) {
  const { assistantMessageId } = await h.admin.mutation(internal.messages.sendUnanswered, { conversationId, content: `Make ${calls.length} changes` });
  for (const call of calls) await applyTool(h, assistantMessageId, call.name, call.arguments);
  await caller.mutation(api.messages.cancel, { messageId: assistantMessageId });
  return { assistantMessageId };
}

/** One tool call of a running answer (made by messages:sendUnanswered), as the answering action makes it; throws its refusal. */
export async function applyTool(h: Harness, messageId: Id<"messages">, name: string, args: Record<string, unknown>) {
  const result = await h.admin.mutation(internal.ai.tools.apply, { messageId, name, arguments: JSON.stringify(args) });
  if (result === null) throw new Error(`the answer ended before its ${name} call ran`);
  return result;
}

/** An answer whose turn created `name` (one create_file call); returns the answer and its change. */
export async function seedChange(h: Harness, caller: Caller, conversationId: Id<"conversations">, name: string) {
  const { assistantMessageId } = await seedTurn(h, caller, conversationId, [
    { name: "create_file", arguments: { path: name, content: "made by the assistant\n" } },
  ]);
  const { lines } = await caller.query(api.changes.forMessage, { messageId: assistantMessageId });
  return { assistantMessageId, changeId: lines[0]._id };
}
