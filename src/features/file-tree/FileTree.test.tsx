import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { TRASH_RETENTION_DAYS } from "../../../convex/lib/limits";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { useAppStore } from "../../store";
import { Toaster } from "../../app/Toaster";
import { FileTree, ROW_HEIGHT } from "./FileTree";
import { fakeActions, fakeLayout, file, folder, id, resetTreeStore } from "./testUtils";
import type { FileId, TreeNode } from "./model";

let restoreLayout: () => void;
beforeAll(() => {
  restoreLayout = fakeLayout();
});
afterAll(() => restoreLayout());
beforeEach(resetTreeStore);
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const FILES: TreeNode[] = [
  file("readme", "README.md"),
  folder("src", "src"),
  file("f10", "file10.ts", "src"),
  file("f2", "file2.ts", "src"),
  folder("lib", "lib", "src"),
  file("util", "util.ts", "lib"),
  folder("docs", "docs"),
  file("guide", "guide.md", "docs"),
  file("b", "b.txt"),
  file("img", "logo.png", undefined, { isBinary: true }),
];

function setup(files: TreeNode[] = FILES, overrides: Parameters<typeof fakeActions>[0] = {}) {
  const actions = fakeActions(overrides);
  const user = userEvent.setup();
  const view = render(<FileTree files={files} actions={actions} />);
  return { actions, user, ...view };
}

/**
 * A tree whose files change like the real one's: `remove` drops the row (and its descendants) at once, as the
 * optimistic update does, and `createFile` adds one.
 */
function setupLive(initial: TreeNode[] = FILES) {
  let setFiles: (update: (files: TreeNode[]) => TreeNode[]) => void = () => undefined;
  function Live({ actions }: { actions: ReturnType<typeof fakeActions> }) {
    const [files, set] = useState(initial);
    setFiles = set;
    return <FileTree files={files} actions={actions} />;
  }
  // The server's trash, as the tree sees it: a removed item and what it held leave the listing, a restore
  // brings them back with the same ids.
  const trash = new Map<string, TreeNode[]>();
  const actions = fakeActions({
    remove: (fileId: FileId) => {
      act(() =>
        setFiles((files) => {
          const gone = new Set<string>([fileId]);
          for (let changed = true; changed; ) {
            changed = false;
            for (const f of files) {
              if (f.parentId && gone.has(f.parentId) && !gone.has(f._id)) {
                gone.add(f._id);
                changed = true;
              }
            }
          }
          trash.set(fileId, files.filter((f) => gone.has(f._id)));
          return files.filter((f) => !gone.has(f._id));
        }),
      );
      return Promise.resolve(null);
    },
    restore: (fileId: FileId) => {
      const items = trash.get(fileId) ?? [];
      trash.delete(fileId);
      act(() => setFiles((files) => [...files, ...items]));
      return Promise.resolve(items.find((f) => f._id === fileId)?.name);
    },
    createFile: (parentId: FileId | undefined, name: string) => {
      const created = file(`re-${name}`, name, parentId);
      act(() => setFiles((files) => [...files, created]));
      return Promise.resolve(created._id);
    },
  });
  const user = userEvent.setup();
  render(<Live actions={actions} />);
  return { user, actions };
}

const item = (name: string) => screen.getByRole("treeitem", { name });
const names = () => screen.getAllByRole("treeitem").map((el) => el.getAttribute("aria-label"));
const focusedName = () => (document.activeElement as HTMLElement).getAttribute("aria-label");

async function focusTree(user: ReturnType<typeof userEvent.setup>) {
  await user.tab();
  await user.tab({ shift: true });
  await user.tab();
  // First tab stop is the toolbar; walk until a treeitem has focus.
  for (let i = 0; i < 5 && document.activeElement?.getAttribute("role") !== "treeitem"; i++) await user.tab();
  expect(document.activeElement).toHaveAttribute("role", "treeitem");
}

