// One terminal: a pseudo-terminal (node-pty) running a process, with the recent output kept so a browser that
// reconnects sees what it missed. A terminal outlives the sockets watching it; it ends when its process does (a
// shell) or when it is closed. The Run terminal runs several processes one after another (install, then dev).
import { spawn as spawnPty, type IPty } from "@lydell/node-pty";
import { killTree } from "./procTree.js";

/** How much recent output a terminal keeps for a reconnecting browser (characters). */
export const REPLAY_LIMIT = 256 * 1024;

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface ExitInfo {
  exitCode: number;
  signal?: number;
}

export class Terminal {
  private pty: IPty | null = null;
  /** Keys typed while the terminal waits for its first process (see `holdInput`), given to it when it starts. */
  private held: string[] | null = null;
  private chunks: string[] = [];
  private size = 0;
  private cols: number;
  private rows: number;
  exitCode: number | undefined;

  constructor(
    readonly id: string,
    readonly title: string,
    size: { cols: number; rows: number },
    private readonly onOutput: (id: string, data: string) => void,
  ) {
    this.cols = clampSize(size.cols, 80);
    this.rows = clampSize(size.rows, 24);
  }

  get running(): boolean {
    return this.pty !== null;
  }

  get pid(): number | undefined {
    return this.pty?.pid;
  }

  /** Starts `spec` in this terminal; resolves when it exits. Throws when another process still runs here. */
  run(spec: SpawnSpec): Promise<ExitInfo> {
    if (this.pty) throw new Error(`Terminal ${this.title} is still running a process.`);
    this.exitCode = undefined;
    const pty = spawnPty(spec.file, spec.args, {
      name: "xterm-256color",
      cols: this.cols,
      rows: this.rows,
      cwd: spec.cwd,
      env: spec.env,
    });
    this.pty = pty;
    pty.onData((data) => this.emit(data));
    if (this.held) {
      for (const data of this.held) pty.write(data);
      this.held = null;
    }
    return new Promise((resolve) => {
      pty.onExit(({ exitCode, signal }) => {
        if (this.pty === pty) this.pty = null;
        this.exitCode = exitCode;
        resolve(signal ? { exitCode, signal } : { exitCode });
      });
    });
  }

  /** Writes runner text (status lines) into the terminal as if the process had printed it. */
  print(text: string): void {
    this.emit(text.replace(/\r?\n/g, "\r\n"));
  }

  write(data: string): void {
    if (this.pty) this.pty.write(data);
    else this.held?.push(data);
  }

  /** Keeps what is typed until the first process starts, instead of dropping it (a shell waiting for the copy). */
  holdInput(): void {
    if (!this.pty) this.held ??= [];
  }

  resize(cols: number, rows: number): void {
    this.cols = clampSize(cols, this.cols);
    this.rows = clampSize(rows, this.rows);
    try {
      this.pty?.resize(this.cols, this.rows);
    } catch {
      // The process ended between the check and the call.
    }
  }

  /** Ends the process and everything it started. */
  kill(): void {
    const pid = this.pty?.pid;
    if (pid !== undefined) killTree(pid, "SIGKILL");
  }

  /** The recent output, oldest first. */
  replay(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join("")];
    return this.chunks[0] ?? "";
  }

  private emit(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    if (this.size > REPLAY_LIMIT * 2) {
      const all = this.chunks.join("");
      const kept = all.slice(all.length - REPLAY_LIMIT);
      this.chunks = [kept];
      this.size = kept.length;
    }
    this.onOutput(this.id, data);
  }
}

function clampSize(n: number, fallback: number): number {
  return Number.isInteger(n) && n >= 2 && n <= 1000 ? n : fallback;
}
