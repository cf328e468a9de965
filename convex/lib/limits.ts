/**
 * Largest text kept inline in a file row, in UTF-8 bytes; larger text and every binary go to storage.
 * Convex caps a whole document at 1 MiB (1,048,576 bytes) including its other fields and encoding overhead, so the
 * inline limit keeps 16 KiB of that for them: text at this limit fits on Convex cloud and on the local backend alike.
 * Pure constants, imported by the SPA too.
 */
export const MAX_TEXT_BYTES = 1_048_576 - 16 * 1024;
