// Process trees on Linux, read from /proc: every descendant of a process (to end a whole tree, including what
// left its process group), and the TCP ports a tree listens on (to find the dev server's port without asking the
// user for it).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Parent pid of every process, from /proc/<pid>/stat (the field after the parenthesized command name). */
export function parentMap(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (after[0] === "Z") continue; // ended, waiting to be reaped: holds nothing
      map.set(Number(name), Number(after[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return map;
}

/** `root` and its descendants in `parents`. */
export function descendants(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  }
  const out: number[] = [];
  const queue = parents.has(root) ? [root] : [];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** `pid` and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  return descendants(pid, parentMap());
}

/** Sends `signal` to `pid` and every descendant (children first stopped from forking by SIGSTOP is not needed:
 * a sandboxed tree dies with its pid namespace; an unfenced one is walked twice). */
export function killTree(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  for (let round = 0; round < 2; round++) {
    for (const p of processTree(pid).reverse()) {
      try {
        process.kill(p, signal);
      } catch {
        // Already gone.
      }
    }
  }
}

/** Socket inodes of LISTEN sockets in /proc/net/tcp and tcp6, with their ports. */
function listeningSockets(): Map<string, number> {
  const map = new Map<string, number>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A") continue; // 0A = LISTEN
      const port = parseInt(cols[1].split(":")[1], 16);
      map.set(cols[9], port);
    }
  }
  return map;
}

/** The socket inodes process `pid` holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // Closed while we looked.
    }
  }
  return inodes;
}

/**
 * The TCP ports that `pid` or its descendants listen on, lowest first. Sockets this process (the runner) holds are
 * left out: a child it has forked holds copies of them until it execs, and under load a look can fall in that
 * moment. Counted, the lowest (the backend's own site beside the runner) was announced as the dev server's port and
 * the preview frame got Polaris's page, which refuses to be framed (issue 9).
 */
export function listeningPorts(pid: number): number[] {
  const sockets = listeningSockets();
  if (sockets.size === 0) return [];
  const own = socketInodes(process.pid);
  const ports = new Set<number>();
  for (const p of processTree(pid)) {
    for (const inode of socketInodes(p)) {
      const port = own.has(inode) ? undefined : sockets.get(inode);
      if (port !== undefined) ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}
