import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { getFunctionName, type FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ChangeLine, ChangeSet } from "../../../convex/lib/validators";
import { ChangeCard } from "./ChangeCard";

// The card's own display of a change set as the server reports it: a large undo's progress, its rollback, its
// failure (with Keep both), and a refused action. The server side of those states is in convex/changes.test.ts
// and tests/functions/cases/changes.ts; here the synced query and the writes are stand-ins.
const state = vi.hoisted(() => ({
  set: undefined as ChangeSet | undefined,
  calls: [] as [string, unknown][],
  refuse: null as Error | null,
}));
vi.mock("../sync", () => ({
  useSyncedQuery: () => state.set,
  useLiveWrite: (ref: FunctionReference<"mutation">) => (args: unknown) => {
    state.calls.push([getFunctionName(ref), args]);
    return state.refuse !== null ? Promise.reject(state.refuse) : Promise.resolve(null);
  },
}));

const messageId = "m1" as Id<"messages">;
const line = (n: number, path: string): ChangeLine => ({
  _id: `c${n}` as Id<"fileChanges">,
  fileId: `f${n}` as Id<"files">,
  type: "file",
  kind: "edited",
  path,
  added: 2,
  removed: 1,
  state: "applied",
});

afterEach(() => {
  cleanup();
  state.set = undefined;
  state.calls = [];
  state.refuse = null;
});

describe("ChangeCard", () => {
  it("shows how far an undo carried on in steps has got, and its rollback", () => {
    state.set = {
      lines: [line(1, "a.ts"), line(2, "b.ts")],
      restoredHere: false,
      operation: { kind: "undo", status: "running", done: 3, total: 7 },
    };
    const { rerender } = render(<ChangeCard messageId={messageId} answering={false} />);
    expect(screen.getByRole("status")).toHaveTextContent("Undoing… 3 of 7 changes");

    state.set = { ...state.set, operation: { kind: "restore", status: "rollingBack", done: 2, total: 7 } };
    rerender(<ChangeCard messageId={messageId} answering={false} />);
    expect(screen.getByRole("status")).toHaveTextContent("Stopped; taking back what was done (2 left)…");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows a failed step's reason and offers Keep both for the file it names", async () => {
    state.set = {
      lines: [line(1, "a.ts"), line(2, "b.ts")],
      restoredHere: false,
      operation: {
        kind: "undo",
        status: "failed",
        done: 0,
        total: 2,
        error: { code: "CONFLICT", message: "b.ts was edited after the answer: undoing would lose that edit.", path: "b.ts", canKeepBoth: true },
      },
    };
    render(<ChangeCard messageId={messageId} answering={false} />);
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.getByRole("alert")).toHaveTextContent("b.ts was edited after the answer");
    await userEvent.setup().click(screen.getByRole("button", { name: "Keep both" }));
    expect(state.calls).toEqual([["changes:undo", { messageId, changeId: "c2", keepBoth: true }]]);
  });

  it("says why an Undo was refused, and keeps focus in the card", async () => {
    state.set = { lines: [line(1, "a.ts")], restoredHere: false };
    state.refuse = new ConvexError({ code: "CONFLICT", message: "a.ts changed since: undoing would lose your edit.", path: "a.ts", canKeepBoth: true });
    render(<ChangeCard messageId={messageId} answering={false} />);
    const user = userEvent.setup();
    const undo = screen.getByRole("button", { name: "Undo a.ts" });
    await user.click(undo);
    await screen.findByRole("alert");
    expect(state.calls).toEqual([["changes:undo", { messageId, changeId: "c1" }]]);
    expect(screen.getByRole("alert")).toHaveTextContent("a.ts changed since: undoing would lose your edit.");
    expect(screen.getByRole("button", { name: "Keep both" })).toBeInTheDocument();
    expect(screen.getByTestId("change-card").contains(document.activeElement)).toBe(true);
  });

  it("offers nothing while the answer is still being written", () => {
    state.set = { lines: [line(1, "a.ts")], restoredHere: false };
    render(<ChangeCard messageId={messageId} answering />);
    for (const name of ["Keep all", "Undo all", "Restore to here", "Keep a.ts", "Undo a.ts"]) {
      expect(screen.getByRole("button", { name })).toBeDisabled();
    }
  });
});
