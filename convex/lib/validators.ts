import { v, type Infer } from "convex/values";
import schema from "../schema";

// Validators shared by `args` and `returns` of the public functions. Document shapes derive from the schema so
// the two cannot drift apart.

const projectFields = schema.tables.projects.validator.fields;
const conversationFields = schema.tables.conversations.validator.fields;
const messageFields = schema.tables.messages.validator.fields;
const fileFields = schema.tables.files.validator.fields;

/** A client operation id from the offline outbox: at most 100 characters, checked in model/idempotency.ts. */
export const clientOpIdValidator = v.optional(v.string());

export const projectSettingsValidator = v.object({
  installCommand: v.optional(v.string()),
  devCommand: v.optional(v.string()),
});
export type ProjectSettings = Infer<typeof projectSettingsValidator>;

export const projectValidator = v.object({
  _id: v.id("projects"),
  _creationTime: v.number(),
  ...projectFields,
});
export type Project = Infer<typeof projectValidator>;

export const fileTypeValidator = fileFields.type;
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

/** One item of files.createMany: a file (with optional text) or a folder. */
export const newItemValidator = v.object({
  name: v.string(),
  type: v.optional(fileTypeValidator),
  content: v.optional(v.string()),
});
export type NewItem = Infer<typeof newItemValidator>;

export const updateContentResultValidator = v.object({ revision: v.number() });
export type UpdateContentResult = Infer<typeof updateContentResultValidator>;

export const conversationValidator = v.object({
  _id: v.id("conversations"),
  _creationTime: v.number(),
  ...conversationFields,
});
export type Conversation = Infer<typeof conversationValidator>;

export const messageValidator = v.object({
  _id: v.id("messages"),
  _creationTime: v.number(),
  ...messageFields,
});
export type Message = Infer<typeof messageValidator>;

export const sendResultValidator = v.object({
  userMessageId: v.id("messages"),
  assistantMessageId: v.id("messages"),
});
export type SendResult = Infer<typeof sendResultValidator>;
