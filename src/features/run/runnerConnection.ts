// The browser's side of the runner: one WebSocket per open project (runner/src/protocol.ts), reconnected when it
// drops, with the user's token handed over at hello and again whenever it is renewed. Holds what the panel shows
// (terminals, Run status, the working copy's state) and each terminal's recent output, so a terminal view that
// mounts later, or after a reconnect's replay, starts from the same text.
import {
  RUNNER_WS_PATH,
  type ClientMessage,
  type RunState,
  type ServerMessage,
  type SyncState,
  type TerminalInfo,
} from "../../../runner/src/protocol";

export type ConnectionStatus = "connecting" | "ready" | "refused" | "offline";

export interface RunnerSnapshot {
  status: ConnectionStatus;
  /** Why the runner refused or cannot be reached, in words for the user. */
  error?: string;
  sandbox?: "bwrap" | "none";
  terminals: TerminalInfo[];
  run: RunState;
  sync?: SyncState;
  /** The terminal the runner opened last at this browser's request (focus goes there). */
  opened?: string;
  /** A one-off message from the runner (too many terminals, say). */
  notice?: string;
  /** Counts this browser's requests for a terminal that the runner refused (the project has as many as it may). */
  openRefused?: number;
  /** Run or Restart waits for this browser's changes to reach the server, where the runner reads the project. */
  saving?: boolean;
}

/** Recent output kept per terminal in the page (characters), like the runner's replay buffer. */
const KEEP = 256 * 1024;
const TOKEN_CHECK_MS = 30_000;

type OutputListener = (data: string, reset: boolean) => void;

export class RunnerConnection {
  private ws: WebSocket | null = null;
  private snapshot: RunnerSnapshot = { status: "connecting", terminals: [], run: { status: "idle" } };
  private listeners = new Set<() => void>();
  private output = new Map<string, string>();
  private outputListeners = new Map<string, Set<OutputListener>>();
  private retryMs = 500;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private tokenTimer: ReturnType<typeof setInterval> | undefined;
  private lastToken: string | null = null;
  private closed = false;
  private wantOpen = false;
  /** Terminals this browser asked for that the runner has neither opened nor refused yet. */
  private opening = 0;
  /** Run, Stop or Restart asked for before the runner said ready (F5 right after the page opens): sent on ready. */
  private wantAction: "run" | "stop" | "restart" | null = null;
  /** Counts Run/Stop/Restart presses: a Run still waiting for `beforeRun` goes only if nothing was pressed since. */
  private presses = 0;

  /**
   * `beforeRun`: what must happen before Run or Restart is sent: the runner copies the project from the server, so
   * the edits and settings this browser made must be there first (saved and confirmed), or it runs what was there
   * before (F5 right after saving the Dev command ran with none).
   */
  constructor(
    private readonly runnerUrl: string,
    private readonly projectId: string,
    private readonly getToken: (forceRefresh: boolean) => Promise<string | null>,
    private readonly beforeRun: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.connect();
    this.tokenTimer = setInterval(() => void this.sendToken(false), TOKEN_CHECK_MS);
  }

