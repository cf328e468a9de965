import { create } from "zustand";
import { useShallow } from "zustand/react/shallow";
import { createUiSlice, type UiSlice } from "./uiSlice";
import { createTreeSlice, type TreeSlice } from "./treeSlice";
import { createTabsSlice, type TabsSlice } from "./tabsSlice";
import { createSyncSlice, type SyncSlice } from "./syncSlice";

// The one store of the SPA, composed of slices. Components read it through `useAppStore(selector)` and
// change it only through slice actions. Server data never lives here (it comes from Convex queries).
export type AppState = UiSlice & TreeSlice & TabsSlice & SyncSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createUiSlice(...a),
  ...createTreeSlice(...a),
  ...createTabsSlice(...a),
  ...createSyncSlice(...a),
}));

export { useShallow };
