import { create } from "zustand";
import { useShallow } from "zustand/react/shallow";
import { createUiSlice, type UiSlice } from "./uiSlice";
import { createTreeSlice, type TreeSlice } from "./treeSlice";
import { createTabsSlice, type TabsSlice } from "./tabsSlice";
import { createSyncSlice, type SyncSlice } from "./syncSlice";
import { createEditorAiSlice, type EditorAiSlice } from "./editorAiSlice";
import { createSearchSlice, type SearchSlice } from "./searchSlice";
import { persistStore } from "./persistence";
import { watchEditorFocusRequests } from "./editorFocus";

// The one store of the SPA, composed of slices. Components read it through `useAppStore(selector)` and
// change it only through slice actions, which are pure state changes. Server data never lives here (it comes
// from Convex queries). Side effects of state changes live in two subscribers installed here: persistence.ts
// (localStorage) and editorFocus.ts (the DOM side of editor focus requests).
export type AppState = UiSlice & TreeSlice & TabsSlice & SyncSlice & EditorAiSlice & SearchSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createUiSlice(...a),
  ...createTreeSlice(...a),
  ...createTabsSlice(...a),
  ...createSyncSlice(...a),
  ...createEditorAiSlice(...a),
  ...createSearchSlice(...a),
}));

persistStore(useAppStore);
const editorFocusRequests = watchEditorFocusRequests(useAppStore);

/** Ends the editor focus request for `fileId`: null, or take focus and insert the returned text (editorFocus.ts). */
export const claimEditorFocus = editorFocusRequests.claim;

export { useShallow };