  // ------------------------------------------------------------------------------------------ for React

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): RunnerSnapshot => this.snapshot;

  /** Everything terminal `term` printed recently, then each new piece (`reset`: start over with `data`). */
  watchOutput(term: string, listener: OutputListener): () => void {
    const text = this.output.get(term);
    if (text) listener(text, true);
    let set = this.outputListeners.get(term);
    if (!set) this.outputListeners.set(term, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  // -------------------------------------------------------------------------------------------- actions

  openTerminal(cols: number, rows: number): void {
    if (this.send({ t: "open", cols, rows })) this.opening++;
    else this.wantOpen = true;
  }
  input(term: string, data: string): void {
    this.send({ t: "input", term, data });
  }
  resize(term: string, cols: number, rows: number): void {
    this.send({ t: "resize", term, cols, rows });
  }
  closeTerminal(term: string): void {
    this.send({ t: "close", term });
  }
  run(): void {
    this.act("run");
  }
  stop(): void {
    this.act("stop");
  }
  restart(): void {
    this.act("restart");
  }
  /** The newest of these wins while the connection is not ready yet, or while Run waits; nothing is dropped silently. */
  private act(action: "run" | "stop" | "restart"): void {
    const press = ++this.presses;
    if (action === "stop") {
      if (this.snapshot.saving) this.set({ saving: false });
      this.wantAction = this.send({ t: action }) ? null : action;
      return;
    }
    this.set({ saving: true });
    // A failed save is the editor's to report (its status bar, the sync panel); Run goes on with what the server has.
    void this.beforeRun()
      .catch(() => undefined)
      .then(() => {
        if (press !== this.presses || this.closed) return;
        this.set({ saving: false });
        this.wantAction = this.send({ t: action }) ? null : action;
      });
  }
  clearNotice(): void {
    if (this.snapshot.notice !== undefined) this.set({ notice: undefined });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.tokenTimer);
    this.ws?.close();
  }

  // ---------------------------------------------------------------------------------------------- socket

  private connect(): void {
    if (this.closed) return;
    let url: URL;
    try {
      url = new URL(RUNNER_WS_PATH, this.runnerUrl);
      // For a load balancer in front of several runners: every socket of a project goes to the same one.
      url.searchParams.set("project", this.projectId);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    } catch {
      this.set({ status: "refused", error: `The runner address "${this.runnerUrl}" is not a URL.` });
      return;
    }
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      void this.getToken(false).then((token) => {
        if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
        this.lastToken = token;
        ws.send(JSON.stringify({ t: "hello", projectId: this.projectId, token: token ?? "" } satisfies ClientMessage));
      });
    };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") this.receive(JSON.parse(event.data) as ServerMessage);
    };
    ws.onclose = () => {
      if (ws !== this.ws || this.closed) return;
      this.ws = null;
      if (this.snapshot.status === "refused") return;
      this.set({
        status: "offline",
        error: `The runner at ${this.runnerUrl} cannot be reached. Retrying… (start it with npm start or npm run runner)`,
      });
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5_000);
    };
  }

  private receive(message: ServerMessage): void {
    switch (message.t) {
      case "ready":
        this.retryMs = 500;
        this.opening = 0;
        this.set({ status: "ready", error: undefined, sandbox: message.sandbox, terminals: message.terminals, run: message.run, sync: message.sync });
        if (this.wantOpen) {
          this.wantOpen = false;
          this.openTerminal(80, 24);
        }
        if (this.wantAction !== null) this.act(this.wantAction);
        break;
      case "error":
        if (this.snapshot.status === "ready" && message.code === "BAD_REQUEST") {
          // The runner answers an open it refuses (too many terminals) with this error, and opens in order.
          if (this.opening > 0) {
            this.opening--;
            this.set({ notice: message.message, openRefused: (this.snapshot.openRefused ?? 0) + 1 });
          } else this.set({ notice: message.message });
        } else {
          this.set({ status: "refused", error: message.message });
        }
        break;
      case "notice":
        this.set({ notice: message.message });
        break;
      case "needToken":
        void this.sendToken(true);
        break;
      case "terminals":
        if (message.opened !== undefined && this.opening > 0) this.opening--;
        this.set(message.opened ? { terminals: message.terminals, opened: message.opened } : { terminals: message.terminals });
        break;
      case "replay":
        this.output.set(message.term, message.data);
        for (const l of this.outputListeners.get(message.term) ?? []) l(message.data, true);
        break;
      case "output": {
        const text = (this.output.get(message.term) ?? "") + message.data;
        this.output.set(message.term, text.length > KEEP * 2 ? text.slice(text.length - KEEP) : text);
        for (const l of this.outputListeners.get(message.term) ?? []) l(message.data, false);
        break;
      }
      case "run":
        this.set({ run: message.run });
        break;
      case "sync":
        this.set({ sync: message.sync });
        break;
    }
  }

  private async sendToken(force: boolean): Promise<void> {
    const token = await this.getToken(force).catch(() => null);
    if (token === null || (!force && token === this.lastToken)) return;
    this.lastToken = token;
    this.send({ t: "token", token });
  }

  private send(message: ClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN || this.snapshot.status !== "ready") return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  private set(patch: Partial<RunnerSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }
}
