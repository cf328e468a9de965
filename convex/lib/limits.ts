// Limits the server enforces and the SPA must agree with. Pure constants, imported by the SPA too.

/**
 * Largest text kept inline in a file row, in UTF-8 bytes; larger text and every binary go to storage.
 * Convex caps a whole document at 1 MiB (1,048,576 bytes) including its other fields and encoding overhead, so the
 * inline limit keeps 16 KiB of that for them: text at this limit fits on Convex cloud and on the local backend alike.
 */
export const MAX_TEXT_BYTES = 1_048_576 - 16 * 1024;

/**
 * Most chunks of a streaming answer one `ai/stream:range` call returns. An answer writes at most a few chunks a
 * second (CHUNK_WRITE_INTERVAL_MS), so a client catching up on a whole answer needs one or two calls; each call
 * stays far inside Convex's per-query read limit.
 */
export const MAX_STREAM_RANGE_CHUNKS = 1000;

/**
 * Convex's per-function limits that the design depends on, as documented on the "Limits" page
 * (https://docs.convex.dev/production/state/limits, sections Documents and Transactions; the same values are
 * convex-test's DEFAULT_TRANSACTION_LIMITS, which the function tests enforce). One query or mutation may:
 */
export const CONVEX_LIMITS = {
  /** read (scan) at most this many documents, including ones a `.filter` drops; */
  documentsRead: 32_000,
  /** read at most this many bytes of documents; */
  bytesRead: 16 * 1024 * 1024,
  /** call `db.get` / `db.query` (index ranges) at most this many times; */
  databaseQueries: 4_096,
  /** write at most this many documents and bytes; */
  documentsWritten: 16_000,
  bytesWritten: 16 * 1024 * 1024,
  /** schedule at most this many functions; */
  functionsScheduled: 1_000,
  /** and return at most 16 MiB. Every array in a value (returned or stored) holds at most 8,192 elements. */
  returnBytes: 16 * 1024 * 1024,
  arrayElements: 8_192,
} as const;

/** Most items of one files.createMany: its name checks stay far inside the 4,096 index ranges of a transaction. */
export const MAX_CREATE_MANY = 1000;
/** Most text of one files.createMany, in UTF-8 bytes: half of what a transaction may write. */
export const MAX_CREATE_MANY_BYTES = CONVEX_LIMITS.bytesWritten / 2;

/**
 * One page of files.contents (the runner's first copy of a project): at most this many file ids asked for, and
 * the reads it stops after. Each file document holds at most ~1 MiB, so a page that stops once it has read 8 MiB
 * has read and returns under 9 MiB (of 16 MiB); every file costs a `db.get`, every folder above one at most one
 * more (read once per page), which the query cap keeps below 4,096.
 */
export const MAX_CONTENTS_PAGE_FILES = 1000;
export const CONTENTS_PAGE_BYTES = CONVEX_LIMITS.bytesRead / 2;
export const CONTENTS_PAGE_DOCUMENTS = 3000;
export const CONTENTS_PAGE_QUERIES = 3000;

/**
 * Entries per bucket of the file listing (convex/model/listing.ts). A bucket query reads at most this many small
 * entry documents (≤ ~700 bytes each with a 255-character name: under 0.7 MiB, 1,000 of 32,000 documents) and
 * returns an array well under the 8,192-element cap. The size is what one structural change re-sends to each
 * client (~100 KB), traded against the number of subscriptions (100 at 100,000 files).
 */
export const LISTING_BUCKET_SIZE = 1_000;

/**
 * Days a deleted file or folder stays in the trash, restorable with Undo, before the daily sweep (crons.ts,
 * model/trash.ts) destroys it. The delete confirmation says so.
 */
export const TRASH_RETENTION_DAYS = 30;
