import { v, type Infer, type ObjectType, type PropertyValidators } from "convex/values";
import schema, { projectSettingsValidator, selectionValidator } from "../schema";

// Validators shared by `args` and `returns` of the public functions. Document shapes derive from the schema so
// the two cannot drift apart.

/** A whole document of `table` as queries return it: the system fields, then the schema's fields. */
function documentValidator<Table extends string, Fields extends PropertyValidators>(table: Table, fields: Fields) {
  return v.object({ _id: v.id(table), _creationTime: v.number(), ...fields });
}

/** A client operation id from the offline outbox: at most 100 characters, checked in model/idempotency.ts. */
export const clientOpIdValidator = v.optional(v.string());

export { projectSettingsValidator, selectionValidator };
export type ProjectSettings = Infer<typeof projectSettingsValidator>;
export type Selection = Infer<typeof selectionValidator>;

export const projectValidator = documentValidator("projects", schema.tables.projects.validator.fields);
export type Project = Infer<typeof projectValidator>;

export const fileTypeValidator = schema.tables.files.validator.fields.type;
export type FileType = Infer<typeof fileTypeValidator>;

/** What lists carry: everything about a file or folder except its content. */
export const fileMetaFields = {
  _id: v.id("files"),
  _creationTime: v.number(),
  projectId: v.id("projects"),
  parentId: v.optional(v.id("files")),
  name: v.string(),
  type: fileTypeValidator,
  updatedAt: v.number(),
  revision: v.number(),
  size: v.number(),
  /** True when the bytes live in storage (binaries and uploaded text over the inline limit). */
  isBinary: v.boolean(),
};
export const fileMetaValidator = v.object(fileMetaFields);
export type FileMeta = Infer<typeof fileMetaValidator>;

/** One file with its bytes: inline `content` for text, a storage `url` otherwise. */
export const fileWithContentValidator = v.object({
  ...fileMetaFields,
  content: v.optional(v.string()),
  url: v.optional(v.string()),
});
export type FileWithContent = Infer<typeof fileWithContentValidator>;

/**
 * One entry of the file listing (files.listingBucket): only what the tree and quick open need, nothing a save
 * changes. `isBinary` is present only when true. Structurally a lib/listing.ts ListingEntry, so the pure tree
 * functions there apply.
 */
export const listingEntryValidator = v.object({
  _id: v.id("files"),
  parentId: v.optional(v.id("files")),
  name: v.string(),
  type: fileTypeValidator,
  isBinary: v.optional(v.boolean()),
});
export type ListingEntry = Infer<typeof listingEntryValidator>;

/** files.listing: whether the listing is complete, and how many buckets it has (numbered 0…buckets-1). */
export const listingHeadValidator = v.object({ ready: v.boolean(), buckets: v.number() });
export type ListingHead = Infer<typeof listingHeadValidator>;

/**
 * files.listingTop: the root level of the listing, each entry with the bucket that holds it (what the SPA shows
 * while the buckets are still arriving), at most LISTING_BUCKET_SIZE of them; `complete` is false when the root
 * holds more. Null while the listing is not ready.
 */
export const listingTopValidator = v.union(
  v.object({
    entries: v.array(v.object({ entry: listingEntryValidator, bucket: v.number() })),
    complete: v.boolean(),
  }),
  v.null(),
);
export type ListingTop = Infer<typeof listingTopValidator>;

/** One item of files.createMany: a file (with optional text) or a folder. */
export const newItemValidator = v.object({
  name: v.string(),
  type: v.optional(fileTypeValidator),
  content: v.optional(v.string()),
});
export type NewItem = Infer<typeof newItemValidator>;

export const updateContentResultValidator = v.object({ revision: v.number() });
export type UpdateContentResult = Infer<typeof updateContentResultValidator>;

export const conversationValidator = documentValidator("conversations", schema.tables.conversations.validator.fields);
export type Conversation = Infer<typeof conversationValidator>;

export const messageValidator = documentValidator("messages", schema.tables.messages.validator.fields);
export type Message = Infer<typeof messageValidator>;

const messageFields = schema.tables.messages.validator.fields;
/**
 * A message without its text (messages:outline), what the chat's list holds; the text is read per message
 * (messages:body), so a page re-sent when an answer starts or ends does not carry every earlier message's text.
 */
export const messageOutlineValidator = v.object({
  _id: v.id("messages"),
  _creationTime: v.number(),
  role: messageFields.role,
  status: messageFields.status,
  activity: messageFields.activity,
  streamedChunks: messageFields.streamedChunks,
});
export type MessageOutline = Infer<typeof messageOutlineValidator>;

export const sendResultValidator = v.object({
  userMessageId: v.id("messages"),
  assistantMessageId: v.id("messages"),
});
export type SendResult = Infer<typeof sendResultValidator>;

const changeFields = schema.tables.fileChanges.validator.fields;

/** One line of an answer's change set (model/changes.ts changeLine). */
export const changeLineValidator = v.object({
  _id: v.id("fileChanges"),
  fileId: v.id("files"),
  type: changeFields.type,
  kind: v.union(v.literal("created"), v.literal("edited"), v.literal("moved"), v.literal("deleted")),
  path: v.string(),
  fromPath: v.optional(v.string()),
  added: v.number(),
  removed: v.number(),
  state: changeFields.state,
  binary: v.optional(v.boolean()),
  /** Recorded while the project waited for review, and neither kept nor undone since. */
  pending: v.optional(v.boolean()),
});
export type ChangeLine = Infer<typeof changeLineValidator>;

const opFields = schema.tables.changeOps.validator.fields;

/** An undo or restore on an answer carried on by scheduled steps (model/changeOps.ts): how far, or why it failed. */
export const changeOperationValidator = v.object({
  kind: opFields.kind,
  status: opFields.status,
  done: v.number(),
  total: v.number(),
  error: opFields.error,
});
export type ChangeOperation = Infer<typeof changeOperationValidator>;

export const changeSetValidator = v.object({
  lines: v.array(changeLineValidator),
  restoredHere: v.boolean(),
  operation: v.optional(changeOperationValidator),
});
export type ChangeSet = Infer<typeof changeSetValidator>;

/** The changes of a project waiting for review (model/changes.ts pendingRows): one line each, with its answer. */
export const pendingChangesValidator = v.array(v.object({ messageId: v.id("messages"), line: changeLineValidator }));
export type PendingChanges = Infer<typeof pendingChangesValidator>;

export const changeTextsValidator = v.object({ line: changeLineValidator, before: v.string(), after: v.string(), binary: v.boolean() });
export type ChangeTexts = Infer<typeof changeTextsValidator>;

/**
 * The run of a transfer that an internal step of its action belongs to: the row and which of its runs (`attempt`
 * in schema.ts). A step of any other run changes nothing.
 */
export const transferRunArgs = { transferId: v.id("transfers"), attempt: v.number() };
export type TransferRun = ObjectType<typeof transferRunArgs>;
