import { ConvexError } from "convex/values";
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

/** Lets the outbox store, send and answer what is due (its steps are promise callbacks). */
const idle = () => vi.advanceTimersByTimeAsync(0);

describe("DocumentSession", () => {
  let backend: TestBackend;
  beforeEach(() => {
    vi.useFakeTimers();
    backend = new TestBackend();
    backend.addText("f1", "a.ts", "hello", 3);
  });
  afterEach(() => {
    backend.stop();
    vi.useRealTimers();
  });

  it("saves a burst of typing once, after the pause, with the revision the edit was based on", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    for (const ch of " world") {
      type(ch);
      vi.advanceTimersByTime(100);
    }
    expect(backend.saves).toHaveLength(0);
    expect(session.getView()).toMatchObject({ dirty: true, saveState: { kind: "saving" } });
    await vi.advanceTimersByTimeAsync(300);
    expect(backend.saves.map(({ content, baseRevision }) => ({ content, baseRevision }))).toEqual([
      { content: "hello world", baseRevision: 3 },
    ]);
  });

  it("flush saves at once, and marks the tab clean when the save returns", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    const flushed = session.flush();
    await idle();
    expect(backend.saves).toHaveLength(1);
    backend.saves[0].resolve();
    await flushed;
    await idle();
    expect(session.getView()).toMatchObject({ dirty: false, saveState: { kind: "saved" } });
    expect(backend.text("f1")).toEqual({ content: "hello!", revision: 4 });
    vi.advanceTimersByTime(1000);
    expect(backend.saves).toHaveLength(1);
  });

  it("saves keystrokes typed while a save is in flight, based on the revision that save returned", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("1");
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.saves).toHaveLength(1);
    type("2");
    await vi.advanceTimersByTimeAsync(400);
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
    await idle();
    expect(buffer.remoteApplied).toBe(0);
    backend.remoteWrite("f1", "theirs");
    expect(buffer.text).toBe("theirs");
    expect(buffer.remoteApplied).toBe(1);
    expect(session.getView().divergence).toBeNull();
    type("+");
    await session.flush();
    await idle();
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
    await idle();
    expect(backend.saves[0]).toMatchObject({ content: "hello mine", baseRevision: 4 });
    backend.saves[0].resolve();
    await kept;
    await idle();
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

  it("turns a CONFLICT from the server that the outbox cannot merge into a divergence", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    await vi.advanceTimersByTimeAsync(400);
    // Another client wins the race; its value has not reached this tab yet.
    backend.files.set("f1", { status: "ready", file: { kind: "text", name: "a.ts", content: "other", revision: 4, size: 5 } });
    backend.saves[0].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView()).toMatchObject({
      divergence: { revision: 4, content: "other" },
      saveState: { kind: "error", message: "This file changed on the server" },
    });
  });

  it("takes the other writer's lines into the buffer when the outbox merged a CONFLICT, keeping what was typed since", async () => {
    backend.addText("f2", "b.ts", "line 1\nline 2\n", 3);
    const session = new DocumentSession("f2", backend, 400);
    const { type, buffer } = attach(session);
    type("mine\n");
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.saves).toHaveLength(1);
    // Another client changed the first line; its value has not reached this tab yet.
    backend.files.set("f2", { status: "ready", file: { kind: "text", name: "b.ts", content: "THEIRS 1\nline 2\n", revision: 4, size: 16 } });
    type("more");
    backend.saves[0].resolve();
    await idle();
    expect(backend.saves[1]).toMatchObject({ content: "THEIRS 1\nline 2\nmine\n", baseRevision: 4 });
    backend.saves[1].resolve();
    await idle();
    expect(buffer.text).toBe("THEIRS 1\nline 2\nmine\nmore");
    expect(session.getView()).toMatchObject({ dirty: true, divergence: null });
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.saves[2]).toMatchObject({ content: "THEIRS 1\nline 2\nmine\nmore", baseRevision: 5 });
  });

  it("reports a refused save and retries on the next change", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("!");
    await vi.advanceTimersByTimeAsync(400);
    backend.saves[0].reject(new ConvexError({ code: "TOO_LARGE", message: "The file is too large to save." }));
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView().saveState).toEqual({ kind: "error", message: "The file is too large to save." });
    type("?");
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.saves[1]).toMatchObject({ content: "hello!?", baseRevision: 3 });
  });

  it("does not send refused text again (closing the tab, a remount): one refusal, until the text changes", async () => {
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type(" BIG");
    await vi.advanceTimersByTimeAsync(400);
    backend.saves[0].reject(new ConvexError({ code: "TOO_LARGE", message: "Over the limit." }));
    await idle();
    expect(session.getView()).toMatchObject({ dirty: true, saveState: { kind: "error", message: "Over the limit." } });
    expect(backend.outbox.state().issues).toHaveLength(1);

    // The registry flushes a session it retires (a closed tab, StrictMode's remount): the same text stays put.
    await session.flush();
    await idle();
    expect(backend.saves).toHaveLength(1);
    expect(session.getView()).toMatchObject({ dirty: true, saveState: { kind: "error", message: "Over the limit." } });

    // A session made after a reload gets the same problem from the outbox and does not resend it either.
    const again = new DocumentSession("f1", backend, 400);
    again.applyIssue(backend.outbox.state().issues[0]);
    attach(again);
    expect(again.getView()).toMatchObject({ dirty: true, saveState: { kind: "error", message: "Over the limit." } });
    await again.flush();
    await idle();
    expect(backend.saves).toHaveLength(1);

    // Asked for (Ctrl+S), the same text is sent again; its refusal replaces the older one: one problem per file.
    await again.saveNow();
    await idle();
    expect(backend.saves).toHaveLength(2);
    backend.saves[1].reject(new ConvexError({ code: "TOO_LARGE", message: "Over the limit." }));
    await idle();
    expect(backend.outbox.state().issues).toHaveLength(1);

    // Changed text is sent; its refusal replaces the older one too.
    type("!");
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.saves).toHaveLength(3);
    backend.saves[2].reject(new ConvexError({ code: "TOO_LARGE", message: "Over the limit." }));
    await idle();
    expect(backend.outbox.state().issues.map((i) => i.text)).toEqual(["hello BIG!"]);
  });

  it("takes another writer's pending write (a search replace) into the buffer at once, offline too, so its next save keeps it", async () => {
    backend.addText("f2", "b.ts", "one\ntwo\nthree\n", 3);
    const session = new DocumentSession("f2", backend, 400);
    const { type, buffer } = attach(session);
    type("four\n");
    await session.flush();
    // Unanswered (offline): the replace reads the newest text, this save's, and writes its own on top.
    const replaced = backend.pendingWrite("f2", "ONE\ntwo\nthree\nfour\n");
    expect(buffer.text).toBe("ONE\ntwo\nthree\nfour\n");
    expect(session.getView()).toMatchObject({ dirty: false, divergence: null });
    type("five\n");
    await session.flush();
    // Back online: the outbox sends the three in order.
    for (let i = 0; i < 3; i++) {
      await idle();
      backend.saves[i].resolve();
    }
    await replaced;
    await idle();
    expect(backend.saves.map((s) => s.content)).toEqual(["one\ntwo\nthree\nfour\n", "ONE\ntwo\nthree\nfour\n", "ONE\ntwo\nthree\nfour\nfive\n"]);
    expect(backend.text("f2").content).toBe("ONE\ntwo\nthree\nfour\nfive\n");
    expect(buffer.text).toBe("ONE\ntwo\nthree\nfour\nfive\n");
    expect(session.getView()).toMatchObject({ dirty: false, divergence: null, saveState: { kind: "saved" } });
  });

  it("shows another writer's pending write that overlaps unsaved typing as a divergence, and saves nothing over it", async () => {
    backend.addText("f2", "b.ts", "one\ntwo\n", 3);
    const session = new DocumentSession("f2", backend, 400);
    const { buffer } = attach(session);
    buffer.text = "one!\ntwo\n";
    session.localChange();
    void backend.pendingWrite("f2", "ONE\ntwo\n");
    expect(buffer.text).toBe("one!\ntwo\n");
    expect(session.getView()).toMatchObject({ dirty: true, divergence: { revision: 3, content: "ONE\ntwo\n" } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(backend.saves.map((s) => s.content)).toEqual(["ONE\ntwo\n"]);
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

describe("DocumentSession with the offline outbox", () => {
  /** A backend whose saves report `stored` first and the server's answer later, as the outbox does. */
  function outboxBackend() {
    const backend = new TestBackend();
    backend.addText("f1", "a.ts", "line 1\nline 2\n", 3);
    const calls: { content: string; store: () => void; confirm: (result: { revision: number; content?: string }) => void; fail: (e: unknown) => void }[] = [];
    backend.saveContent = (_fileId, content) => {
      let store!: () => void;
      const stored = new Promise<void>((resolve) => (store = resolve));
      let confirm!: (result: { revision: number; content?: string }) => void;
      let fail!: (e: unknown) => void;
      const result = new Promise<{ revision: number; content?: string }>((resolve, reject) => {
        confirm = resolve;
        fail = reject;
      });
      calls.push({ content, store, confirm, fail });
      return Object.assign(result, { stored });
    };
    return { backend, calls };
  }

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("counts a stored save as saved for the tab, and saves keystrokes typed meanwhile in a second save", async () => {
    const { backend, calls } = outboxBackend();
    const session = new DocumentSession("f1", backend, 400);
    const { type } = attach(session);
    type("a");
    vi.advanceTimersByTime(400);
    expect(calls).toHaveLength(1);
    type("b");
    vi.advanceTimersByTime(400);
    expect(calls).toHaveLength(1);
    calls[0].store();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.content)).toEqual(["line 1\nline 2\na", "line 1\nline 2\nab"]);
    calls[1].store();
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView()).toMatchObject({ dirty: false, saveState: { kind: "saving" } });
    calls[0].confirm({ revision: 4 });
    calls[1].confirm({ revision: 5 });
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView()).toMatchObject({ dirty: false, saveState: { kind: "saved" } });
  });

  it("brings the other writer's lines into the buffer when the outbox merged the save", async () => {
    const { backend, calls } = outboxBackend();
    const session = new DocumentSession("f1", backend, 400);
    const { type, buffer } = attach(session);
    type("mine\n");
    void session.flush();
    calls[0].store();
    await vi.advanceTimersByTimeAsync(0);
    calls[0].confirm({ revision: 5, content: "theirs\nline 1\nline 2\nmine\n" });
    await vi.advanceTimersByTimeAsync(0);
    expect(buffer.text).toBe("theirs\nline 1\nline 2\nmine\n");
    expect(session.getView()).toMatchObject({ dirty: false, divergence: null, saveState: { kind: "saved" } });
  });

  it("shows a conflict the outbox could not merge as a divergence holding both texts", async () => {
    const { backend, calls } = outboxBackend();
    const dismissed: string[] = [];
    backend.dismissIssue = (id) => dismissed.push(id);
    const session = new DocumentSession("f1", backend, 400);
    const { type, buffer } = attach(session);
    type("mine");
    void session.flush();
    calls[0].store();
    await vi.advanceTimersByTimeAsync(0);
    const issue = { id: "op1", kind: "conflict" as const, opId: "op1", path: "files:updateContent", message: "changed elsewhere", createdAt: 0, fileId: "f1", text: buffer.text, theirs: "theirs\n", serverRevision: 4 };
    calls[0].fail(Object.assign(new Error(issue.message), { issue }));
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getView()).toMatchObject({ dirty: true, divergence: { revision: 4, content: "theirs\n" } });
    expect(buffer.text).toBe("line 1\nline 2\nmine");
    const kept = session.keepMine();
    expect(calls[1]).toMatchObject({ content: "line 1\nline 2\nmine" });
    expect(dismissed).toEqual(["op1"]);
    calls[1].store();
    await kept;
  });
});
