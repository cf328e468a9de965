// Resource limits per project: how many processes its terminals may run at once and how much memory they may hold
// together. The runner measures each project's process trees from /proc every `pollMs` and, when a project is
// over a limit, ends the terminal that uses the most of it and says why in that terminal.
//
// Why a watchdog rather than rlimits alone: RLIMIT_NPROC counts every process of the user (all projects at once,
// and it is ignored for root, which CI runs as), and RLIMIT_AS breaks V8 (Node reserves far more address space
// than it uses). cgroups (pids.max, memory.max) would stop a fork bomb before it starts, but a cgroup is writable
// only where the runner is given one (a container platform, systemd delegation); where it is, a deployment can
// put the whole runner in one (docs/deploying.md). The watchdog works everywhere, at the cost of acting up to
// one poll late.
import { readFileSync } from "node:fs";

export interface ProjectLimits {
  /** Most processes a project's terminals may run at once (all its terminals together). */
  maxProcesses: number;
  /** Most resident memory a project's processes may hold together (bytes). */
  maxMemoryBytes: number;
  /** How often usage is measured (ms). */
  pollMs: number;
}

export const DEFAULT_LIMITS: ProjectLimits = { maxProcesses: 256, maxMemoryBytes: 2048 * 1024 * 1024, pollMs: 500 };

/** Resident memory of `pid` in bytes (VmRSS), 0 when it ended or holds none. */
export function residentBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface TreeUsage {
  term: string;
  processes: number;
  memoryBytes: number;
}

/** Which terminal to end and why, or null when the project is within its limits. */
export function overLimit(usage: TreeUsage[], limits: ProjectLimits): { term: string; message: string } | null {
  const processes = usage.reduce((n, u) => n + u.processes, 0);
  const memory = usage.reduce((n, u) => n + u.memoryBytes, 0);
  if (processes > limits.maxProcesses) {
    const worst = usage.reduce((a, b) => (b.processes > a.processes ? b : a));
    return {
      term: worst.term,
      message:
        `Polaris ended this terminal's processes: the project ran ${processes} processes at once, more than its limit of ` +
        `${limits.maxProcesses}. A command that starts processes in a loop? (The runner's --max-processes sets the limit.)`,
    };
  }
  if (memory > limits.maxMemoryBytes) {
    const worst = usage.reduce((a, b) => (b.memoryBytes > a.memoryBytes ? b : a));
    return {
      term: worst.term,
      message:
        `Polaris ended this terminal's processes: the project used ${mb(memory)} MB of memory, more than its limit of ` +
        `${mb(limits.maxMemoryBytes)} MB. (The runner's --max-memory-mb sets the limit.)`,
    };
  }
  return null;
}

function mb(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

/** A duration for a person: "0.5 s", "42 s", "15 min". */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
