// The fence around user commands. On Linux with bubblewrap (`bwrap`), a command sees the system read-only (/usr,
// /etc, /opt and the usual symlinks), a fresh /tmp, /proc and /dev, and its project's working directory, the only
// place it can write. Everything else is absent: /home, /root, /work, /srv, /mnt, /var, the Polaris checkout, the
// backend's data directory and every other project's working copy. It shares the network (a dev server must be
// reachable by the preview proxy) but not process ids: ending the sandbox's first process ends all of it.
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";

/**
 * bwrap: fenced. none: unfenced, as the runner's user (a runner on loopback without bubblewrap, or --unfenced); a
 * runner reachable from the network never runs unfenced (cli.ts chooseSandbox).
 */
export type SandboxKind = "bwrap" | "none";

/** Printed at the top of every terminal of an unfenced runner, so nobody takes its commands for fenced ones. */
export const UNFENCED_NOTICE =
  "Unfenced: this runner has no sandbox, so commands here run as the runner's own user and can read and write what it can.";

/**
 * Where to look for bwrap: POLARIS_BWRAP names the binary, or is "off" to act as if it were missing (to try the
 * no-bubblewrap path on a machine that has it); otherwise the usual places.
 */
export function bwrapCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = env.POLARIS_BWRAP?.trim();
  if (named === "off") return [];
  if (named) return [named];
  return ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];
}

/** The bwrap binary when it works here (namespaces allowed), else null. */
export function findBwrap(candidates = bwrapCandidates()): string | null {
  for (const bin of candidates) {
    if (!existsSync(bin)) continue;
    try {
      execFileSync(bin, ["--ro-bind", "/", "/", "--unshare-pid", "--die-with-parent", "true"], { stdio: "ignore", timeout: 10_000 });
      return bin;
    } catch {
      // Present but refused (no user namespaces, say): not usable.
    }
  }
  return null;
}

/** System directories made visible read-only; symlinks (/bin -> usr/bin on merged-/usr systems) are recreated. */
const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"];

export interface SandboxSpec {
  /** The working directory: the only writable place, at the same path inside. */
  workDir: string;
  /** Extra read-only paths made visible at the same path (a toolchain outside /usr, say). */
  readOnly?: string[];
}

/** The bwrap arguments that wrap `argv` (a program and its arguments). */
export function bwrapArgs(spec: SandboxSpec, argv: string[]): string[] {
  const args: string[] = ["--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"];
  for (const p of SYSTEM_PATHS) {
    let info;
    try {
      info = lstatSync(p);
    } catch {
      continue;
    }
    if (info.isSymbolicLink()) {
      args.push("--symlink", execFileSync("readlink", [p], { encoding: "utf8" }).trim(), p);
    } else {
      args.push("--ro-bind", p, p);
    }
  }
  args.push(
    "--proc", "/proc",
    "--dev", "/dev",
    "--tmpfs", "/tmp",
    "--dir", "/tmp/home",
  );
  // bwrap mounts in order: extra read-only paths come after the fresh /tmp, or one under /tmp would be hidden by it.
  for (const p of spec.readOnly ?? []) args.push("--ro-bind", p, p);
  args.push(
    "--bind", spec.workDir, spec.workDir,
    "--chdir", spec.workDir,
    "--setenv", "HOME", "/tmp/home",
    "--hostname", "polaris",
    "--",
    ...argv,
  );
  return args;
}

/** The environment user commands start with: a small, explicit one (the runner's own secrets never pass). */
export function commandEnv(workDir: string, sandbox: SandboxKind, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: sandbox === "bwrap" ? "/tmp/home" : (process.env.HOME ?? workDir),
    TERM: "xterm-256color",
    COLORTERM: "truecolor",
    LANG: process.env.LANG ?? "C.UTF-8",
    PWD: workDir,
    POLARIS_RUNNER: "1",
    ...extra,
  };
}

/** What to spawn for `argv` in `workDir`: bwrap around it when fenced. */
export function wrap(sandbox: SandboxKind, bwrap: string | null, spec: SandboxSpec, argv: string[]): { file: string; args: string[] } {
  if (sandbox === "bwrap") {
    if (bwrap === null) throw new Error("bubblewrap is not available");
    return { file: bwrap, args: bwrapArgs(spec, argv) };
  }
  return { file: argv[0], args: argv.slice(1) };
}