describe("FileTree rendering", () => {
  it("is a multiselectable WAI-ARIA tree, folders first then files in natural order", () => {
    setup();
    const tree = screen.getByRole("tree", { name: "Files" });
    expect(tree).toHaveAttribute("aria-multiselectable", "true");
    expect(names()).toEqual(["docs", "src", "b.txt", "logo.png", "README.md"]);
    const src = item("src");
    expect(src).toHaveAttribute("aria-expanded", "false");
    expect(src).toHaveAttribute("aria-level", "1");
    expect(src).toHaveAttribute("aria-setsize", "5");
    expect(src).toHaveAttribute("aria-posinset", "2");
    expect(item("b.txt")).not.toHaveAttribute("aria-expanded");
    // Roving tabindex: exactly one item is in the tab order.
    expect(screen.getAllByRole("treeitem").filter((el) => el.tabIndex === 0)).toHaveLength(1);
  });

  it("sorts numbers naturally inside folders (file2 before file10) and nests levels", async () => {
    const { user } = setup();
    await user.click(item("src"));
    expect(names()).toEqual(["docs", "src", "lib", "file2.ts", "file10.ts", "b.txt", "logo.png", "README.md"]);
    expect(item("file2.ts")).toHaveAttribute("aria-level", "2");
    expect(item("file2.ts")).toHaveAttribute("aria-setsize", "3");
  });

  it("shows part of a listing that is still arriving as busy, usable rows, and the rest when it comes", async () => {
    const actions = fakeActions();
    const user = userEvent.setup();
    const { rerender } = render(<FileTree files={[]} complete={false} actions={actions} />);
    // Nothing in yet: busy, and no claim that the project is empty.
    expect(screen.getByRole("tree")).toHaveAttribute("aria-busy", "true");
    expect(screen.queryByText(/No files yet/)).toBeNull();
    rerender(<FileTree files={FILES.filter((f) => f.parentId === undefined)} complete={false} actions={actions} />);
    expect(screen.getByRole("tree")).toHaveAttribute("aria-busy", "true");
    expect(screen.getAllByRole("treeitem").map((row) => row.getAttribute("aria-label"))).toEqual(["docs", "src", "b.txt", "logo.png", "README.md"]);
    await user.click(screen.getByRole("treeitem", { name: "docs" }));
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("treeitem", { name: "src" })).toHaveFocus();
    rerender(<FileTree files={FILES} complete actions={actions} />);
    expect(screen.getByRole("tree")).not.toHaveAttribute("aria-busy");
    expect(screen.getByRole("treeitem", { name: "src" })).toHaveFocus();
  });

  it("renders only a window of rows for 100,000 files", () => {
    const many: TreeNode[] = [];
    for (let i = 0; i < 100_000; i++) many.push(file(`n${i}`, `file${i}.ts`));
    setup(many);
    const rendered = screen.getAllByRole("treeitem");
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(100);
    expect(rendered[0]).toHaveAttribute("aria-label", "file0.ts");
    expect(rendered[1]).toHaveAttribute("aria-label", "file1.ts");
    expect(rendered[0]).toHaveAttribute("aria-setsize", "100000");
  });

  it("reads the scroller only after layout: mounting reads no size and writes no offset; the rows fill the window until the ResizeObserver reports the scroller's height", { timeout: 30_000 }, () => {
    // The first load's path (issue 18): reads and writes in the commit that mounts the rows each force a layout.
    let report: (() => void) | undefined;
    vi.stubGlobal(
      "ResizeObserver",
      class {
        constructor(callback: () => void) {
          report = callback;
        }
        observe() {}
        disconnect() {}
      },
    );
    const sizeReads = vi.fn();
    const height = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "offsetHeight")!;
    Object.defineProperty(HTMLElement.prototype, "offsetHeight", {
      configurable: true,
      get() {
        sizeReads();
        return height.get!.call(this) as number;
      },
    });
    const scrollTo = vi.fn();
    Element.prototype.scrollTo = scrollTo;
    try {
      const many: TreeNode[] = [];
      for (let i = 0; i < 300; i++) many.push(file(`n${i}`, `file${String(i).padStart(3, "0")}.ts`));
      setup(many);
      expect(sizeReads).not.toHaveBeenCalled();
      expect(scrollTo).not.toHaveBeenCalled();
      const overscan = 12;
      expect(screen.getAllByRole("treeitem")).toHaveLength(Math.ceil(window.innerHeight / ROW_HEIGHT) + overscan);
      // After layout the observer reports the scroller (440 px here, testUtils' fakeLayout): the window shrinks to it.
      act(() => report!());
      expect(sizeReads).toHaveBeenCalled();
      expect(screen.getAllByRole("treeitem")).toHaveLength(Math.ceil(440 / ROW_HEIGHT) + overscan);
    } finally {
      Object.defineProperty(HTMLElement.prototype, "offsetHeight", height);
      delete (Element.prototype as { scrollTo?: unknown }).scrollTo;
      vi.unstubAllGlobals();
    }
  });

  it("marks the open file's row aria-current, apart from the selected and the focused row", async () => {
    const { user } = setup();
    act(() => useAppStore.getState().openFile(id("b")));
    try {
      await focusTree(user);
      expect(item("b.txt")).toHaveAttribute("aria-current", "true");
      expect(item("b.txt")).toHaveAttribute("aria-selected", "false");
      expect(item("docs")).toHaveFocus();
      expect(item("docs")).not.toHaveAttribute("aria-current");
      expect(document.querySelectorAll("[aria-current]")).toHaveLength(1);
      act(() => useAppStore.getState().openFile(id("readme")));
      expect(item("README.md")).toHaveAttribute("aria-current", "true");
      expect(item("b.txt")).not.toHaveAttribute("aria-current");
    } finally {
      act(() => useAppStore.setState({ tabs: [], activeFileId: null }));
    }
  });
});

