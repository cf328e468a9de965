import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import RunPanel from "./RunPanel";
import type { RunnerConnection, RunnerSnapshot } from "./runnerConnection";
import { RunnerContext } from "./useRunner";

// The terminals' xterm needs a real canvas: here each is a stand-in that names what it shows.
vi.mock("./TerminalView", () => ({ TerminalView: ({ term }: { term: string }) => <div data-testid="terminal">{term}</div> }));

/** A runner connection reduced to what the panel reads: a snapshot that the test replaces and announces. */
function fakeConnection(initial: RunnerSnapshot) {
  let snapshot = initial;
  const listeners = new Set<() => void>();
  const connection = {
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    openTerminal: vi.fn(),
  };
  const set = (next: RunnerSnapshot) => {
    snapshot = next;
    for (const listener of listeners) listener();
  };
  return { connection: connection as unknown as RunnerConnection, set };
}

const running = (port: number): RunnerSnapshot => ({
  status: "ready",
  terminals: [],
  run: { status: "running", port, previewUrl: "http://p1.localhost:3295/" },
});

describe("RunPanel's preview", () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("makes the frame anew when the dev server's port changes behind the same preview address", async () => {
    // The preview answers at once (previewReady.ts asks with fetch before the frame is shown).
    vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response(""))));
    const { connection, set } = fakeConnection(running(5173));
    render(
      <RunnerContext.Provider value={connection}>
        <RunPanel onClose={() => {}} />
      </RunnerContext.Provider>,
    );
    const first = await screen.findByTitle("Preview");
    expect(screen.getByText("Preview · port 5173")).toBeInTheDocument();

    // A restarted dev server on another port: a frame that showed an error page would otherwise stay as it was.
    act(() => set(running(5174)));
    expect(await screen.findByText("Preview · port 5174")).toBeInTheDocument();
    const second = await screen.findByTitle("Preview");
    expect(second).not.toBe(first);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});

describe("RunPanel's status", () => {
  afterEach(cleanup);

  it("says when commands run unfenced (a runner without a sandbox), and says nothing of it when fenced", () => {
    const idle = (sandbox: "bwrap" | "none"): RunnerSnapshot => ({ status: "ready", sandbox, terminals: [], run: { status: "idle" } });
    const { connection, set } = fakeConnection(idle("none"));
    render(
      <RunnerContext.Provider value={connection}>
        <RunPanel onClose={() => {}} />
      </RunnerContext.Provider>,
    );
    expect(screen.getByText(/Unfenced: commands run as the runner's user, without a sandbox/)).toBeInTheDocument();
    act(() => set(idle("bwrap")));
    expect(screen.queryByText(/Unfenced/)).toBeNull();
  });
});

describe("RunPanel's terminals", () => {
  afterEach(cleanup);

  it("shows the Run terminal when Run starts a dev command, in front of a shell opened before", () => {
    const terminals = [
      { id: "t1", title: "Terminal 1" },
      { id: "run", title: "Run" },
    ];
    const { connection, set } = fakeConnection({ status: "ready", terminals, run: { status: "stopped", terminalId: "run" } });
    render(
      <RunnerContext.Provider value={connection}>
        <RunPanel onClose={() => {}} />
      </RunnerContext.Provider>,
    );
    expect(screen.getByRole("tab", { name: "Terminal 1" })).toHaveAttribute("aria-selected", "true");

    // No install command: Run goes straight to starting the dev command.
    act(() => set({ status: "ready", terminals, run: { status: "starting", terminalId: "run" } }));
    expect(screen.getByRole("tab", { name: "Run" })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByTestId("terminal")).toHaveTextContent("run");
  });
});
