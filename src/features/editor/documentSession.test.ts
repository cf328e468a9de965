import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DocumentSession, type TextBuffer } from "./documentSession";
import { TestBackend } from "./testBackend";

/** A plain-string buffer: the CodeMirror-free half of the editor. */
function attach(session: DocumentSession) {
  const buffer: TextBuffer & { text: string; remoteApplied: number } = {
    text: session.initialText,
    remoteApplied: 0,
    getText: () => buffer.text,
    applyRemoteText: (text: string) => {
      buffer.text = text;
      buffer.remoteApplied++;
    },
  };
  session.attachBuffer(buffer);
  const type = (text: string) => {
    buffer.text += text;
    session.localChange();
  };
  return { buffer, type };
}

describe("DocumentSession", () => {
  let backend: TestBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new TestBackend();
    backend.addText("f1", "a.ts", "hello", 3);
  });
  afterEach(() => vi.useRealTimers());

  it("saves a burst of typing once, after the pause, with the revision the edit was based on", () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    for (const ch of " world") {
      type(ch);
      vi.advanceTimersByTime(100);
    }
    expect(backend.saves).toHaveLength(0);
    expect(session.getView()).toMatchObject({ dirty: true, saveState: { kind: "saving" } });
    vi.advanceTimersByTime(300);
    expect(backend.saves.map(({ content, baseRevision }) => ({ content, baseRevision }))).toEqual([
      { content: "hello world", baseRevision: 3 },
    ]);
  });

  it("flush saves at once, and marks the tab clean when the save returns", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    const flushed = session.flush();
    expect(backend.saves).toHaveLength(1);
    backend.saves[0].resolve();
    await flushed;
    expect(session.getView()).toMatchObject({ dirty: false, saveState: { kind: "saved" } });
    expect(backend.text("f1")).toEqual({ content: "hello!", revision: 4 });
    vi.advanceTimersByTime(1000);
    expect(backend.saves).toHaveLength(1);
  });

  it("saves keystrokes typed while a save is in flight, based on the revision that save returned", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("1");
    vi.advanceTimersByTime(400);
    expect(backend.saves).toHaveLength(1);
    type("2");
    vi.advanceTimersByTime(400);
    // Still one: the second waits for the first.
    expect(backend.saves).toHaveLength(1);
    backend.saves[0].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.saves).toHaveLength(2);
    expect(backend.saves[1]).toMatchObject({ content: "hello12", baseRevision: 4 });
    backend.saves[1].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView()).toMatchObject({ dirty: false, saveState: { kind: "saved" } });
    expect(backend.text("f1")).toEqual({ content: "hello12", revision: 5 });
  });

  it("ignores its own echo and applies a remote change in place when clean", async () => {
    backend.autoResolve = true;
    const session = new DocumentSession("f1", backend, 400);
    const { type, buffer } = attach(session);
    type("!");
    await session.flush();
    expect(buffer.remoteApplied).toBe(0);
    backend.remoteWrite("f1", "theirs");
    expect(buffer.text).toBe("theirs");
    expect(buffer.remoteApplied).toBe(1);
    expect(session.getView().divergence).toBeNull();
    type("+");
    await session.flush();
    expect(backend.saves.at(-1)).toMatchObject({ content: "theirs+", baseRevision: 5 });
  });

  it("holds a remote change as a divergence when dirty; keep mine saves on top of it", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type, buffer } = attach(session);
    type(" mine");
    backend.remoteWrite("f1", "theirs");
    expect(buffer.text).toBe("hello mine");
    expect(session.getView()).toMatchObject({
      divergence: { revision: 4, content: "theirs" },
      saveState: { kind: "error" },
    });
    vi.advanceTimersByTime(1000);
    expect(backend.saves).toHaveLength(0);
    const kept = session.keepMine();
    expect(backend.saves[0]).toMatchObject({ content: "hello mine", baseRevision: 4 });
    backend.saves[0].resolve();
    await kept;
    expect(backend.text("f1")).toEqual({ content: "hello mine", revision: 5 });
    expect(session.getView()).toMatchObject({ divergence: null, dirty: false });
  });

  it("take theirs replaces the buffer and leaves the tab clean", () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type, buffer } = attach(session);
    type(" mine");
    backend.remoteWrite("f1", "theirs");
    session.takeTheirs();
    expect(buffer.text).toBe("theirs");
    expect(session.getView()).toMatchObject({ divergence: null, dirty: false, saveState: { kind: "saved" } });
    vi.advanceTimersByTime(1000);
    expect(backend.saves).toHaveLength(0);
  });

  it("turns a CONFLICT from the server into a divergence", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    vi.advanceTimersByTime(400);
    // Another client wins the race; its value has not reached this tab yet.
    backend.files.set("f1", { status: "ready", file: { kind: "text", name: "a.ts", content: "other", revision: 4, size: 5 } });
    backend.saves[0].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView()).toMatchObject({
      divergence: { revision: 4, content: "other" },
      saveState: { kind: "error", message: "This file changed on the server" },
    });
  });

  it("reports other save errors and retries on the next change", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    vi.advanceTimersByTime(400);
    backend.saves[0].reject(new Error("offline"));
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView().saveState).toEqual({ kind: "error", message: "offline" });
    type("?");
    vi.advanceTimersByTime(400);
    expect(backend.saves[1]).toMatchObject({ content: "hello!?", baseRevision: 3 });
  });

  it("stops saving once the file is deleted", () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    session.markDeleted();
    vi.advanceTimersByTime(1000);
    expect(backend.saves).toHaveLength(0);
    expect(session.currentText()).toBe("hello!");
  });
});
