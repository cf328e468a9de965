// One project on this runner: its Convex client (the owner's token, renewed through the browser), its working
// copy, its terminals and its Run (install, then dev, in the Run terminal), and the preview's secret address.
//
// A session starts dormant: a browser that opens a workspace attaches to learn the Run status and terminals, and
// that costs no Convex subscription and no disk. The first terminal or Run activates it: only then does the
// runner connect to the deployment as the owner and copy the project to disk (`materialized`).
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { decodeJwt } from "jose";
import { randomBytes } from "node:crypto";
import path from "node:path";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api.js";
import { hasRunCommand, runCommandsOf } from "../../convex/lib/runCommands.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { Mirror } from "./mirror.js";
import { DEFAULT_LIMITS, formatDuration, overLimit, residentBytes, type ProjectLimits } from "./limits.js";
import { answersHttp } from "./httpProbe.js";
import { descendants, listeningPorts, parentMap, processTree } from "./procTree.js";
import type { RunState, ServerMessage, SyncState, TerminalInfo } from "./protocol.js";
import { commandEnv, UNFENCED_NOTICE, wrap, type SandboxKind } from "./sandbox.js";
import { Terminal, type ExitInfo } from "./terminal.js";

export interface ProjectConfig {
  convexUrl: string;
  sandbox: SandboxKind;
  bwrap: string | null;
  /** Parent of every project's working copy. */
  workRoot: string;
  /** The preview's address for a secret label: "http://{id}.localhost:3211". */
  previewUrl: (label: string) => string;
  /** Longest an install may run (ms). */
  installTimeoutMs: number;
  /** How long a dev server may take to open a port before the status says so (ms). */
  portTimeoutMs: number;
  /**
   * How often Run looks for the dev server's port when its terminal prints nothing (ms; PORT_POLL_MS when not
   * given). Output from the Run terminal makes it look at once: servers print when they listen.
   */
  portPollMs?: number;
  /** Most terminals a project may have open at once. */
  maxTerminals: number;
  /** Extra paths commands see read-only at the same path (a toolchain outside /usr, a shared node_modules). */
  readOnly?: string[];
  /** Processes and memory per project (DEFAULT_LIMITS when not given). */
  limits?: ProjectLimits;
  /** Most files a project may have to be copied to disk (the mirror's MAX_MIRRORED_FILES when not given). */
  maxFiles?: number;
  log: (line: string) => void;
}

interface Settings {
  installCommand?: string;
  devCommand?: string;
}

const RUN_TERMINAL = "run";
const PORT_POLL_MS = 250;
/** Least time between two looks for the port that the Run terminal's output asks for. */
const OUTPUT_LOOK_MS = 20;
const TOKEN_WAIT_MS = 15_000;

interface Work {
  client: ConvexClient;
  mirror: Mirror;
  unsubscribeProject: () => void;
}

export class ProjectSession {
  readonly dir: string;
  /** The preview's host label: a secret only the owner's sockets are told. */
  readonly previewLabel = `p${randomBytes(12).toString("hex")}`;
  private token: string;
  private tokenWaiters: Array<(token: string | null) => void> = [];
  private terminals = new Map<string, Terminal>();
  private nextTerminal = 1;
  private settings: Settings | null = null;
  private work: Work | null = null;
  private activation: Promise<Work> | null = null;
  private disposed = false;
  /** Shells asked for and not yet started (they count against maxTerminals). */
  private opening = 0;
  private limitTimer: NodeJS.Timeout | undefined;
  /** Terminals whose processes a limit ended, with the sentence that says so (Run reads it when its process exits). */
  private endedBy = new Map<string, string>();
  private runState: RunState = { status: "idle" };
  private runGeneration = 0;
  private listeners = new Set<(message: ServerMessage) => void>();
  /** Wakes Run's port watch at the Run terminal's next output. */
  private onRunOutput: (() => void) | null = null;
  /** The last RUN_TAIL_CHARS the current dev command printed: what its failure's message is read from. */
  private runTail = "";
  private syncState: SyncState = { status: "idle", entries: 0, problems: [] };