describe("FileTree keyboard", () => {
  it("ArrowDown/ArrowUp move focus and selection with one tab stop", async () => {
    const { user } = setup();
    await focusTree(user);
    expect(focusedName()).toBe("docs");
    await user.keyboard("{ArrowDown}");
    expect(focusedName()).toBe("src");
    expect(item("src")).toHaveAttribute("aria-selected", "true");
    expect(item("docs")).toHaveAttribute("aria-selected", "false");
    expect(item("src").tabIndex).toBe(0);
    expect(item("docs").tabIndex).toBe(-1);
    await user.keyboard("{ArrowUp}");
    expect(focusedName()).toBe("docs");
    await user.keyboard("{ArrowUp}");
    expect(focusedName()).toBe("docs");
  });

  it("ArrowRight expands then enters; ArrowLeft collapses then goes to the parent", async () => {
    const { user } = setup();
    await focusTree(user);
    await user.keyboard("{ArrowDown}{ArrowRight}");
    expect(item("src")).toHaveAttribute("aria-expanded", "true");
    expect(focusedName()).toBe("src");
    await user.keyboard("{ArrowRight}");
    expect(focusedName()).toBe("lib");
    await user.keyboard("{ArrowRight}{ArrowRight}");
    expect(focusedName()).toBe("util.ts");
    expect(item("util.ts")).toHaveAttribute("aria-level", "3");
    await user.keyboard("{ArrowLeft}");
    expect(focusedName()).toBe("lib");
    await user.keyboard("{ArrowLeft}");
    expect(item("lib")).toHaveAttribute("aria-expanded", "false");
    await user.keyboard("{ArrowLeft}");
    expect(focusedName()).toBe("src");
    await user.keyboard("{ArrowLeft}");
    expect(item("src")).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("treeitem", { name: "lib" })).toBeNull();
  });

  it("Home/End and PageUp/PageDown jump", async () => {
    const many: TreeNode[] = [];
    for (let i = 0; i < 200; i++) many.push(file(`n${i}`, `file${i}.ts`));
    const { user } = setup(many);
    await focusTree(user);
    await user.keyboard("{End}");
    expect(focusedName()).toBe("file199.ts");
    await user.keyboard("{Home}");
    expect(focusedName()).toBe("file0.ts");
    // 440px viewport / 22px rows = 20 rows; a page keeps one row of context.
    await user.keyboard("{PageDown}");
    expect(focusedName()).toBe("file19.ts");
    await user.keyboard("{PageDown}");
    expect(focusedName()).toBe("file38.ts");
    await user.keyboard("{PageUp}");
    expect(focusedName()).toBe("file19.ts");
  });

  it("type-ahead focuses the next item whose name starts with the typed text", async () => {
    // Only the clock is faked: the pause that starts a new prefix is read from Date.now.
    vi.useFakeTimers({ toFake: ["Date"] });
    const { user } = setup();
    await focusTree(user);
    await user.keyboard("r");
    expect(focusedName()).toBe("README.md");
    vi.advanceTimersByTime(750);
    // Typed quickly, letters build one prefix: "lo" stays on logo.png instead of jumping on.
    await user.keyboard("lo");
    expect(focusedName()).toBe("logo.png");
    vi.advanceTimersByTime(750);
    await user.keyboard("s");
    expect(focusedName()).toBe("src");
    await user.keyboard("zz");
    expect(focusedName()).toBe("src");
  });

  it("Enter opens a file pinned with editor focus, or toggles a folder; Space previews", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{Enter}");
    expect(item("docs")).toHaveAttribute("aria-expanded", "true");
    await user.keyboard("{Enter}");
    expect(item("docs")).toHaveAttribute("aria-expanded", "false");
    await user.keyboard("{End}{Enter}");
    expect(actions.open).toHaveBeenLastCalledWith("readme", { preview: false, focusEditor: true });
    await user.keyboard(" ");
    expect(actions.open).toHaveBeenLastCalledWith("readme", { preview: true, focusEditor: false });
    expect(focusedName()).toBe("README.md");
    await user.keyboard("{Home} ");
    expect(item("docs")).toHaveAttribute("aria-expanded", "true");
  });

  it("F2 renames in place: Enter commits, Escape cancels, blur commits", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{End}{F2}");
    const input = screen.getByRole("textbox", { name: "Rename" });
    expect(input).toHaveValue("README.md");
    await user.clear(input);
    await user.type(input, "INTRO.md{Enter}");
    expect(actions.rename).toHaveBeenCalledWith("readme", "INTRO.md");
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(focusedName()).toBe("README.md");

    await user.keyboard("{F2}");
    await user.type(screen.getByRole("textbox", { name: "Rename" }), "x{Escape}");
    expect(actions.rename).toHaveBeenCalledTimes(1);
    expect(focusedName()).toBe("README.md");

    await user.keyboard("{F2}");
    const again = screen.getByRole("textbox", { name: "Rename" });
    await user.clear(again);
    await user.type(again, "notes.md");
    act(() => again.blur());
    expect(actions.rename).toHaveBeenLastCalledWith("readme", "notes.md");
  });

  it("shows invalid and duplicate names in place and sends nothing", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{End}{F2}");
    const input = screen.getByRole("textbox", { name: "Rename" });
    await user.clear(input);
    await user.type(input, "b.txt{Enter}");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(/already exists/);
    await user.clear(input);
    await user.type(input, "a/b{Enter}");
    expect(input).toHaveAccessibleDescription(/cannot contain/);
    await user.clear(input);
    await user.type(input, "..{Enter}");
    expect(input).toHaveAccessibleDescription(/not a valid name/);
    await user.clear(input);
    await user.type(input, "{Enter}");
    expect(input).toHaveAccessibleDescription(/required/);
    expect(actions.rename).not.toHaveBeenCalled();
    // A case-only difference would be the same file on macOS and Windows: refused, saying why.
    await user.type(input, "B.TXT");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(/only in upper and lower case/);
    await user.type(input, "{Enter}");
    expect(actions.rename).not.toHaveBeenCalled();
    // A trailing space, invisible in the tree, is refused too.
    await user.clear(input);
    await user.type(input, "c.txt ");
    expect(input).toHaveAccessibleDescription("A name cannot end with a space.");
  });

  it("Ctrl+Alt+N creates a file in the focused folder, Ctrl+Alt+Shift+N a folder in a file's folder", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{ArrowDown}");
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    expect(item("src")).toHaveAttribute("aria-expanded", "true");
    const input = screen.getByRole("textbox", { name: "New file name" });
    const draft = input.closest("[role=treeitem]")!;
    expect(draft).toHaveAttribute("aria-level", "2");
    await user.type(input, "main.ts{Enter}");
    expect(actions.createFile).toHaveBeenCalledWith("src", "main.ts");
    // The new file opens with the editor focus request made at the Enter (keys typed meanwhile are held for it).
    await waitFor(() =>
      expect(actions.open).toHaveBeenCalledWith("new1", {
        preview: false,
        focusEditor: false,
        focusRequest: useAppStore.getState().editorFocusRequest,
      }),
    );
    expect(useAppStore.getState().undoStack.at(-1)).toEqual({ kind: "create", ids: ["new1"] });

    await user.keyboard("{End}{Control>}{Alt>}{Shift>}n{/Shift}{/Alt}{/Control}");
    const folderInput = screen.getByRole("textbox", { name: "New folder name" });
    expect(folderInput.closest("[role=treeitem]")).toHaveAttribute("aria-level", "1");
    await user.type(folderInput, "docs{Enter}");
    expect(folderInput).toHaveAttribute("aria-invalid", "true");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(actions.createFolder).not.toHaveBeenCalled();
  });

  it("Delete asks to confirm with focus on Cancel: Escape or Enter cancels, Tab then Enter deletes the selection", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{End}{Delete}");
    const dialog = screen.getByRole("alertdialog", { name: 'Delete "README.md"?' });
    // A file: nothing about folders' content, which would only puzzle.
    expect(dialog).toHaveAccessibleDescription(/^Undo \(.+\) restores it for 30 days\.$/);
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(actions.remove).not.toHaveBeenCalled();
    expect(focusedName()).toBe("README.md");
    await user.keyboard("{Delete}{Enter}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(actions.remove).not.toHaveBeenCalled();
    expect(focusedName()).toBe("README.md");

    await user.keyboard("{Shift>}{ArrowUp}{ArrowUp}{/Shift}");
    expect(screen.getAllByRole("treeitem", { selected: true }).map((e) => e.getAttribute("aria-label"))).toEqual([
      "b.txt",
      "logo.png",
      "README.md",
    ]);
    await user.keyboard("{Delete}");
    expect(screen.getByRole("alertdialog", { name: "Delete 3 items?" })).toBeInTheDocument();
    await user.keyboard("{Tab}{Enter}");
    await waitFor(() => expect(actions.remove).toHaveBeenCalledTimes(3));
    expect(actions.remove.mock.calls.map((c) => (c as unknown[])[0] as string).sort()).toEqual(["b", "img", "readme"]);
  });

  it("after a confirmed delete, focus moves to the next row (else the previous) and the keys keep working", async () => {
    const { user } = setupLive();
    await focusTree(user);
    // docs, src, b.txt, logo.png, README.md: delete b.txt, the next row takes focus.
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(focusedName()).toBe("b.txt");
    await user.keyboard("{Delete}{Tab}{Enter}");
    await waitFor(() => expect(screen.queryByRole("treeitem", { name: "b.txt" })).toBeNull());
    await waitFor(() => expect(focusedName()).toBe("logo.png"));
    expect(item("logo.png")).toHaveAttribute("aria-selected", "true");

    // The last row: its previous row takes focus.
    await user.keyboard("{End}{Delete}{Tab}{Enter}");
    await waitFor(() => expect(screen.queryByRole("treeitem", { name: "README.md" })).toBeNull());
    await waitFor(() => expect(focusedName()).toBe("logo.png"));

    // The keyboard still works: arrows, F2, and Ctrl+Z brings README.md back and focuses it.
    await user.keyboard("{ArrowUp}");
    expect(focusedName()).toBe("src");
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(focusedName()).toBe("README.md"));
    await user.keyboard("{F2}");
    expect(screen.getByRole("textbox", { name: "Rename" })).toHaveFocus();
  });

  it("after deleting a folder, focus skips its children; after deleting everything, the tree has focus", async () => {
    const { user } = setupLive([folder("a", "a"), file("a1", "inner.ts", "a"), file("z", "z.txt")]);
    await focusTree(user);
    await user.keyboard("{ArrowRight}");
    expect(item("inner.ts")).toBeInTheDocument();
    await user.keyboard("{Delete}{Tab}{Enter}");
    await waitFor(() => expect(focusedName()).toBe("z.txt"));
    await user.keyboard("{Delete}{Tab}{Enter}");
    await waitFor(() => expect(screen.queryAllByRole("treeitem")).toHaveLength(0));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("tree")));
  });

  it.each([
    { case: "an empty tree", files: [] as TreeNode[], from: null },
    { case: "a tree focused on a root file", files: [folder("docs", "docs"), file("readme", "README.md")], from: "README.md" },
  ])("a new folder has the tree's focus from its Enter on: New File typed before the listing shows it goes inside ($case)", async ({ files, from }) => {
    // The create's answer does not come and the listing never shows the folder: only its Enter has happened.
    let answer: (value: FileId) => void = () => undefined;
    const createFolder = vi.fn(() =>
      Object.assign(new Promise<FileId>((resolve) => (answer = resolve)), { shownId: id("pending_src") }),
    );
    const { user, actions } = setup(files, { createFolder });
    if (from) await user.click(item(from));
    else act(() => screen.getByRole("tree").focus());
    await user.keyboard("{Control>}{Alt>}{Shift>}n{/Shift}{/Alt}{/Control}");
    await user.type(screen.getByRole("textbox", { name: "New folder name" }), "src{Enter}");
    expect(createFolder).toHaveBeenCalledWith(undefined, "src");
    // At once, with the keyboard where the Enter left it.
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    const input = screen.getByRole("textbox", { name: "New file name" });
    expect(input).toHaveFocus();
    expect(input.closest("[role=treeitem]")).toHaveAttribute("aria-level", "2");
    await user.type(input, "index.ts{Enter}");
    expect(actions.createFile).toHaveBeenCalledWith("pending_src", "index.ts");
    expect(item("src")).toHaveAttribute("aria-expanded", "true");
    // Answered, so no create stays in flight (a later Ctrl+Z would wait for it).
    await act(() => {
      answer(id("real_src"));
      return Promise.resolve();
    });
  });

  it("a new folder's row keeps the tree's focus under the server's id, and goes when the create is refused", async () => {
    let answer: { resolve: (value: FileId) => void; reject: (error: Error) => void } | undefined;
    const createFolder = vi.fn(() =>
      Object.assign(new Promise<FileId>((resolve, reject) => (answer = { resolve, reject })), { shownId: id("pending_a") }),
    );
    const readme = file("readme", "README.md");
    const { user, actions, rerender } = setup([readme], { createFolder });
    await user.click(item("README.md"));
    await user.keyboard("{Control>}{Alt>}{Shift>}n{/Shift}{/Alt}{/Control}");
    await user.type(screen.getByRole("textbox", { name: "New folder name" }), "a{Enter}");
    await waitFor(() => expect(item("a")).toHaveFocus());
    expect(useAppStore.getState().focusedId).toBe("pending_a");
    // The server's id: the outbox moves the tree state to it (replaceTreeId) as the listing gets the server's row,
    // then the create resolves. One row all along, focused.
    act(() => {
      useAppStore.getState().replaceTreeId("pending_a", "real_a");
      rerender(<FileTree files={[readme, folder("real_a", "a")]} actions={actions} />);
    });
    expect(screen.getAllByRole("treeitem", { name: "a" })).toHaveLength(1);
    await act(() => {
      answer!.resolve(id("real_a"));
      return Promise.resolve();
    });
    expect(useAppStore.getState().focusedId).toBe("real_a");
    expect(useAppStore.getState().creatingFolders).toEqual([]);
    await waitFor(() => expect(item("a")).toHaveFocus());
    expect(item("a")).toHaveAttribute("data-id", "real_a");
    rerender(<FileTree files={[readme]} actions={actions} />);

    await user.click(item("README.md"));
    await user.keyboard("{Control>}{Alt>}{Shift>}n{/Shift}{/Alt}{/Control}");
    await user.type(screen.getByRole("textbox", { name: "New folder name" }), "b{Enter}");
    await waitFor(() => expect(item("b")).toHaveFocus());
    await act(() => {
      answer!.reject(new Error("refused"));
      return Promise.resolve();
    });
    expect(screen.queryByRole("treeitem", { name: "b" })).toBeNull();
    expect(useAppStore.getState().focusedId).toBe("readme");
    await waitFor(() => expect(item("README.md")).toHaveFocus());
  });

  it("a late server answer does not pull focus out of the inline name editor", async () => {
    let resolveCreate: (value: FileId) => void = () => undefined;
    const { user, actions } = setup(FILES, {
      createFolder: () => new Promise<FileId>((resolve) => (resolveCreate = resolve)),
    });
    await focusTree(user);
    await user.keyboard("{Control>}{Alt>}{Shift>}n{/Shift}{/Alt}{/Control}");
    await user.type(screen.getByRole("textbox", { name: "New folder name" }), "later{Enter}");
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    const input = screen.getByRole("textbox", { name: "New file name" });
    expect(input).toHaveFocus();
    await act(() => {
      resolveCreate(id("docs"));
      return Promise.resolve();
    });
    expect(input).toHaveFocus();
    await user.type(input, "typed.ts{Enter}");
    expect(actions.createFile).toHaveBeenCalledWith(expect.anything(), "typed.ts");
  });

  it("Ctrl+Z takes a deleted file back out of the trash and focuses it", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{End}{Delete}{Tab}{Enter}");
    await waitFor(() => expect(actions.remove).toHaveBeenCalledWith("readme"));
    expect(useAppStore.getState().undoStack.at(-1)).toEqual({
      kind: "delete",
      items: [{ id: "readme", name: "README.md", path: "README.md" }],
    });
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(actions.restore).toHaveBeenCalledWith("readme", "README.md"));
    expect(actions.createFile).not.toHaveBeenCalled();
    await waitFor(() => expect(useAppStore.getState().focusedId).toBe("readme"));
  });

  it("the toast after a delete has an Undo button, reached by Tab, that restores that delete even after other changes, and focus lands on the restored row", async () => {
    useAppStore.setState({ toasts: [] });
    const { user } = setupLive();
    render(<Toaster />);
    await focusTree(user);
    await user.keyboard("{End}{Delete}{Tab}{Enter}");
    await waitFor(() => expect(names()).not.toContain("README.md"));
    const toast = screen.getByRole("status", { name: "Notifications" });
    expect(toast).toHaveTextContent('Deleted "README.md". Undo (Ctrl+Z) restores it.');
    // Another change since: the toast's Undo still restores the delete, and leaves the rename to Ctrl+Z.
    await waitFor(() => expect(focusedName()).toBe("logo.png"));
    useAppStore.getState().pushUndo({ kind: "rename", id: id("b"), from: "old.txt" });
    const undo = within(toast).getByRole("button", { name: "Undo" });
    for (let i = 0; i < 10 && document.activeElement !== undo; i++) await user.tab();
    expect(undo).toHaveFocus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(names()).toContain("README.md"));
    expect(within(toast).queryByRole("button", { name: "Undo" })).toBeNull();
    await waitFor(() => expect(focusedName()).toBe("README.md"));
    expect(useAppStore.getState().undoStack).toEqual([{ kind: "rename", id: "b", from: "old.txt" }]);
    await user.keyboard("x");
    expect(document.activeElement).not.toBe(document.body);
  });

  it("Ctrl+Z of a multi-item delete restores the newest first and says when a name was taken meanwhile", async () => {
    const restore = vi.fn((fileId: FileId) => Promise.resolve(fileId === "readme" ? "README (restored).md" : FILES.find((f) => f._id === fileId)?.name));
    const { user, actions } = setup(FILES, { restore });
    await focusTree(user);
    await user.keyboard("{Shift>}{End}{/Shift}{Delete}");
    await user.keyboard("{Tab}{Enter}");
    await waitFor(() => expect(actions.remove).toHaveBeenCalledWith("readme"));
    await user.keyboard("{Control>}z{/Control}");
    const removed = actions.remove.mock.calls.map((c) => c[0]);
    expect(removed.length).toBeGreaterThan(1);
    expect(removed.at(-1)).toBe("readme");
    await waitFor(() => expect(restore).toHaveBeenCalledTimes(removed.length));
    expect(restore.mock.calls.map((c) => c[0])).toEqual([...removed].reverse());
    await waitFor(() =>
      expect(useAppStore.getState().toasts.at(-1)?.message).toBe(
        '"README.md" is restored as "README (restored).md": another item has taken its name.',
      ),
    );
  });

  describe("the delete confirmation says that Undo takes it back, and for how long", () => {
    // The consequence is the dialog's accessible description (aria-describedby).
    const expectUndoSaid = ({ folder }: { folder: boolean }) =>
      expect(screen.getByRole("alertdialog")).toHaveAccessibleDescription(
        folder
          ? new RegExp(`^Folders are deleted with everything in them\\. Undo \\(Ctrl\\+Z\\) restores it, with everything in it, for ${TRASH_RETENTION_DAYS} days\\.$`)
          : new RegExp(`^Undo \\(Ctrl\\+Z\\) restores it for ${TRASH_RETENTION_DAYS} days\\.$`),
      );

    it("a text file", async () => {
      const { user } = setup();
      await focusTree(user);
      await user.keyboard("{End}{Delete}");
      expectUndoSaid({ folder: false });
    });

    it("any size and binary files alike: the whole folder goes to the trash and comes back", async () => {
      const many = [
        folder("big", "big"),
        file("img", "logo.png", "big", { isBinary: true }),
        ...Array.from({ length: 5000 }, (_, i) => file(`m${i}`, `f${i}.txt`, "big")),
      ];
      const { user, actions } = setup(many);
      await focusTree(user);
      await user.keyboard("{Delete}");
      expectUndoSaid({ folder: true });
      await user.keyboard("{Tab}{Enter}");
      await waitFor(() => expect(actions.remove).toHaveBeenCalledWith("big"));
      expect(actions.remove).toHaveBeenCalledTimes(1);
      expect(useAppStore.getState().undoStack.at(-1)).toEqual({ kind: "delete", items: [{ id: "big", name: "big", path: "big" }] });
    });

    it("same-named files in different folders are listed by path", async () => {
      const { user } = setup([folder("a", "a"), file("ia", "index.ts", "a"), folder("b", "b"), file("ib", "index.ts", "b")]);
      await focusTree(user);
      await user.keyboard("{ArrowRight}{ArrowDown}{ArrowDown}{ArrowRight}{ArrowDown}");
      await user.keyboard("{Control>}a{/Control}{Delete}");
      const dialog = screen.getByRole("alertdialog", { name: "Delete 4 items?" });
      expect(within(dialog).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
        "a",
        "a/index.ts",
        "b",
        "b/index.ts",
      ]);
    });
  });

  it("Ctrl+Z undoes rename, move and create", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{End}{F2}");
    const input = screen.getByRole("textbox", { name: "Rename" });
    await user.clear(input);
    await user.type(input, "X.md{Enter}");
    await waitFor(() => expect(useAppStore.getState().undoStack).toHaveLength(1));
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(actions.rename).toHaveBeenLastCalledWith("readme", "README.md"));

    // Cut b.txt, paste into docs (a move), undo moves it back to the root.
    await user.keyboard("{ArrowUp}{ArrowUp}{Control>}x{/Control}");
    expect(item("b.txt")).toHaveClass("is-cut");
    await user.keyboard("{Home}{Control>}v{/Control}");
    await waitFor(() => expect(actions.move).toHaveBeenCalledWith("b", "docs"));
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(actions.move).toHaveBeenLastCalledWith("b", undefined));

    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    await user.type(screen.getByRole("textbox", { name: "New file name" }), "new.ts{Enter}");
    await waitFor(() => expect(useAppStore.getState().undoStack.at(-1)).toEqual({ kind: "create", ids: ["new1"] }));
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(actions.remove).toHaveBeenCalledWith("new1"));
  });

  it("Ctrl+C then Ctrl+V copies into the focused folder (recursively, via copy)", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{ArrowDown}{Control>}c{/Control}{Home}{Control>}v{/Control}");
    await waitFor(() => expect(actions.copy).toHaveBeenCalledWith("src", "docs"));
    expect(useAppStore.getState().clipboard).toEqual({ mode: "copy", ids: ["src"] });
    // Pasting on a file pastes into that file's folder (the root here).
    await user.keyboard("{End}{Control>}v{/Control}");
    await waitFor(() => expect(actions.copy).toHaveBeenLastCalledWith("src", undefined));
  });

  it("refuses to move a folder into itself without calling the server", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{ArrowDown}{Control>}x{/Control}{ArrowRight}{ArrowRight}{Control>}v{/Control}");
    await waitFor(() => expect(useAppStore.getState().toasts.at(-1)?.message).toMatch(/into itself/));
    expect(actions.move).not.toHaveBeenCalled();
  });

  it("Shift+Arrow extends, Ctrl+A selects all visible", async () => {
    const { user } = setup();
    await focusTree(user);
    await user.keyboard("{Shift>}{ArrowDown}{ArrowDown}{/Shift}");
    expect(screen.getAllByRole("treeitem", { selected: true })).toHaveLength(3);
    await user.keyboard("{Shift>}{ArrowUp}{/Shift}");
    expect(screen.getAllByRole("treeitem", { selected: true })).toHaveLength(2);
    await user.keyboard("{Control>}a{/Control}");
    expect(screen.getAllByRole("treeitem", { selected: true })).toHaveLength(5);
    await user.keyboard("{Escape}");
    expect(screen.getAllByRole("treeitem", { selected: true })).toHaveLength(1);
  });

  it("Shift+F10 and the ContextMenu key open the menu with shortcuts; its items run by keyboard", async () => {
    const { user, actions } = setup();
    await focusTree(user);
    await user.keyboard("{End}{Shift>}{F10}{/Shift}");
    const menu = screen.getByRole("menu", { name: "File actions" });
    const rename = within(menu).getByRole("menuitem", { name: /Rename/ });
    expect(rename).toHaveTextContent("F2");
    expect(within(menu).getByRole("menuitem", { name: /New File/ })).toHaveTextContent("Ctrl+Alt+N");
    expect(within(menu).getByRole("menuitem", { name: /New Folder/ })).toHaveTextContent("Ctrl+Alt+Shift+N");
    expect(within(menu).getByRole("menuitem", { name: /Paste/ })).toHaveAttribute("aria-disabled", "true");
    expect(document.activeElement).toHaveTextContent("Open");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(focusedName()).toBe("README.md");

    await user.keyboard("{ContextMenu}");
    expect(screen.getByRole("menu")).toBeInTheDocument();
    // Open, Open Preview, New File, New Folder, Cut, Copy, (Paste disabled), Rename
    await user.keyboard("{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}{Enter}");
    const input = screen.getByRole("textbox", { name: "Rename" });
    await user.clear(input);
    await user.type(input, "R.md{Enter}");
    expect(actions.rename).toHaveBeenCalledWith("readme", "R.md");
  });

  it("shows the server's message when a write is refused", async () => {
    const { user } = setup(FILES, {
      rename: () => Promise.reject(new ConvexError({ code: "NAME_TAKEN", message: '"X" already exists in this folder.' })),
    });
    await focusTree(user);
    await user.keyboard("{End}{F2}");
    const input = screen.getByRole("textbox", { name: "Rename" });
    await user.clear(input);
    await user.type(input, "X{Enter}");
    await waitFor(() =>
      expect(useAppStore.getState().toasts.at(-1)).toMatchObject({
        kind: "error",
        message: '"X" already exists in this folder.',
      }),
    );
    expect(useAppStore.getState().undoStack).toHaveLength(0);
  });
});

