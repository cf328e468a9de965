import { create } from "zustand";
import { useShallow } from "zustand/react/shallow";
import { createUiSlice, type UiSlice } from "./uiSlice";

// The one store of the SPA, composed of slices. Components read it through `useAppStore(selector)` and
// change it only through slice actions. Server data never lives here (it comes from Convex queries).
export type AppState = UiSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createUiSlice(...a),
}));

export { useShallow };
