import { ConvexError } from "convex/values";

/**
 * The message to show a person for a failed Convex call: the `message` of a ConvexError's data when the
 * server sent one (our functions throw `new ConvexError({ code, message })`), otherwise the error's text
 * without the client's "[CONVEX M(...)] [Request ID: ...] Server Error" prefix.
 */
export function errorMessage(error: unknown, fallback = "Something went wrong."): string {
  if (error instanceof ConvexError) {
    const data: unknown = error.data;
    if (typeof data === "string" && data) return data;
    if (data && typeof data === "object" && "message" in data && typeof data.message === "string") {
      return data.message;
    }
  }
  if (error instanceof Error && error.message) {
    const cleaned = error.message
      .replace(/^\[CONVEX [^\]]*\]\s*/, "")
      .replace(/^\[Request ID: [^\]]*\]\s*/, "")
      .replace(/^Server Error\s*/, "")
      .replace(/^Uncaught (ConvexError|Error): /, "")
      .split("\n")[0]
      ?.trim();
    return cleaned || fallback;
  }
  return fallback;
}

/** The ConvexError `code` sent by our functions, if any. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof ConvexError) {
    const data: unknown = error.data;
    if (data && typeof data === "object" && "code" in data && typeof data.code === "string") return data.code;
  }
  return undefined;
}
