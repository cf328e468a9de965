import { ConvexReactClient } from "convex/react";
import { ConvexError } from "convex/values";
import { errorMessage } from "../lib/errors";

type Sink = Pick<Console, "log" | "info" | "warn" | "error">;

// The Convex client logs every failed mutation or action as an error ("[CONVEX M(files:updateContent)] Uncaught
// ConvexError: ..."). A ConvexError is the server's deliberate answer (a conflict to merge, text over the limit, a
// taken name), and the app handles each one: the outbox merges or records it, a toast or the sync panel says it.
const REFUSAL = /^\[CONVEX ([MA])\(([^)]*)\)\] (?:\[Request ID: [^\]]*\] )?(?:Server Error\s*)?Uncaught ConvexError:?\s*/;

/**
 * The client's logger: a ConvexError answer is logged as information ("files:updateContent refused: ..."), not as
 * an uncaught error; every other failure still goes to console.error.
 */
export function convexLogger(sink: Sink = console) {
  return {
    log: (...args: unknown[]) => sink.log(...args),
    warn: (...args: unknown[]) => sink.warn(...args),
    error: (...args: unknown[]) => {
      const [first, ...rest] = args;
      const match = typeof first === "string" ? REFUSAL.exec(first) : null;
      if (match && typeof first === "string") {
        sink.info(`[Convex] ${match[2]} refused (handled by the app): ${first.slice(match[0].length)}`, ...rest);
        return;
      }
      sink.error(...args);
    },
    logVerbose: () => {},
  };
}

/**
 * React's `onCaughtError`: an error an error boundary caught and shows. A ConvexError there is the server's answer
 * the page turns into what a person reads (a project that is not theirs: the not-found page), so it is logged as
 * information, like the client's refusals above; anything else a boundary caught is still logged as an error.
 */
export function logCaughtError(error: unknown, info: { componentStack?: string }, sink: Sink = console): void {
  if (error instanceof ConvexError) {
    sink.info(`[Convex] ${errorMessage(error)} (shown by the page)`);
    return;
  }
  sink.error("Caught by an error boundary:", error, info.componentStack ?? "");
}

let client: ConvexReactClient | undefined;

/**
 * The one Convex client of the app. Throws with the client's own message when the URL is malformed.
 * `initialAuthTokenReuse`: a stored token the server accepts is kept until shortly before it expires, instead of
 * being replaced at once by a fresh one (a second sign-in round trip and Authenticate, during which the client
 * holds back the page's first queries, and after which the server runs them again).
 */
export function getConvexClient(url: string): ConvexReactClient {
  client ??= new ConvexReactClient(url, { initialAuthTokenReuse: true, logger: convexLogger() });
  return client;
}