describe("FileTree focus and the root", () => {
  it("Escape steps back to the root: new items go there though the root holds only folders; arrows come back", async () => {
    const { user, actions } = setup([folder("src", "src"), folder("docs", "docs")]);
    await focusTree(user);
    await user.keyboard("{Escape}");
    const tree = screen.getByRole("tree");
    expect(tree).toHaveFocus();
    expect(screen.queryAllByRole("treeitem", { selected: true })).toHaveLength(0);
    // A row command means nothing at the root: F2 renames nothing.
    await user.keyboard("{F2}");
    expect(screen.queryByRole("textbox")).toBeNull();
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    const input = screen.getByRole("textbox", { name: "New file name" });
    expect(input.closest("[role=treeitem]")).toHaveAttribute("aria-level", "1");
    await user.type(input, "top.ts{Enter}");
    expect(actions.createFile).toHaveBeenCalledWith(undefined, "top.ts");

    await user.keyboard("{Escape}");
    expect(tree).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement).toHaveAttribute("role", "treeitem");
  });

  it("Ctrl+Z of a create removes the focused row and focus stays in the tree, on the row in its place", async () => {
    const { user } = setupLive([file("a", "a.txt"), file("c", "c.txt")]);
    await focusTree(user);
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    await user.type(screen.getByRole("textbox", { name: "New file name" }), "b.txt{Enter}");
    // The new file is the tree's focused row; DOM focus is the editor's to take (no editor here), and
    // Ctrl+Shift+E brings the person back to that row.
    await waitFor(() => expect(item("b.txt")).toHaveAttribute("tabindex", "0"));
    await user.keyboard("{Control>}{Shift>}e{/Shift}{/Control}");
    expect(item("b.txt")).toHaveFocus();
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(screen.queryByRole("treeitem", { name: "b.txt" })).toBeNull());
    expect(document.activeElement).not.toBe(document.body);
    expect(document.activeElement).toHaveAttribute("role", "treeitem");
  });
});

