/** Text dropped from the desktop is stored inline up to this size (the server's inline limit). */
import { MAX_TEXT_BYTES } from "../../../convex/lib/limits";

export const MAX_INLINE_TEXT = MAX_TEXT_BYTES;

/** The file's text when it is small UTF-8 without NUL bytes (so it can be edited inline), else null. */
export async function readSmallText(file: File): Promise<string | null> {
  if (file.size > MAX_INLINE_TEXT) return null;
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
