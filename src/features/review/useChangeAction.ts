import { ConvexError } from "convex/values";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorMessage } from "../../lib/errors";
import { useLiveWrite } from "../sync";

/** Why the server refused a keep or undo, and whether "Keep both" can help (convex/model/changes.ts `refuse`). */
export interface ChangeRefusal {
  message: string;
  canKeepBoth: boolean;
}

export function changeRefusalOf(error: unknown): ChangeRefusal {
  const data: unknown = error instanceof ConvexError ? error.data : null;
  const canKeepBoth = typeof data === "object" && data !== null && (data as { canKeepBoth?: unknown }).canKeepBoth === true;
  return { message: errorMessage(error), canKeepBoth };
}

export type ChangeActionKind = "keep" | "undo" | "keepBoth";

/**
 * Keep or Undo (or Undo keeping both) of one change of an answer, through the same server functions as the
 * answer's card (changes.keep / changes.undo, live writes). One at a time: `act` while busy does nothing.
 */
export function useChangeAction() {
  const keep = useLiveWrite(api.changes.keep);
  const undo = useLiveWrite(api.changes.undo);
  const [busy, setBusy] = useState(false);
  /** Resolves true once done; false when busy or refused (then `onRefusal` has been told why). */
  const act = async (
    change: { messageId: Id<"messages">; changeId: Id<"fileChanges"> },
    what: ChangeActionKind,
    onRefusal: (refusal: ChangeRefusal) => void,
  ): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    try {
      const args = { messageId: change.messageId, changeId: change.changeId };
      if (what === "keep") await keep(args);
      else await undo(what === "keepBoth" ? { ...args, keepBoth: true } : args);
      return true;
    } catch (error) {
      onRefusal(changeRefusalOf(error));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, act };
}