describe("FileTree toolbar", () => {
  it("has named icon buttons whose tooltips give the shortcuts; Collapse All collapses every folder", async () => {
    const { user } = setup();
    const newFile = screen.getByRole("button", { name: "New File" });
    expect(newFile).toHaveAttribute("title", "New File (Ctrl+Alt+N)");
    expect(newFile.querySelector("svg")).toHaveAttribute("aria-hidden", "true");
    expect(screen.getByRole("button", { name: "New Folder" })).toHaveAttribute("title", "New Folder (Ctrl+Alt+Shift+N)");
    await focusTree(user);
    await user.keyboard("{ArrowRight}s{ArrowRight}");
    expect(item("docs")).toHaveAttribute("aria-expanded", "true");
    expect(item("src")).toHaveAttribute("aria-expanded", "true");
    await user.click(screen.getByRole("button", { name: "Collapse All" }));
    expect(item("docs")).toHaveAttribute("aria-expanded", "false");
    expect(item("src")).toHaveAttribute("aria-expanded", "false");
    await user.click(screen.getByRole("button", { name: "New File" }));
    expect(screen.getByRole("textbox", { name: "New file name" })).toHaveFocus();
  });
});

describe("FileTree mouse", () => {
  it("click selects and previews a file, double click pins it", async () => {
    const { user, actions } = setup();
    await user.click(item("b.txt"));
    expect(item("b.txt")).toHaveAttribute("aria-selected", "true");
    expect(actions.open).toHaveBeenLastCalledWith("b", { preview: true, focusEditor: false });
    await user.dblClick(item("b.txt"));
    expect(actions.open).toHaveBeenLastCalledWith("b", { preview: false, focusEditor: true });
  });

  it("Ctrl+click toggles and Shift+click selects a range", async () => {
    const { user } = setup();
    await user.click(item("b.txt"));
    await user.keyboard("{Control>}");
    await user.click(item("README.md"));
    await user.keyboard("{/Control}");
    expect(screen.getAllByRole("treeitem", { selected: true })).toHaveLength(2);
    await user.keyboard("{Control>}");
    await user.click(item("b.txt"));
    await user.keyboard("{/Control}");
    expect(screen.getAllByRole("treeitem", { selected: true }).map((e) => e.getAttribute("aria-label"))).toEqual([
      "README.md",
    ]);
    await user.click(item("README.md"));
    await user.keyboard("{Shift>}");
    await user.click(item("src"));
    await user.keyboard("{/Shift}");
    expect(screen.getAllByRole("treeitem", { selected: true })).toHaveLength(4);
  });

  it("right click opens the context menu for the row", async () => {
    const { user } = setup();
    await user.pointer({ keys: "[MouseRight]", target: item("b.txt") });
    expect(item("b.txt")).toHaveAttribute("aria-selected", "true");
    const menu = screen.getByRole("menu");
    await user.click(within(menu).getByRole("menuitem", { name: /Delete/ }));
    expect(screen.getByRole("alertdialog", { name: 'Delete "b.txt"?' })).toBeInTheDocument();
  });

  function dataTransfer(init: { types?: string[]; files?: File[] } = {}) {
    const data = new Map<string, string>();
    return {
      data,
      dropEffect: "none",
      effectAllowed: "all",
      files: init.files ?? [],
      get types() {
        return init.types ?? [...data.keys()];
      },
      setData: (type: string, value: string) => data.set(type, value),
      getData: (type: string) => data.get(type) ?? "",
    };
  }

  it("drag and drop moves an item into a folder, highlighting the target", () => {
    const { actions } = setup();
    const dt = dataTransfer();
    fireEvent.dragStart(item("b.txt"), { dataTransfer: dt });
    fireEvent.dragOver(item("docs"), { dataTransfer: dt });
    expect(item("docs")).toHaveClass("is-drop-target");
    fireEvent.drop(item("docs"), { dataTransfer: dt });
    expect(actions.move).toHaveBeenCalledWith("b", "docs");
    expect(item("docs")).not.toHaveClass("is-drop-target");
  });

  it("does not offer a folder as a drop target inside itself", () => {
    const { actions } = setup();
    useAppStore.getState().setExpanded("src", true);
    const dt = dataTransfer();
    fireEvent.dragStart(item("src"), { dataTransfer: dt });
    fireEvent.dragOver(item("lib"), { dataTransfer: dt });
    expect(item("lib")).not.toHaveClass("is-drop-target");
    fireEvent.drop(item("lib"), { dataTransfer: dt });
    expect(actions.move).not.toHaveBeenCalled();
  });

  it("dropping desktop files uploads them into the folder under the pointer", async () => {
    const { actions } = setup();
    const dropped = new File(["hello"], "hello.txt", { type: "text/plain" });
    const dt = dataTransfer({ types: ["Files"], files: [dropped] });
    fireEvent.dragOver(item("docs"), { dataTransfer: dt });
    fireEvent.drop(item("docs"), { dataTransfer: dt });
    await waitFor(() => expect(actions.upload).toHaveBeenCalledWith(id("docs"), [{ kind: "file", name: "hello.txt", file: dropped }]));
  });

  it("after a drop from the desktop, focus lands on the first created row", async () => {
    const { actions } = setup();
    vi.mocked(actions.upload).mockResolvedValue(id("b"));
    const dt = dataTransfer({ types: ["Files"], files: [new File(["x"], "x.txt")] });
    fireEvent.dragOver(item("docs"), { dataTransfer: dt });
    fireEvent.drop(item("docs"), { dataTransfer: dt });
    await waitFor(() => expect(useAppStore.getState().focusedId).toBe(id("b")));
  });
});