  constructor(
    readonly projectId: string,
    token: string,
    private readonly config: ProjectConfig,
  ) {
    this.token = token;
    this.dir = path.join(config.workRoot, "projects", projectId);
  }

  /** Whether the project was copied to disk (a terminal or Run was used); a dormant session has no working copy. */
  get materialized(): boolean {
    return this.work !== null;
  }

  /** The working copy, once the session is active. */
  get mirror(): Mirror | null {
    return this.work?.mirror ?? null;
  }

  /**
   * Connects to the deployment as the owner and starts the working copy (idempotent). Resolves once the working
   * directory exists and the listing subscription is made; `mirror.firstSync` tells when every file is on disk.
   */
  activate(): Promise<Work> {
    this.activation ??= (async () => {
      const client = this.newClient();
      const config = this.config;
      const projectId = this.projectId;
      const unsubscribeProject = client.onUpdate(
        api.projects.get,
        { projectId: projectId as Id<"projects"> },
        (project) => {
          this.settings = project.settings ?? {};
        },
        (error) => config.log(`project ${projectId}: ${error.message}`),
      );
      const mirror = new Mirror({
        client,
        newClient: () => this.newClient(),
        projectId,
        dir: this.dir,
        manifestFile: path.join(config.workRoot, "manifests", `${projectId}.json`),
        onState: (sync) => {
          this.syncState = sync;
          this.broadcast({ t: "sync", sync });
        },
        log: (line) => config.log(`project ${projectId}: ${line}`),
        maxFiles: config.maxFiles,
      });
      const work = { client, mirror, unsubscribeProject };
      this.work = work;
      const limits = config.limits ?? DEFAULT_LIMITS;
      this.limitTimer = setInterval(() => this.enforceLimits(limits), limits.pollMs);
      this.limitTimer.unref();
      await mirror.start();
      config.log(`runner: project ${projectId} materialized (working copy ${this.dir})`);
      if (this.disposed) throw new Error("The project was closed.");
      return work;
    })();
    return this.activation;
  }

  /** A Convex connection as the project's owner, renewing its token through the browsers. */
  private newClient(): ConvexClient {
    const client = new ConvexClient(this.config.convexUrl, {
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
      logger: false,
      // The browser's token is fresh: use it until shortly before it expires. By default a new client asks for a
      // renewed token (forceRefreshToken) as soon as the server confirms the first one, so each of the working
      // copy's connections sent `needToken` and, when no browser answered within TOKEN_WAIT_MS, lost its identity
      // mid-copy (a 5,000-file first copy failed at 15 s with UNAUTHENTICATED and never finished).
      initialAuthTokenReuse: true,
    });
    client.setAuth(({ forceRefreshToken }) => this.fetchToken(forceRefreshToken));
    return client;
  }

