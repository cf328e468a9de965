/**
 * The runner's WebSocket protocol, shared by the runner (runner/src/server.ts) and the SPA (src/features/run).
 * Pure types and constants: the SPA bundles this file.
 *
 * One socket per open project. The browser says hello with the project and the user's Convex token; the runner
 * checks through the project's own Convex functions that the token's user owns the project, then answers `ready`
 * (or `error` and closes). Attaching is cheap: the project is copied to disk only when a terminal is opened or Run
 * is pressed, so every open workspace can attach to learn the Run status. Terminal output is sent to every socket of the project; a socket that (re)connects gets
 * each terminal's recent output (`replay`) first.
 */

/** The path of the runner's WebSocket endpoint. */
export const RUNNER_WS_PATH = "/polaris/runner";
/** The name of the meta tag through which `npm start` tells the page where its runner is (like CONVEX_URL_META). */
export const RUNNER_URL_META = "polaris-runner-url";

export type RunStatus = "idle" | "installing" | "starting" | "running" | "stopped" | "failed";

export interface RunState {
  status: RunStatus;
  /** What a person reads: why it failed, what it waits for. */
  message?: string;
  /** The terminal the install and dev commands print to. */
  terminalId?: string;
  /** The port the dev server listens on, once it does. */
  port?: number;
  /** The preview's address (its own origin), once the dev server listens. */
  previewUrl?: string;
}

export interface TerminalInfo {
  id: string;
  title: string;
  /** Set once the process ended. */
  exitCode?: number;
}

export interface SyncState {
  /** idle: nothing was copied to disk yet (no terminal or Run was used in this project since the runner started). */
  status: "idle" | "syncing" | "synced" | "error";
  /** Files and folders on disk that mirror the project. */
  entries: number;
  /** Paths that could not be written, with why (a name the disk refuses, say). */
  problems: string[];
}

export type ClientMessage =
  | { t: "hello"; projectId: string; token: string }
  | { t: "token"; token: string }
  | { t: "open"; cols: number; rows: number }
  | { t: "input"; term: string; data: string }
  | { t: "resize"; term: string; cols: number; rows: number }
  | { t: "close"; term: string }
  | { t: "run" }
  | { t: "stop" }
  | { t: "restart" };

export type ServerMessage =
  /** sandbox "none": commands run unfenced, as the runner's user (the panel says so). */
  | { t: "ready"; sandbox: "bwrap" | "none"; terminals: TerminalInfo[]; run: RunState; sync: SyncState }
  | { t: "error"; code: "UNAUTHENTICATED" | "FORBIDDEN" | "BAD_REQUEST" | "UNAVAILABLE"; message: string }
  | { t: "needToken" }
  /** Something the person should know that is not an error of theirs (processes stopped while nobody watched). */
  | { t: "notice"; message: string }
  /** `opened`: the shell this socket asked for (`open`), sent to it alone; other sockets get the list without it. */
  | { t: "terminals"; terminals: TerminalInfo[]; opened?: string }
  | { t: "replay"; term: string; data: string }
  | { t: "output"; term: string; data: string }
  | { t: "run"; run: RunState }
  | { t: "sync"; sync: SyncState };
