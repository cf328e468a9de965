import { EditorSelection, EditorState, type Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { getFunctionName, type FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { aiEditorExtensions, type AiEditorOptions } from "./index";
import { GHOST_DELAY_MS, acceptGhost, ghostText } from "./ghostText";
import { aiProviderMissing, resetEditorAiSettings, setGhostTextEnabled } from "./settings";
import { acceptQuickEdit, closeQuickEdit, openQuickEdit, quickEdit } from "./quickEdit";

let views: EditorView[] = [];
afterEach(() => {
  for (const view of views) view.destroy();
  views = [];
  document.body.replaceChildren();
  vi.useRealTimers();
  localStorage.clear();
  resetEditorAiSettings();
});

function makeView(doc: string, extensions: Extension) {
  const parent = document.createElement("div");
  document.body.append(parent);
  const view = new EditorView({ state: EditorState.create({ doc, extensions }), parent });
  views.push(view);
  view.focus();
  return view;
}

function type(view: EditorView, text: string) {
  const pos = view.state.selection.main.head;
  view.dispatch({ changes: { from: pos, insert: text }, selection: { anchor: pos + text.length }, userEvent: "input.type" });
}

function pressKey(view: EditorView, key: string, mods: Partial<KeyboardEventInit> = {}) {
  view.contentDOM.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...mods }));
}

const ghost = (view: EditorView) => view.dom.querySelector(".cm-ai-ghost")?.textContent ?? null;

describe("ghost text", () => {
  it("asks after a pause, shows the suggestion dimmed, and Tab accepts it", async () => {
    const suggest = vi.fn().mockResolvedValue("42;");
    const view = makeView("", ghostText(suggest, 20));
    type(view, "const x = ");
    expect(suggest).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(ghost(view)).toBe("42;"));
    expect(suggest).toHaveBeenCalledExactlyOnceWith({ prefix: "const x = ", suffix: "" });
    pressKey(view, "Tab");
    expect(view.state.doc.toString()).toBe("const x = 42;");
    expect(view.state.selection.main.head).toBe(13);
    expect(ghost(view)).toBeNull();
  });

  it("drops a suggestion when typing goes on, and ignores an answer that arrives too late", async () => {
    vi.useFakeTimers();
    let resolve: (text: string) => void = () => {};
    let answer: Promise<string> | undefined;
    const suggest = vi.fn(() => (answer = new Promise<string>((r) => (resolve = r))));
    const view = makeView("", ghostText(suggest, 10));
    type(view, "a");
    await vi.advanceTimersByTimeAsync(10);
    expect(suggest).toHaveBeenCalledOnce();
    type(view, "b");
    resolve("stale");
    // The plugin's handler was attached to the answer first, so it has run once this await resumes.
    await answer;
    expect(ghost(view)).toBeNull();
    expect(acceptGhost(view)).toBe(false);
  });

  it("Escape dismisses the suggestion without changing the text", async () => {
    const view = makeView("", ghostText(() => Promise.resolve("tail"), 10));
    type(view, "x");
    await vi.waitFor(() => expect(ghost(view)).toBe("tail"));
    pressKey(view, "Escape");
    expect(ghost(view)).toBeNull();
    expect(view.state.doc.toString()).toBe("x");
  });
});

describe("ghost text switches", () => {
  it("asks nothing while switched off, and again once switched on", async () => {
    let on = false;
    const suggest = vi.fn().mockResolvedValue("more");
    vi.useFakeTimers();
    const view = makeView("", ghostText(suggest, 5, { enabled: () => on }));
    type(view, "a");
    await vi.advanceTimersByTimeAsync(30);
    expect(suggest).not.toHaveBeenCalled();
    on = true;
    type(view, "b");
    await vi.advanceTimersByTimeAsync(5);
    expect(ghost(view)).toBe("more");
    expect(suggest).toHaveBeenCalledOnce();
  });

  it("waits longer after several empty answers in a row, and a suggestion resets the pause", async () => {
    vi.useFakeTimers();
    const answers = ["", "", "", "", "x"];
    const suggest = vi.fn(() => Promise.resolve(answers.shift() ?? ""));
    const view = makeView("", ghostText(suggest, 100));
    const typeAndWait = async (ms: number) => {
      type(view, "a");
      await vi.advanceTimersByTimeAsync(ms);
    };
    for (let i = 1; i <= 3; i++) {
      await typeAndWait(100);
      expect(suggest).toHaveBeenCalledTimes(i);
    }
    // Three empty answers: the next pause is twice as long.
    await typeAndWait(100);
    expect(suggest).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(suggest).toHaveBeenCalledTimes(4);
    // Four: four times as long.
    await typeAndWait(399);
    expect(suggest).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(suggest).toHaveBeenCalledTimes(5);
    expect(ghost(view)).toBe("x");
    await typeAndWait(100);
    expect(suggest).toHaveBeenCalledTimes(6);
  });
});

