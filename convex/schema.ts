import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

// Field shapes that public functions also take as arguments (re-exported by lib/validators.ts), declared once here
// because lib/validators.ts derives the rest of its shapes from this schema.

/** A project's run settings: the commands the runner uses to install dependencies and start the dev server. */
export const projectSettingsValidator = v.object({
  installCommand: v.optional(v.string()),
  devCommand: v.optional(v.string()),
  // The assistant's changes: applied at once with Undo on the answer's card ("apply", the default), or left
  // pending in the tree and the editor until the person keeps or undoes each ("review").
  assistantChanges: v.optional(v.union(v.literal("apply"), v.literal("review"))),
});

/** Character offsets of a selection in a shared file (0 ≤ from ≤ to, checked by the mutation that stores it). */
export const selectionValidator = v.object({ from: v.number(), to: v.number() });

// The four tables of the Polaris specification, field for field, plus the additions listed in
// docs/architecture.md (each optional, so data written by the original schema stays valid).
export default defineSchema({
  // A project belongs to exactly one user: ownerId is the owner's `tokenIdentifier` from ctx.auth.
  projects: defineTable({
    name: v.string(),
    ownerId: v.string(),
    updatedAt: v.number(),
    importStatus: v.optional(v.union(v.literal("importing"), v.literal("completed"), v.literal("failed"))),
    exportStatus: v.optional(
      v.union(v.literal("exporting"), v.literal("completed"), v.literal("failed"), v.literal("cancelled")),
    ),
    exportRepoUrl: v.optional(v.string()),
    settings: v.optional(projectSettingsValidator),
  }).index("by_owner", ["ownerId"]),

  // A file or folder. parentId undefined means the project root. Names are unique among siblings.
  // Text up to the inline limit (convex/lib/limits.ts, just under 1 MiB) lives in `content`; larger text and every binary lives in storage (`storageId`).
  files: defineTable({
    projectId: v.id("projects"),
    parentId: v.optional(v.id("files")),
    name: v.string(),
    type: v.union(v.literal("file"), v.literal("folder")),
    content: v.optional(v.string()),
    storageId: v.optional(v.id("_storage")),
    updatedAt: v.number(),
    // Addition: bumped on every content write; clients send the revision their edit was based on.
    revision: v.optional(v.number()),
    // Addition: byte size of the content (text or blob), so the tree can show it without loading content.
    size: v.optional(v.number()),
    // Addition: the case-folded name (model/names.ts nameKey), unique among live siblings: README.md and readme.md
    // would be one file on macOS and Windows. Absent on a trashed row (it no longer holds its name) and on rows
    // written before it existed until the start-up migration (migrations:backfillNameKeys) sets it.
    nameKey: v.optional(v.string()),
    // Addition (trash, docs/architecture.md "Deleting and the trash"): set on the one row a delete names, when it
    // was deleted. The row and everything below it stay as they were, hidden from every reader (access.ts,
    // lib/listing.ts), until Undo clears it or the sweep destroys them TRASH_RETENTION_DAYS later.
    trashedAt: v.optional(v.number()),
  })
    // The specification names all three indexes; by_project keeps creation order for whole-project scans.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_project", ["projectId"])
    .index("by_parent", ["parentId"])
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_project_parent", ["projectId", "parentId"])
    // Addition: sibling-name uniqueness is a point lookup here. Scanning siblings instead would read every
    // sibling's inline content, which overruns Convex's 16 MiB per-transaction read limit in a folder of
    // large files.
    .index("by_project_parent_name", ["projectId", "parentId", "name"])
    // Addition: case-folded sibling uniqueness as a point lookup (trashed rows have no nameKey).
    .index("by_project_parent_nameKey", ["projectId", "parentId", "nameKey"])
    // Addition: the trash sweep finds rows deleted before its cutoff (live rows have no trashedAt).
    .index("by_trashed", ["trashedAt"])
    // Addition: the nameKey migration finds the live rows without a key (nameKey and trashedAt both absent).
    .index("by_nameKey_trashed", ["nameKey", "trashedAt"])
    // Addition: copies share a blob, so a blob is deleted only when no file references it any more, and
    // createBinaryFile accepts only a storageId that no file references yet.
    .index("by_storage", ["storageId"]),

  // Addition (listing, docs/architecture.md "Projects of any size"): the compact listing the tree and quick open
  // read instead of `files`. Maintained in the same transaction by every structural write (create, rename, move,
  // copy, delete, binary upload, a save that turns a binary into text), never by an ordinary content save.

  // One per project: who may read the listing, and whether it is complete. A project created by the original
  // schema starts "building" (the migration backfills it); a new one starts "ready". Never changes on a save,
  // so the listing queries that read it are not re-run by saves (the project row's updatedAt is).
  fileListings: defineTable({
    projectId: v.id("projects"),
    ownerId: v.string(),
    status: v.union(v.literal("building"), v.literal("ready")),
    // While building: where the backfill continues (a pagination cursor over the project's `files` rows).
    backfillCursor: v.optional(v.string()),
  }).index("by_project", ["projectId"]),

  // The buckets of a project's listing, numbered 0, 1, 2… without gaps; `count` entries each, at most
  // LISTING_BUCKET_SIZE. A new entry goes to the emptiest bucket, a new bucket opens only when all are full.
  fileBuckets: defineTable({
    projectId: v.id("projects"),
    bucket: v.number(),
    count: v.number(),
  })
    .index("by_project_bucket", ["projectId", "bucket"])
    .index("by_project_count", ["projectId", "count"]),

  // One per file or folder: exactly the fields the tree and quick open need. `isBinary` is stored only when true.
  fileEntries: defineTable({
    projectId: v.id("projects"),
    bucket: v.number(),
    fileId: v.id("files"),
    parentId: v.optional(v.id("files")),
    name: v.string(),
    type: v.union(v.literal("file"), v.literal("folder")),
    isBinary: v.optional(v.boolean()),
  })
    .index("by_project_bucket", ["projectId", "bucket"])
    .index("by_file", ["fileId"])
    .index("by_project_parent_name", ["projectId", "parentId", "name"]),

  // A deleted folder whose descendants (files rows, entries, blobs) are still being deleted in batches. The
  // folder's own row and entry are already gone, which hides the descendants from every reader.
  filePurges: defineTable({
    projectId: v.id("projects"),
    folderId: v.id("files"),
  }).index("by_project", ["projectId"]),

  conversations: defineTable({
    projectId: v.id("projects"),
    title: v.string(),
    updatedAt: v.number(),
  }).index("by_project", ["projectId"]),

  messages: defineTable({
    conversationId: v.id("conversations"),
    projectId: v.id("projects"),
    role: v.union(v.literal("user"), v.literal("assistant")),
    content: v.string(),
    status: v.optional(v.union(v.literal("processing"), v.literal("completed"), v.literal("cancelled"))),
    // Addition (AI): set when an answer ends, the number of its streamed chunks (messageChunks, seq 0 … n-1): their
    // texts joined are exactly `content`, so a client that streamed them all already holds the text and need not
    // read it again (ai/data.ts finalizeMessage). Absent on user messages and answers from before it existed.
    streamedChunks: v.optional(v.number()),
    // Addition (AI): the assistant's tool calls, shown as compact activity lines. `offset` is the length of
    // `content` when the call ran, so the UI can interleave lines with the text. Written once per tool call.
    activity: v.optional(
      v.array(
        v.object({
          tool: v.string(),
          target: v.string(),
          detail: v.string(),
          ok: v.boolean(),
          offset: v.number(),
        }),
      ),
    ),
  })
    .index("by_conversation", ["conversationId"])
    .index("by_project_status", ["projectId", "status"]),

  // Addition (AI): the text of an answer while it streams, appended in throttled chunks so each step sends one
  // small row over the sync socket instead of rewriting the whole message (and re-sending messages.list). When
  // the answer reaches a final state the chunks are folded into messages.content and deleted.
  messageChunks: defineTable({
    messageId: v.id("messages"),
    seq: v.number(),
    text: v.string(),
  }).index("by_message_seq", ["messageId", "seq"]),

  // Addition (AI): what the user shares with the assistant in a conversation (the open file and selection),
  // set by the chat composer before it sends; read by the answering action. One row per conversation.
  chatContext: defineTable({
    conversationId: v.id("conversations"),
    fileId: v.id("files"),
    selection: v.optional(selectionValidator),
  }).index("by_conversation", ["conversationId"]),

  // Addition (import/export, docs/import-export.md): the state of a project's latest import and latest export, one
  // row per project and kind, reused by the next run. `projects.importStatus` / `exportStatus` mirror `status` for
  // the spec; this row carries what the UI shows besides (progress, the reason of a failure) and what the running
  // action obeys (`cancelRequested`). Written by the transfer's own mutations only.
  transfers: defineTable({
    projectId: v.id("projects"),
    ownerId: v.string(),
    /** "zip": a ZIP of the project built on the server (large projects; docs/import-export.md "ZIP download"). */
    kind: v.union(v.literal("import"), v.literal("export"), v.literal("zip")),
    status: v.union(v.literal("running"), v.literal("completed"), v.literal("failed"), v.literal("cancelled")),
    /** What is imported or where it is exported, for display: a file name or a URL without credentials. */
    source: v.string(),
    /** The ZIP archive being imported (deleted when the import ends), or the Git URL and branch/tag. */
    storageId: v.optional(v.id("_storage")),
    url: v.optional(v.string()),
    ref: v.optional(v.string()),
    /** Export to GitHub: the repository to create on the first export (in `owner`, an organization, else the token's account). */
    githubRepo: v.optional(v.object({ name: v.string(), private: v.boolean(), owner: v.optional(v.string()) })),
    phase: v.optional(v.string()),
    done: v.number(),
    total: v.number(),
    /** Why it failed, or a note on success (skipped symbolic links, the commit pushed). */
    message: v.optional(v.string()),
    cancelRequested: v.optional(v.boolean()),
    /** A completed "zip": the archive built, downloadable until it is replaced or expires (ZIP_KEEP_MS). */
    zipStorageId: v.optional(v.id("_storage")),
    updatedAt: v.number(),
    /**
     * Which run of the row this is (1, 2, …; absent on rows from before it, read as 0): each run replaces the row's
     * fields and counts it up. The run's action carries it into every internal step, which acts only while it is
     * still the row's run, so a late call from an ended run (swept as dead, then retried) changes nothing.
     */
    attempt: v.optional(v.number()),
  })
    .index("by_project_kind", ["projectId", "kind"])
    // The sweep of runs whose action died (transfers.sweepDead).
    .index("by_status_updated", ["status", "updatedAt"]),

  // Addition (import/export): the Git remote a project was imported from or last exported to, and the commit it
  // matched then. An export pushes a new commit on top of `commit` and refuses when the remote's branch has moved
  // on from it, so nothing on the remote is ever overwritten.
  gitRemotes: defineTable({
    projectId: v.id("projects"),
    url: v.string(),
    branch: v.string(),
    commit: v.string(),
    updatedAt: v.number(),
  }).index("by_project", ["projectId"]),

  // Addition (import/export): a user's token for a Git host (GitHub or any smart-HTTP server). Read only by the
  // import/export actions through internal functions; no public function returns `token`, and no message or log
  // line contains it. One per (owner, host).
  gitCredentials: defineTable({
    ownerId: v.string(),
    host: v.string(),
    username: v.optional(v.string()),
    token: v.string(),
    createdAt: v.number(),
  }).index("by_owner_host", ["ownerId", "host"]),

  // Addition (review, docs/architecture.md "The assistant's changes"): one row per file or folder an assistant turn
  // (its assistant message) created, edited, moved or deleted; the rows of a turn are its change set. A side that
  // exists has a path; `before*` is the state before the turn (absent path: the turn created it), `after*` the state
  // the turn left (absent path: it deleted it). Content is stored only where undo or redo needs it: the text (a
  // `changeTexts` row, so this row stays small: the card, `pending` and restore read rows, never texts) or blob of
  // the side being replaced, never a copy of the project. `turnTime` is the message's creation time, so "restore to
  // here" finds the rows of every later turn still applied through one index range.
  fileChanges: defineTable({
    projectId: v.id("projects"),
    conversationId: v.id("conversations"),
    messageId: v.id("messages"),
    turnTime: v.number(),
    // Order of first touch within the turn.
    seq: v.number(),
    // The node as it is on the side currently applied (a recreated node gets a new id).
    fileId: v.id("files"),
    type: v.union(v.literal("file"), v.literal("folder")),
    state: v.union(v.literal("applied"), v.literal("undone"), v.literal("kept")),
    beforePath: v.optional(v.string()),
    beforeTextId: v.optional(v.id("changeTexts")),
    beforeStorageId: v.optional(v.id("_storage")),
    beforeRevision: v.optional(v.number()),
    afterPath: v.optional(v.string()),
    afterTextId: v.optional(v.id("changeTexts")),
    afterStorageId: v.optional(v.id("_storage")),
    afterRevision: v.optional(v.number()),
    // Bytes of the texts this row holds (its `changeTexts`), so the answer's undo budget is summed from rows alone.
    textBytes: v.optional(v.number()),
    // The shape before `changeTexts`: the texts inline. Read as before; the start-up migration
    // (migrations:moveChangeTexts) moves them out, and every switch writes the new shape.
    beforeContent: v.optional(v.string()),
    afterContent: v.optional(v.string()),
    added: v.number(),
    removed: v.number(),
    // Set when a "restore to here" undid this row: the assistant message restored to, so the restore can be undone.
    restoredTo: v.optional(v.id("messages")),
    // Recorded while the project waits for review: set until the row is first kept or undone (then cleared, so
    // the index holds only what waits).
    pending: v.optional(v.literal(true)),
  })
    .index("by_message_seq", ["messageId", "seq"])
    .index("by_message_file", ["messageId", "fileId"])
    .index("by_file", ["fileId"])
    .index("by_project_state_turn", ["projectId", "state", "turnTime"])
    .index("by_conversation", ["conversationId"])
    .index("by_restored", ["projectId", "restoredTo"])
    .index("by_project_pending", ["projectId", "pending"])
    .index("by_before_storage", ["beforeStorageId"])
    .index("by_after_storage", ["afterStorageId"]),

  // Addition (review): the text one side of a `fileChanges` row needs to be brought back, read only when that row
  // is switched or diffed. Owned by exactly one row (its beforeTextId or afterTextId), deleted with it or when the
  // row no longer needs it, so it needs no index of its own.
  changeTexts: defineTable({
    projectId: v.id("projects"),
    text: v.string(),
  }),

  // Addition (review, docs/architecture.md "The assistant's changes"): an undo, restore or undo of a restore too
  // large for one transaction, carried on by scheduled steps (model/changeOps.ts). `rows` are switched in order;
  // the first `done` are switched. While one exists in "running" or "rollingBack", nothing else in the project
  // switches or keeps changes. A refusal part-way switches the done rows back ("rollingBack") and leaves the row in
  // "failed" with the refusal, for the card to show, until the next operation of the project replaces it.
  changeOps: defineTable({
    projectId: v.id("projects"),
    messageId: v.id("messages"),
    userId: v.string(),
    kind: v.union(v.literal("undo"), v.literal("restore"), v.literal("undoRestore")),
    keepBoth: v.optional(v.boolean()),
    rows: v.array(v.id("fileChanges")),
    done: v.number(),
    status: v.union(v.literal("running"), v.literal("rollingBack"), v.literal("failed")),
    error: v.optional(
      v.object({ code: v.string(), message: v.string(), path: v.optional(v.string()), canKeepBoth: v.optional(v.boolean()) }),
    ),
  })
    .index("by_project", ["projectId"])
    .index("by_message", ["messageId"]),

  // Addition (uploads, docs/architecture.md "Who may use an upload"): the upload URLs a user asked for, each with
  // the SHA-256 (base64, as `_storage.sha256`) of the bytes the user declared they would upload. A mutation that
  // takes a storage id accepts it only from a user holding an unexpired grant for that blob's hash, and consumes
  // the grant, so another user's storage id is refused. Expired grants, and the uploads they allowed that were never
  // used, are deleted by an hourly cron (uploads.sweepGrants); `sweptUntil` is how far through the grant's window of
  // blobs a sweep that ran out of budget got.
  uploadGrants: defineTable({
    ownerId: v.string(),
    sha256: v.string(),
    createdAt: v.number(),
    sweptUntil: v.optional(v.number()),
  })
    .index("by_owner_sha256_created", ["ownerId", "sha256", "createdAt"])
    .index("by_sha256_created", ["sha256", "createdAt"])
    .index("by_created", ["createdAt"]),

  // Addition: idempotency record for replayable writes (the offline outbox). One row per (user, client
  // operation id); a repeat returns `result` instead of applying the write again. Rows older than the
  // retention window are swept.
  clientOps: defineTable({
    userId: v.string(),
    opId: v.string(),
    result: v.any(),
    createdAt: v.number(),
  })
    .index("by_user_op", ["userId", "opId"])
    .index("by_created", ["createdAt"]),
});
