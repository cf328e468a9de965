import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import type { ConvexReactClient } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { GHOST_DELAY_MS, ghostText } from "./ghostText";
import { quickEdit } from "./quickEdit";
import { publishSelection } from "./selection";
import { ghostTextActive, markProviderMissing } from "./settings";
import { errorCode } from "../../lib/errors";

export { acceptGhost, dismissGhost, ghostText } from "./ghostText";
export { acceptQuickEdit, closeQuickEdit, openQuickEdit, quickEdit } from "./quickEdit";
export { getSelection } from "./selection";
export { ghostTextEnabled, setGhostTextEnabled, useGhostTextSetting } from "./settings";

export interface AiEditorOptions {
  projectId: Id<"projects">;
  /** The file shown in the editor right now (the editor swaps documents between tabs). */
  getFileId: () => Id<"files"> | null;
  /** The app's Convex client (`useConvex()`); only its `action` method is used. */
  convex: Pick<ConvexReactClient, "action">;
}

/**
 * The editor's AI features as CodeMirror extensions: ghost-text suggestions (ai/suggest:complete), quick edit
 * on Ctrl/Cmd+K (ai/quickEdit:run), and publishing the selection so the chat can share it.
 */
export function aiEditorExtensions({ projectId, getFileId, convex }: AiEditorOptions): Extension[] {
  return [
    ghostText(
      async ({ prefix, suffix }) => {
        const fileId = getFileId();
        return fileId === null ? "" : convex.action(api.ai.suggest.complete, { projectId, fileId, prefix, suffix });
      },
      GHOST_DELAY_MS,
      { enabled: () => ghostTextActive() && getFileId() !== null },
    ),
    quickEdit(async ({ selection, instruction }) => {
      const fileId = getFileId();
      if (fileId === null) throw new Error("This file is not on the server yet. Quick edit works once it is saved there.");
      try {
        return await convex.action(api.ai.quickEdit.run, { projectId, fileId, selection, instruction });
      } catch (error) {
        // The one definite "no provider" answer: suggestions stop asking too (the suggest action answers "").
        if (errorCode(error) === "AI_NOT_CONFIGURED") markProviderMissing();
        throw error;
      }
    }),
    EditorView.updateListener.of((update) => {
      if (!update.selectionSet && !update.focusChanged && !update.docChanged) return;
      const fileId = getFileId();
      const { from, to } = update.state.selection.main;
      publishSelection(fileId === null ? null : { fileId, from, to });
    }),
  ];
}