  subscribe(listener: (message: ServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  snapshot(): { terminals: TerminalInfo[]; run: RunState; sync: SyncState } {
    return { terminals: this.terminalList(), run: this.runState, sync: this.syncState };
  }

  /** The recent output of every terminal, for a socket that just attached. */
  replays(): Array<{ term: string; data: string }> {
    return [...this.terminals.values()].map((t) => ({ term: t.id, data: t.replay() }));
  }

  /** A fresh token from a browser; answers a renewal the client is waiting for. */
  setToken(token: string): void {
    this.token = token;
    const waiters = this.tokenWaiters;
    this.tokenWaiters = [];
    for (const w of waiters) w(token);
  }

  /**
   * The token for the Convex client: the latest one, or (forced) a renewed one asked of the browsers. When no
   * browser answers in time, the latest token is given again while it has not expired (the client keeps its
   * identity and asks again when the server refuses it); an expired one gives null (signed out).
   */
  fetchToken(force: boolean): Promise<string | null> {
    if (!force) return Promise.resolve(this.token);
    // The Convex client wants a renewed token: ask the browsers, use the first that answers.
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.tokenWaiters = this.tokenWaiters.filter((w) => w !== done);
        resolve(tokenExpired(this.token) ? null : this.token);
      }, TOKEN_WAIT_MS);
      const done = (token: string | null) => {
        clearTimeout(timer);
        resolve(token);
      };
      this.tokenWaiters.push(done);
      this.broadcast({ t: "needToken" });
    });
  }

  // ---------------------------------------------------------------------------------------------- terminals

  /** A new shell terminal; null (and a message) when the project has as many as it may. */
  async openShell(cols: number, rows: number): Promise<string | { error: string }> {
    const shells = [...this.terminals.values()].filter((t) => t.id !== RUN_TERMINAL).length + this.opening;
    if (shells >= this.config.maxTerminals) {
      return { error: `This project has ${shells} terminals open, the most it may have. Close one first.` };
    }
    // The terminal is announced once the working directory exists; its shell starts once every file is on disk
    // (the first copy), so a command typed at once sees the project. What the person types meanwhile is kept and
    // given to the shell when it starts.
    this.opening++;
    let work: Work;
    try {
      work = await this.activate();
    } catch (error) {
      return { error: `The project could not be copied to disk: ${(error as Error).message}` };
    } finally {
      this.opening--;
    }
    if (this.disposed) return { error: "The project was closed on the runner. Reopen it." };
    const id = `t${this.nextTerminal++}`;
    const terminal = this.newTerminal(id, `Terminal ${id.slice(1)}`, cols, rows);
    const shell = ["/bin/bash", "-i"];
    const started = (async () => {
      if (!work.mirror.synced) {
        terminal.holdInput();
        terminal.print("Copying the project to disk…\n");
        const refused = await work.mirror.copiedOrRefused();
        if (refused !== null) throw new Error(refused);
      }
      if (this.disposed || this.terminals.get(id) !== terminal) throw new Error("The terminal was closed.");
      return this.spawnIn(terminal, shell, {});
    })();
    void started.then((exit) => {
      terminal.print(`\r\n[process exited with code ${exit.exitCode}]\r\n`);
      this.broadcast({ t: "terminals", terminals: this.terminalList() });
    }, (error: unknown) => {
      terminal.print(`\r\n${(error as Error).message}\r\n`);
    });
    return id;
  }

  input(term: string, data: string): void {
    this.terminals.get(term)?.write(data);
  }

  resize(term: string, cols: number, rows: number): void {
    this.terminals.get(term)?.resize(cols, rows);
  }

  closeTerminal(term: string): void {
    const terminal = this.terminals.get(term);
    if (!terminal) return;
    if (term === RUN_TERMINAL) this.stop();
    terminal.kill();
    this.terminals.delete(term);
    this.broadcast({ t: "terminals", terminals: this.terminalList() });
  }

  private newTerminal(id: string, title: string, cols = 80, rows = 24): Terminal {
    const terminal = new Terminal(id, title, { cols, rows }, (term, data) => {
      this.broadcast({ t: "output", term, data });
      if (term === RUN_TERMINAL) {
        this.runTail = (this.runTail + data).slice(-RUN_TAIL_CHARS);
        const wake = this.onRunOutput;
        this.onRunOutput = null;
        wake?.();
      }
    });
    this.terminals.set(id, terminal);
    if (this.config.sandbox === "none") terminal.print(`\x1b[33m${UNFENCED_NOTICE}\x1b[0m\n`);
    // Every tab hears of it; only the one that asked for a shell is told it `opened` (server.ts), so a terminal
    // opened in one tab (or Run's) does not take another tab's selection and focus.
    this.broadcast({ t: "terminals", terminals: this.terminalList() });
    return terminal;
  }

  private spawnIn(terminal: Terminal, argv: string[], extraEnv: Record<string, string>): Promise<ExitInfo> {
    const { file, args } = wrap(this.config.sandbox, this.config.bwrap, { workDir: this.dir, readOnly: this.config.readOnly }, argv);
    return terminal.run({ file, args, cwd: this.dir, env: commandEnv(this.dir, this.config.sandbox, extraEnv) });
  }

  /** The pids of terminal `term`'s process tree (the sandbox and all it started); empty when nothing runs there. */
  processIds(term: string): number[] {
    const pid = this.terminals.get(term)?.pid;
    return pid === undefined ? [] : processTree(pid);
  }

  /** Ends the terminal that takes the most when the project is over a limit (limits.ts), and says so. */
  private enforceLimits(limits: ProjectLimits): void {
    const running = [...this.terminals.values()].filter((t) => t.pid !== undefined);
    if (running.length === 0) return;
    const parents = parentMap();
    const usage = running.map((t) => {
      const pids = descendants(t.pid!, parents);
      return { term: t.id, processes: pids.length, memoryBytes: pids.reduce((n, p) => n + residentBytes(p), 0) };
    });
    const over = overLimit(usage, limits);
    if (!over) return;
    const terminal = this.terminals.get(over.term)!;
    this.endedBy.set(over.term, over.message);
    this.config.log(`project ${this.projectId}: ${over.message}`);
    terminal.kill();
    // The Run terminal's message is printed by Run when its process exits (with the Run status).
    if (over.term !== RUN_TERMINAL) terminal.print(`\r\n\x1b[31m${over.message}\x1b[0m\r\n`);
  }

  /** The sentence a limit left for `term`'s last process, once. */
  private takeLimitMessage(term: string): string | undefined {
    const message = this.endedBy.get(term);
    this.endedBy.delete(term);
    return message;
  }

  private terminalList(): TerminalInfo[] {
    return [...this.terminals.values()].map((t) =>
      t.exitCode === undefined || t.running ? { id: t.id, title: t.title } : { id: t.id, title: t.title, exitCode: t.exitCode },
    );
  }

  // ----------------------------------------------------------------------------------------------------- run

  get run(): RunState {
    return this.runState;
  }

  private setRun(run: RunState): void {
    this.runState = run;
    this.broadcast({ t: "run", run });
  }

  /** Runs the install command, then the dev command, in the Run terminal. Restarts when already running. */
  async runProject(): Promise<void> {
    const generation = ++this.runGeneration;
    const live = () => generation === this.runGeneration;
    let terminal = this.terminals.get(RUN_TERMINAL);
    if (terminal?.running) {
      terminal.kill();
      await waitUntil(() => !terminal!.running);
    }
    if (!live()) return;
    terminal ??= this.newTerminal(RUN_TERMINAL, "Run");
    let work: Work;
    try {
      work = await this.activate();
    } catch (error) {
      this.failRun(terminal, `The project could not be copied to disk: ${(error as Error).message}`);
      return;
    }
    if (!live()) return;
    const settings = await this.currentSettings(work.client);
    if (!live()) return;
    const { install, dev } = runCommandsOf(settings);
    if (!hasRunCommand(settings)) {
      this.setRun({ status: "failed", terminalId: RUN_TERMINAL, message: "This project has no install or dev command. Set them in Settings, then Run." });
      return;
    }
    this.setRun({ status: "installing", terminalId: RUN_TERMINAL, message: "Copying the project to disk…" });
    const refused = await work.mirror.copiedOrRefused();
    if (!live()) return;
    if (refused !== null) {
      this.failRun(terminal, refused);
      return;
    }
    // Files the disk refused are named in the Run terminal too: a command that misses one then says why.
    for (const problem of work.mirror.state().problems) terminal.print(`\x1b[33mNot copied to disk: ${problem}\x1b[0m\n`);
    if (install !== "") {
      this.setRun({ status: "installing", terminalId: RUN_TERMINAL, message: `Installing: ${install}` });
      terminal.print(`\n\x1b[1m$ ${install}\x1b[0m\n`);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        terminal.kill();
      }, this.config.installTimeoutMs);
      let exit: ExitInfo;
      try {
        exit = await this.spawnIn(terminal, ["/bin/sh", "-c", install], {});
      } catch (error) {
        clearTimeout(timer);
        this.failRun(terminal, `The install command could not start: ${(error as Error).message}`);
        return;
      }
      clearTimeout(timer);
      const limited = this.takeLimitMessage(RUN_TERMINAL);
      if (!live()) return;
      if (timedOut) {
        this.failRun(
          terminal,
          `The install command ran longer than ${formatDuration(this.config.installTimeoutMs)}, the most an install may take, and was stopped ` +
            "with everything it started. A network wait or a prompt for input? (The runner's --install-minutes sets the limit.)",
        );
        return;
      }
      if (limited !== undefined) {
        this.failRun(terminal, limited);
        return;
      }
      if (exit.exitCode !== 0) {
        this.failRun(terminal, `The install command failed with exit code ${exit.exitCode}${describeExit(exit.exitCode)}.`);
        return;
      }
    }
    if (dev === "") {
      terminal.print("\n[install finished; this project has no dev command]\n");
      this.setRun({ status: "stopped", terminalId: RUN_TERMINAL, message: "Install finished. This project has no dev command." });
      return;
    }
    this.setRun({ status: "starting", terminalId: RUN_TERMINAL, message: `Starting: ${dev}` });
    this.runTail = "";
    terminal.print(`\n\x1b[1m$ ${dev}\x1b[0m\n`);
    let exited: Promise<ExitInfo>;
    try {
      exited = this.spawnIn(terminal, ["/bin/sh", "-c", dev], {});
    } catch (error) {
      this.failRun(terminal, `The dev command could not start: ${(error as Error).message}`);
      return;
    }
    const started = Date.now();
    let done: ExitInfo | null = null;
    void exited.then((exit) => (done = exit));
    let warned = false;
    while (live() && done === null) {
      const pid = terminal.pid;
      const ports = pid === undefined ? [] : listeningPorts(pid);
      // The first port that answers a request: a port merely listening may be a trial one (httpProbe.ts).
      let serving: number | undefined;
      for (const port of ports) {
        if (port === this.runState.port || (await answersHttp(port))) {
          serving = port;
          break;
        }
      }
      if (!live() || done !== null) break;
      if (serving !== undefined && this.runState.port !== serving) {
        this.setRun({
          status: "running",
          terminalId: RUN_TERMINAL,
          port: serving,
          previewUrl: this.config.previewUrl(this.previewLabel),
          message: `Running on port ${serving}`,
        });
      } else if (serving === undefined && !warned && Date.now() - started > this.config.portTimeoutMs) {
        warned = true;
        this.setRun({
          status: "starting",
          terminalId: RUN_TERMINAL,
          message:
            ports.length === 0
              ? `The dev command has not opened a port after ${formatDuration(this.config.portTimeoutMs)}. Make it start a server ` +
                "that listens on a port (for example with --port), or check the Run terminal for what it printed."
              : `The dev command listens on port ${ports.join(", ")} but has not answered a request there after ` +
                `${formatDuration(this.config.portTimeoutMs)}. Check the Run terminal.`,
        });
      }
      // Until the server answers, look again at the Run terminal's next output (a server prints when it listens:
      // "ready on :5173"), at most every OUTPUT_LOOK_MS for a chatty one, or after the poll interval for one that
      // prints nothing, whichever comes first. Once it answers, the poll alone watches for a move to another port.
      let timer: NodeJS.Timeout | undefined;
      const poll = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.portPollMs ?? PORT_POLL_MS)));
      const waits: Array<Promise<unknown>> = [exited, poll];
      let wake: (() => void) | null = null;
      if (serving === undefined) {
        const looked = Date.now();
        const output = new Promise<void>((resolve) => (wake = this.onRunOutput = resolve));
        waits.push(output.then(() => (Date.now() - looked < OUTPUT_LOOK_MS ? delay(OUTPUT_LOOK_MS - (Date.now() - looked)) : undefined)));
      }
      await Promise.race(waits);
      clearTimeout(timer);
      if (this.onRunOutput === wake) this.onRunOutput = null;
    }
    const exit = await exited;
    const limited = this.takeLimitMessage(RUN_TERMINAL);
    if (!live()) return;
    if (limited !== undefined) {
      this.failRun(terminal, limited);
      return;
    }
    if (exit.exitCode === 0) {
      terminal.print("\n[the dev command exited]\n");
      this.setRun({ status: "stopped", terminalId: RUN_TERMINAL, message: "The dev command exited (code 0)." });
    } else {
      this.failRun(terminal, `The dev command exited with code ${exit.exitCode}${describeExit(exit.exitCode)}.${portInUse(this.runTail)}`);
    }
  }

  /** Ends the Run terminal's process tree. */
  stop(): void {
    this.runGeneration++;
    const terminal = this.terminals.get(RUN_TERMINAL);
    if (terminal?.running) {
      terminal.kill();
      terminal.print("\n[stopped]\n");
    }
    if (this.runState.status !== "idle") this.setRun({ status: "stopped", terminalId: RUN_TERMINAL, message: "Stopped." });
  }

  /** The dev server's port while it runs (for the preview proxy). */
  previewPort(): number | undefined {
    return this.runState.status === "running" ? this.runState.port : undefined;
  }

  private failRun(terminal: Terminal, message: string): void {
    terminal.print(`\n\x1b[31m${message}\x1b[0m\n`);
    this.setRun({ status: "failed", terminalId: RUN_TERMINAL, message });
  }

  /**
   * The project's settings as they are when Run is asked for. The subscription's copy (`this.settings`) can be a
   * moment behind: Settings saved and Run pressed at once reached the runner before the Transition carrying the new
   * commands did, and Run ran the old ones (runner.test "runs the install and dev commands…" failed so, more often
   * the sooner mutation answers arrived). One HTTP query reads the latest committed state, so every save the user
   * saw confirmed is in it; should it fail, the subscription's copy (or the working copy's client) answers.
   */
  private async currentSettings(client: ConvexClient): Promise<Settings> {
    const projectId = this.projectId as Id<"projects">;
    try {
      const http = new ConvexHttpClient(this.config.convexUrl, { logger: false });
      http.setAuth(this.token);
      const project = await http.query(api.projects.get, { projectId });
      this.settings = project.settings ?? {};
    } catch (error) {
      this.config.log(`project ${projectId}: settings read over HTTP failed (${(error as Error).message}); using the subscription's`);
      if (this.settings === null) this.settings = (await client.query(api.projects.get, { projectId })).settings ?? {};
    }
    return this.settings;
  }

  private broadcast(message: ServerMessage): void {
    for (const l of this.listeners) l(message);
  }

  /** Ends every process and the Convex client. */
  async dispose(): Promise<void> {
    this.runGeneration++;
    for (const t of this.terminals.values()) t.kill();
    this.terminals.clear();
    this.disposed = true;
    clearInterval(this.limitTimer);
    for (const w of this.tokenWaiters) w(null);
    this.tokenWaiters = [];
    const work = this.work;
    if (work) {
      work.mirror.stop();
      work.unsubscribeProject();
      await work.client.close();
    }
  }
}