describe("aiEditorExtensions", () => {
  const projectId = "p1" as Id<"projects">;
  const fileId = "f1" as Id<"files">;

  function fakeConvex(handler: (path: string, args: Record<string, unknown>) => Promise<string>) {
    const calls: string[] = [];
    const convex = {
      action: vi.fn((ref: unknown, args: Record<string, unknown>) => {
        const path = getFunctionName(ref as FunctionReference<"action">);
        calls.push(path);
        return handler(path, args);
      }),
    } as unknown as AiEditorOptions["convex"];
    return { convex, calls };
  }

  it("suggests for the current file, and asks nothing for a file not on the server yet or when switched off", async () => {
    vi.useFakeTimers();
    let current: Id<"files"> | null = fileId;
    const { convex, calls } = fakeConvex(() => Promise.resolve("1;"));
    const view = makeView("", aiEditorExtensions({ projectId, getFileId: () => current, convex }));
    type(view, "x = ");
    await vi.advanceTimersByTimeAsync(GHOST_DELAY_MS);
    expect(ghost(view)).toBe("1;");
    expect(calls).toEqual(["ai/suggest:complete"]);
    expect(vi.mocked(convex.action).mock.calls[0][1]).toEqual({ projectId, fileId, prefix: "x = ", suffix: "" });

    current = null;
    type(view, "y");
    await vi.advanceTimersByTimeAsync(GHOST_DELAY_MS);
    setGhostTextEnabled(false);
    current = fileId;
    type(view, "z");
    await vi.advanceTimersByTimeAsync(GHOST_DELAY_MS);
    expect(calls).toHaveLength(1);
    expect(localStorage.getItem("polaris.editor.ghostText")).toBe("off");
  });

  it("stops suggesting once quick edit reports that no provider is configured", async () => {
    const { convex, calls } = fakeConvex((path) =>
      path === "ai/quickEdit:run"
        ? Promise.reject(new ConvexError({ code: "AI_NOT_CONFIGURED", message: "No AI provider is configured." }))
        : Promise.resolve(""),
    );
    const view = makeView("abc", aiEditorExtensions({ projectId, getFileId: () => fileId, convex }));
    view.dispatch({ selection: EditorSelection.range(0, 3) });
    expect(openQuickEdit(view)).toBe(true);
    const input = view.dom.querySelector<HTMLInputElement>('input[aria-label="Quick edit instruction"]')!;
    input.value = "upper";
    input.form!.requestSubmit();
    await vi.waitFor(() => expect(view.dom.querySelector('[role="alert"]')?.textContent).toContain("No AI provider"));
    expect(aiProviderMissing()).toBe(true);
    closeQuickEdit(view);
    vi.useFakeTimers();
    view.dispatch({ selection: { anchor: 3 } });
    type(view, "d");
    await vi.advanceTimersByTimeAsync(GHOST_DELAY_MS);
    expect(calls).toEqual(["ai/quickEdit:run"]);
  });
});

describe("quick edit", () => {
  it("opens on Mod+K with a selection, shows the rewrite as a diff, and applies it on accept", async () => {
    const run = vi.fn().mockResolvedValue("let y = 2;");
    const view = makeView("let y = 1;\nrest", quickEdit(run));
    view.dispatch({ selection: EditorSelection.range(0, 10) });
    pressKey(view, "k", { ctrlKey: true });
    const input = view.dom.querySelector<HTMLInputElement>('input[aria-label="Quick edit instruction"]');
    expect(input).not.toBeNull();
    input!.value = "make it 2";
    input!.form!.requestSubmit();
    await vi.waitFor(() => expect(view.dom.querySelector(".cm-ai-added")?.textContent).toBe("let y = 2;"));
    expect(run).toHaveBeenCalledWith({ selection: "let y = 1;", instruction: "make it 2" });
    expect(view.dom.querySelector(".cm-ai-removed")?.textContent).toBe("let y = 1;");
    expect(view.state.doc.toString()).toBe("let y = 1;\nrest");
    expect(acceptQuickEdit(view)).toBe(true);
    expect(view.state.doc.toString()).toBe("let y = 2;\nrest");
    expect(view.dom.querySelector(".cm-ai-quickedit")).toBeNull();
  });

  it("does nothing without a selection, and reject leaves the text alone", async () => {
    const view = makeView("abc", quickEdit(() => Promise.resolve("XYZ")));
    expect(openQuickEdit(view)).toBe(false);
    view.dispatch({ selection: EditorSelection.range(0, 3) });
    expect(openQuickEdit(view)).toBe(true);
    const input = view.dom.querySelector<HTMLInputElement>('input[aria-label="Quick edit instruction"]')!;
    input.value = "upper";
    input.form!.requestSubmit();
    await vi.waitFor(() => expect(view.dom.querySelector(".cm-ai-added")).not.toBeNull());
    expect(closeQuickEdit(view)).toBe(true);
    expect(view.state.doc.toString()).toBe("abc");
    expect(view.dom.querySelector(".cm-ai-added")).toBeNull();
  });

  it("shows the error and keeps the box open when the edit fails", async () => {
    const view = makeView("abc", quickEdit(async () => Promise.reject(new Error("No AI provider is configured"))));
    view.dispatch({ selection: EditorSelection.range(0, 3) });
    openQuickEdit(view);
    const input = view.dom.querySelector<HTMLInputElement>('input[aria-label="Quick edit instruction"]')!;
    input.value = "x";
    input.form!.requestSubmit();
    await vi.waitFor(() => expect(view.dom.querySelector('[role="alert"]')?.textContent).toContain("No AI provider"));
    expect(view.dom.querySelector('input[aria-label="Quick edit instruction"]')).not.toBeNull();
  });
});
