import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { getFunctionName, type FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ChangeLine, ChangeSet } from "../../../convex/lib/validators";
import { useAppStore } from "../../store";
import { nextToReview, ReviewPanel } from "./ReviewPanel";

// The panel's Keep / Undo, by keyboard, with the synced queries and the writes as stand-ins that act as the server
// does (a kept or undone line changes state); the server side is in tests/functions/cases/changes.ts.
const state = vi.hoisted(() => ({
  set: undefined as ChangeSet | undefined,
  calls: [] as [string, unknown][],
  refuse: null as Error | null,
}));
vi.mock("../sync", () => ({
  useSyncedQuery: (ref: FunctionReference<"query">, args: unknown) => {
    if (args === "skip") return undefined;
    if (getFunctionName(ref) === "changes:forMessage") return state.set;
    const { changeId } = args as { changeId: string };
    const line = state.set?.lines.find((l) => l._id === changeId);
    // A binary's texts: the panel shows a note instead of loading the diff editor.
    return line === undefined ? undefined : { line, before: "", after: "", binary: true };
  },
  useLiveWrite: (ref: FunctionReference<"mutation">) => (args: { changeId: string; keepBoth?: boolean }) => {
    const name = getFunctionName(ref);
    state.calls.push([name, args]);
    if (state.refuse !== null && args.keepBoth !== true) return Promise.reject(state.refuse);
    const to = name === "changes:keep" || args.keepBoth === true ? "kept" : "undone";
    state.set = { ...state.set!, lines: state.set!.lines.map((l) => (l._id === args.changeId ? { ...l, state: to } : l)) };
    return Promise.resolve(null);
  },
}));

const messageId = "m1" as Id<"messages">;
const line = (n: number, path: string, lineState: ChangeLine["state"] = "applied"): ChangeLine => ({
  _id: `c${n}` as Id<"fileChanges">,
  fileId: `f${n}` as Id<"files">,
  type: "file",
  kind: "edited",
  path,
  added: 1,
  removed: 1,
  state: lineState,
});

/** The panel, opened on `changeId` from a button outside it (as the card's line opens it). */
function openPanel(changeId: string) {
  render(
    <>
      <button type="button">opener</button>
      <ReviewPanel />
    </>,
  );
  screen.getByRole("button", { name: "opener" }).focus();
  act(() => useAppStore.getState().setReview({ messageId, changeId }));
}

beforeEach(() => {
  vi.stubGlobal("requestAnimationFrame", (run: () => void) => setTimeout(run, 0));
});
afterEach(() => {
  cleanup();
  act(() => useAppStore.getState().setReview(null));
  vi.unstubAllGlobals();
  state.set = undefined;
  state.calls = [];
  state.refuse = null;
});

describe("nextToReview", () => {
  it("goes to the next line still applied, else the first one before, else none", () => {
    const lines = [line(1, "a"), line(2, "b", "kept"), line(3, "c"), line(4, "d", "undone")];
    expect(nextToReview(lines, lines[0]._id)?.path).toBe("c");
    expect(nextToReview(lines, lines[2]._id)?.path).toBe("a");
    expect(nextToReview([line(1, "a")], "c1" as Id<"fileChanges">)).toBeUndefined();
  });
});

describe("ReviewPanel", () => {
  it("keeps the file by keyboard, goes on to the answer's next file with focus on its Keep, and closes back to the opener after the last Undo", async () => {
    state.set = { lines: [line(1, "a.ts"), line(2, "b.ts", "kept"), line(3, "c.ts")], restoredHere: false };
    openPanel("c1");
    const user = userEvent.setup();
    const panel = screen.getByRole("region", { name: "Change review" });
    expect(panel).toHaveTextContent("Edited: a.ts");
    expect(screen.getByRole("button", { name: "Close" })).toHaveFocus();
    // Shift+Tab from Close: Inline, then Undo, then Keep.
    await user.tab({ shift: true });
    await user.tab({ shift: true });
    expect(screen.getByRole("button", { name: "Undo a.ts" })).toHaveFocus();
    await user.tab({ shift: true });
    expect(screen.getByRole("button", { name: "Keep a.ts" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(state.calls).toEqual([["changes:keep", { messageId, changeId: "c1" }]]);
    // b.ts was kept already: the panel goes on to c.ts.
    await waitFor(() => expect(panel).toHaveTextContent("Edited: c.ts"));
    expect(screen.getByRole("button", { name: "Keep c.ts" })).toHaveFocus();

    await user.tab();
    expect(screen.getByRole("button", { name: "Undo c.ts" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(state.calls[1]).toEqual(["changes:undo", { messageId, changeId: "c3" }]);
    // Nothing left to review: the panel closes, focus back on what opened it.
    await waitFor(() => expect(screen.queryByRole("region", { name: "Change review" })).toBeNull());
    await waitFor(() => expect(screen.getByRole("button", { name: "opener" })).toHaveFocus());
  });

  it("says why an Undo was refused, keeps focus on it, and Keep both then settles the file", async () => {
    state.set = { lines: [line(1, "a.ts"), line(2, "b.ts")], restoredHere: false };
    state.refuse = new ConvexError({ code: "CONFLICT", message: '"a.ts" was edited after this change.', path: "a.ts", canKeepBoth: true });
    openPanel("c1");
    const user = userEvent.setup();
    const undo = screen.getByRole("button", { name: "Undo a.ts" });
    await user.tab({ shift: true });
    await user.tab({ shift: true });
    expect(undo).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent('"a.ts" was edited after this change.');
    expect(undo).toHaveFocus();
    expect(screen.getByRole("region", { name: "Change review" })).toHaveTextContent("Edited: a.ts");

    // Keep both, in the refusal below the header: Tab past Inline and Close.
    await user.tab();
    await user.tab();
    await user.tab();
    expect(screen.getByRole("button", { name: "Keep both" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(state.calls.at(-1)).toEqual(["changes:undo", { messageId, changeId: "c1", keepBoth: true }]);
    await waitFor(() => expect(screen.getByRole("region", { name: "Change review" })).toHaveTextContent("Edited: b.ts"));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByRole("button", { name: "Keep b.ts" })).toHaveFocus();
  });
});
