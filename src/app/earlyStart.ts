import type { Id } from "../../convex/_generated/dataModel";
import { isExpired, loadLocalSession } from "../features/auth/localSession";
import { holdEarlyListing } from "../features/file-tree/earlyListing";
import type { AppConvexClient } from "./convexClient";
import { env } from "../lib/env";
import { getConvexClient } from "./convexClient";
import { loadWorkspacePage, projectIdAt } from "./routes";

/**
 * What a page load starts before React renders (issue 18, docs/architecture.md "First load"), run by the entry
 * module before the app's own modules: at a project's address the workspace's code is asked for, and, for a user
 * whose stored local session has not expired, the Convex client is made, sends the stored token and subscribes to
 * the project's listing head and root level. So the socket, the Authenticate and the first queries travel while
 * the app's code is still being run, not after its first render and effects. The auth provider takes the early
 * authentication over when it mounts (AppConvexClient.setAuth) and the page takes over the listing
 * (earlyListing.ts). With Clerk nothing is sent early: its token comes from Clerk's own code.
 *
 * Resolves when the first render may go: at a project's address once the workspace's code is in (or failed to
 * load: the page then says so), so the page renders at once instead of behind a Suspense fallback, which React
 * would hold for at least 300 ms (AppRoutes.tsx WorkspaceRoute); elsewhere at once.
 */
export function startEarly(pathname: string): Promise<void> {
  const projectId = projectIdAt(pathname);
  const ready =
    projectId === null
      ? Promise.resolve()
      : loadWorkspacePage().then(
          () => undefined,
          () => undefined,
        );
  const { convexUrl, clerkPublishableKey } = env;
  const session = convexUrl && !clerkPublishableKey ? loadLocalSession() : null;
  if (!convexUrl || !session || isExpired(session)) return ready;
  let client;
  try {
    client = getConvexClient(convexUrl);
  } catch {
    return ready; // The app shows what is wrong with the URL.
  }
  client.authenticateEarly(session.token);
  const release = projectId === null ? undefined : holdEarlyListing(client, projectId as Id<"projects">);
  started = { client, release };
  return ready;
}

let started: { client: AppConvexClient; release?: () => void } | undefined;

/**
 * Takes back what startEarly sent for a session that is gone by the time the app renders (signed out in another
 * tab meanwhile): the token and the listing's subscriptions. Called by the local auth root when it has no user.
 */
export function abandonEarlyStart(): void {
  if (!started) return;
  started.release?.();
  started.client.abandonEarlyAuth();
  started = undefined;
}

/** Started as this module is evaluated: the entry imports it before the app's modules, so this runs first. */
export const earlyStart: Promise<void> = typeof window === "undefined" ? Promise.resolve() : startEarly(window.location.pathname);
