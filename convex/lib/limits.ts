// Limits the server enforces and the SPA must agree with. Pure constants, imported by the SPA too.

/**
 * Largest text kept inline in a file row, in UTF-8 bytes; larger text and every binary go to storage.
 * Convex caps a whole document at 1 MiB (1,048,576 bytes) including its other fields and encoding overhead, so the
 * inline limit keeps 16 KiB of that for them: text at this limit fits on Convex cloud and on the local backend alike.
 */
export const MAX_TEXT_BYTES = 1_048_576 - 16 * 1024;

/**
 * Chunks of a streaming answer per page of `ai/stream:chunks` (pages are fixed ranges of sequence numbers). A page
 * holding this many chunks is full and never changes, so the SPA subscribes to the next one.
 */
export const CHUNK_PAGE_SIZE = 8;