describe("FileTree workspace-wide keys", () => {
  it("takes focus when it opens with focus nowhere, so the first key press works", async () => {
    setup();
    await waitFor(() => expect(document.activeElement).toHaveAttribute("role", "treeitem"));
  });

  it("does not steal focus from an element that already has it", () => {
    const outside = document.createElement("button");
    document.body.appendChild(outside);
    outside.focus();
    setup();
    expect(document.activeElement).toBe(outside);
    outside.remove();
  });

  it("Ctrl+Shift+E moves focus from elsewhere to the tree", async () => {
    const outside = document.createElement("button");
    document.body.appendChild(outside);
    outside.focus();
    const { user } = setup();
    await user.keyboard("{Control>}{Shift>}e{/Shift}{/Control}");
    expect(document.activeElement).toHaveAttribute("role", "treeitem");
    outside.remove();
  });

  it("Ctrl+Alt+N from outside the tree starts a new file there; in a text field the keys stay with the field", async () => {
    const field = document.createElement("input");
    document.body.appendChild(field);
    field.focus();
    const { user, actions } = setup();
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    expect(screen.queryByRole("textbox", { name: "New file name" })).toBeNull();
    field.blur();
    (document.activeElement as HTMLElement | null)?.blur();
    const outside = document.createElement("button");
    document.body.appendChild(outside);
    outside.focus();
    await user.keyboard("{Control>}{Alt>}n{/Alt}{/Control}");
    const input = await screen.findByRole("textbox", { name: "New file name" });
    await user.type(input, "fresh.ts{Enter}");
    expect(actions.createFile).toHaveBeenCalledWith(expect.anything(), "fresh.ts");
    field.remove();
    outside.remove();
  });
});