/** How much of the dev command's last output is kept to explain its failure (characters). */
const RUN_TAIL_CHARS = 8 * 1024;

/**
 * A sentence for a dev server that failed because its port was taken, read from what it printed (Node's
 * "EADDRINUSE: address already in use 127.0.0.1:3000", Vite's "Port 5173 is already in use", Python's
 * "[Errno 98] Address already in use"); "" when it printed none of these.
 */
function portInUse(output: string): string {
  const port = /address already in use[^\n]*?:(\d{1,5})\b/i.exec(output)?.[1] ?? /\bport (\d{1,5}) is (?:already )?in use/i.exec(output)?.[1];
  if (port === undefined && !/EADDRINUSE|address already in use/i.test(output)) return "";
  return ` ${port === undefined ? "The port it asked for" : `Port ${port}`} is already in use by another process: stop that process, or start the dev server on another port.`;
}

function describeExit(code: number): string {
  if (code === 127) return " (command not found: is it installed on the runner's machine?)";
  if (code === 126) return " (not executable)";
  if (code === 137) return " (killed: out of memory or stopped)";
  return "";
}

/** True when the token's `exp` has passed (or it is not a JWT with one, so it cannot be trusted to still work). */
function tokenExpired(token: string): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp !== "number" || exp * 1000 <= Date.now();
  } catch {
    return true;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await delay(20);
}
