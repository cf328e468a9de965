import { useCallback } from "react";
import { useMutation } from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { canonicalPath } from "./queryKey";
import { useOutbox } from "./SyncProvider";

/**
 * The one write path of the SPA. A feature writes with `useWrite(api.module.fn)`: the call is stored in the
 * outbox (IndexedDB) under a fresh clientOpId before it is sent, shown at once through the mutation's
 * registered optimistic update (registry.ts, replayed over the cache by overlay.ts), sent in order, and merged
 * or refused there (outbox.ts). Its promise resolves with the server's result, or rejects with a
 * RefusedWriteError once the write was refused; offline it stays pending, possibly across a reload (then the
 * result reaches the tab that replays it, not this caller).
 *
 * This deliberately replaces the Convex client's `withOptimisticUpdate`: its guesses live in memory only and
 * die with a reload, while the outbox's are stored and replayed until the server answers.
 *
 * Writes that must not be durable are the ones listed in LIVE_WRITES, each with its reason; they go straight to
 * the server through `useLiveWrite`, have no optimistic update, and fail when offline. Each hook refuses the
 * other kind, so a new write has to be put on one side or the other.
 */
export const LIVE_WRITES: Readonly<Record<string, string>> = {
  "files:generateUploadUrl":
    "an upload URL is short-lived, and the upload it is for needs the network at once; a URL replayed later would be stale",
  "messages:send":
    "the assistant answers only online; a question replayed after a reconnect would start an answer nobody is waiting for",
  "messages:cancel":
    "stopping an answer only means something while it streams; replayed later it would stop nothing, or a later answer",
  "ai/context:share": "it is sent just before messages:send, and must reach the server in order with it",
  "conversations:create": "conversations exist for the assistant, which works only online (and the function takes no clientOpId)",
  "conversations:rename": "conversations exist for the assistant, which works only online (and the function takes no clientOpId)",
  "conversations:remove": "conversations exist for the assistant, which works only online (and the function takes no clientOpId)",
  "transfers:importZip": "it follows an upload that needs the network at once, and starts work on the server now",
  "transfers:importGit": "an import runs on the server against a remote now; replayed later it would import into a project the person has since changed",
  "transfers:archiveUploadUrl":
    "an upload URL is short-lived, and the upload it is for needs the network at once; a URL replayed later would be stale",
  "transfers:importProject":
    "it follows an upload (or names a remote) that needs the network at once, and the person waits for the new project to open",
  "transfers:exportGit": "an export pushes the project as it is now; replayed later it would push a state nobody chose",
  "transfers:exportGithub": "an export creates a repository and pushes now; replayed later it would act on a state nobody chose",
  "transfers:cancel": "cancelling only means something while the transfer runs",
  "transfers:zipProject": "the person waits for the archive now (it is offered online only); replayed later it would build a download nobody waits for",
  "credentials:save": "a token must not be stored in the browser's outbox (secrets stay on the server)",
  "credentials:remove": "removing a token should take effect at once, or visibly fail",
  "changes:undo":
    "an undo checks each file's revision at the moment it runs and refuses after a later edit; replayed after a reconnect it would act on a state the person no longer sees",
  "changes:keep": "it answers the change card the person is looking at, which needs the server's current state (the review works only online)",
  "changes:restore":
    "a restore undoes every later answer as the project stands at that moment; replayed later it would undo work done since",
  "changes:undoRestore": "it re-applies what a restore undid, checked against the project at that moment, like changes:undo",
};

/**
 * A write's promise for the server's result, with the outbox entry's `opId`, the `tempId` an optimistic create
 * gives its row until the server's id replaces it, and `stored`: resolves once the write is durable (committed
 * to the outbox), long before the server answers when offline.
 */
export type DurablePromise<T> = Promise<T> & { opId: string; tempId: string; stored: Promise<void> };

/**
 * `label` says what the write does in the person's words ("Edit src/app.ts", "Rename src/a.ts → src/b.ts"): the
 * sync panel lists pending and refused writes by it. Without one, describeEntry words it from the arguments.
 */
export function useWrite<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation,
): (args: FunctionArgs<Mutation>, label?: string) => DurablePromise<FunctionReturnType<Mutation>> {
  const outbox = useOutbox();
  const path = canonicalPath(mutation);
  if (path in LIVE_WRITES) throw new Error(`${path} is a live write (${LIVE_WRITES[path]}): use useLiveWrite.`);
  return useCallback(
    (args: FunctionArgs<Mutation>, label?: string) => {
      const { opId, tempId, result, stored } = outbox.enqueue(path, args, label);
      return Object.assign(result as Promise<FunctionReturnType<Mutation>>, { opId, tempId, stored });
    },
    [outbox, path],
  );
}

/** A write listed in LIVE_WRITES: sent to the server at once, never stored. */
export function useLiveWrite<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation,
): (args: FunctionArgs<Mutation>) => Promise<FunctionReturnType<Mutation>> {
  const send = useMutation(mutation);
  const path = canonicalPath(mutation);
  if (!(path in LIVE_WRITES)) {
    throw new Error(`${path} is not a live write: use useWrite, or list it in LIVE_WRITES with the reason.`);
  }
  return send;
}
