import { beforeEach, describe, expect, it } from "vitest";
import { buildIndex, type FileId } from "./model";
import { deleteItems, undoLast, type OpContext } from "./operations";
import { fakeActions, file, resetTreeStore } from "./testUtils";

beforeEach(resetTreeStore);

describe("tree undo", () => {
  it("Ctrl+Z pressed while a delete's writes are still being made takes back that delete, not the one before", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<null>((resolve) => (release = () => resolve(null)));
    const actions = fakeActions({
      // b.txt's delete goes through at once; c.txt's is still being written when Ctrl+Z comes.
      remove: (fileId: FileId) => (fileId === "c" ? held : Promise.resolve(null)),
    });
    const ctx: OpContext = {
      index: buildIndex([file("a", "a.txt"), file("b", "b.txt"), file("c", "c.txt")]),
      actions,
      focusItem: () => undefined,
    };
    await deleteItems(ctx, ["b"]);
    const deleting = deleteItems(ctx, ["c"]);
    const undoing = undoLast(ctx);
    release();
    await Promise.all([deleting, undoing]);
    expect(actions.restore.mock.calls).toEqual([["c", "c.txt"]]);
  });
});
