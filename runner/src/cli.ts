// `npm run runner -- --convex-url URL [options]`: a runner on its own, against any deployment (the local backend
// or Convex cloud). `npm start` starts one beside the backend through startRunnerFromCli.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_LIMITS } from "./limits.js";
import { bwrapCandidates, findBwrap, type SandboxKind } from "./sandbox.js";
import { startRunner, type Runner } from "./server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const RUNNER_USAGE = `Usage: npm run runner -- --convex-url URL [options]

Runs projects for Polaris: terminals, the install and dev commands, and the preview.

Options:
  --convex-url URL      the Convex deployment the projects live on (env POLARIS_CONVEX_URL / VITE_CONVEX_URL)
  --port N              port to listen on (env POLARIS_RUNNER_PORT, default 3211)
  --host HOST           address to listen on (env POLARIS_RUNNER_HOST, default 127.0.0.1)
  --work-dir DIR        where working copies live (env POLARIS_RUNNER_DIR, default .polaris/runner)
  --preview-url URL     the preview's address with {id} for a project's secret label and {port} for --port
                        (env POLARIS_PREVIEW_URL, default http://{id}.localhost:{port}); its host must reach this runner
  --allow-remote        listen on a non-loopback address; refuses to start without bubblewrap
  --unfenced            run commands without bubblewrap, as this user, even where bubblewrap exists (loopback
                        only; env POLARIS_UNFENCED=1). Without bubblewrap a loopback runner runs them unfenced
                        anyway, and says so at start and in every terminal; a remote one refuses to start.
                        (env POLARIS_BWRAP: the bwrap binary to use, or "off" to act as if it were missing)
  --idle-minutes N      stop a project's processes after N minutes with no browser attached (default 30)
  --install-minutes N   stop an install command that runs longer than N minutes (default 15)
  --max-processes N     most processes one project may run at once (default 256)
  --max-memory-mb N     most memory one project's processes may hold together, in MB (default 2048)
                        (env POLARIS_RUNNER_READ_ONLY: paths commands may read, at the same path, ":"-separated:
                        a toolchain outside /usr, or a node_modules a project links to; npm start reads it too)
  -h, --help            show this help
`;

export class RunnerUsageError extends Error {}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export interface RunnerCliOptions {
  convexUrl: string;
  port: number;
  host: string;
  workRoot: string;
  previewTemplate: string;
  allowRemote: boolean;
  unfenced: boolean;
  idleMs: number;
  /** Optional so callers that start a runner (npm start) need not name them: DEFAULT_LIMITS and 15 minutes. */
  installMs?: number;
  maxProcesses?: number;
  maxMemoryBytes?: number;
  /** Paths commands see read-only at the same path; POLARIS_RUNNER_READ_ONLY (":"-separated) when not given. */
  readOnly?: string[];
}

export function parseRunnerCli(argv: string[], env: NodeJS.ProcessEnv = process.env): RunnerCliOptions | "help" {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        "convex-url": { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "work-dir": { type: "string" },
        "preview-url": { type: "string" },
        "allow-remote": { type: "boolean" },
        unfenced: { type: "boolean" },
        "idle-minutes": { type: "string" },
        "install-minutes": { type: "string" },
        "max-processes": { type: "string" },
        "max-memory-mb": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new RunnerUsageError((error as Error).message);
  }
  if (values.help) return "help";
  const convexUrl = values["convex-url"] ?? env.POLARIS_CONVEX_URL ?? env.VITE_CONVEX_URL;
  if (!convexUrl) throw new RunnerUsageError("--convex-url is required: the address of the Convex deployment (or local backend).");
  try {
    new URL(convexUrl);
  } catch {
    throw new RunnerUsageError(`--convex-url ${JSON.stringify(convexUrl)} is not a URL.`);
  }
  const portText = values.port ?? env.POLARIS_RUNNER_PORT ?? "3211";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new RunnerUsageError(`--port must be a port number, got ${JSON.stringify(portText)}.`);
  const host = values.host ?? env.POLARIS_RUNNER_HOST ?? "127.0.0.1";
  const allowRemote = values["allow-remote"] === true;
  if (!LOOPBACK.has(host) && !allowRemote) {
    throw new RunnerUsageError(`Listening on ${host} lets others on the network reach the runner. Add --allow-remote if that is what you want.`);
  }
  const unfenced = values.unfenced === true;
  if (unfenced && allowRemote) throw new RunnerUsageError("--unfenced cannot be combined with --allow-remote: remote users' commands must run fenced.");
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!(n > 0) || !Number.isFinite(n)) throw new RunnerUsageError(`--${name} must be a positive number, got ${JSON.stringify(text)}.`);
    return n;
  };
  const idle = positive("idle-minutes", values["idle-minutes"], 30);
  const install = positive("install-minutes", values["install-minutes"], 15);
  const maxProcesses = Math.floor(positive("max-processes", values["max-processes"], DEFAULT_LIMITS.maxProcesses));
  const maxMemoryMb = positive("max-memory-mb", values["max-memory-mb"], DEFAULT_LIMITS.maxMemoryBytes / (1024 * 1024));
  const previewTemplate = values["preview-url"] ?? env.POLARIS_PREVIEW_URL ?? "http://{id}.localhost:{port}";
  if (!previewTemplate.includes("{id}")) throw new RunnerUsageError("--preview-url must contain {id} (each project's preview gets its own host).");
  return {
    convexUrl,
    port,
    host,
    workRoot: path.resolve(values["work-dir"] ?? env.POLARIS_RUNNER_DIR ?? path.join(ROOT, ".polaris", "runner")),
    previewTemplate,
    allowRemote,
    unfenced,
    idleMs: idle * 60_000,
    installMs: install * 60_000,
    maxProcesses,
    maxMemoryBytes: maxMemoryMb * 1024 * 1024,
  };
}

/**
 * Decides the fence: bubblewrap whenever it works here, unless unfenced running was asked for (--unfenced or
 * POLARIS_UNFENCED=1). Without bubblewrap a runner that only loopback can reach runs commands unfenced, as this
 * user, like a local terminal on one's own machine (issue 9), and says so: a WARNING here, and the panel and every
 * terminal say it too. A runner others can reach (--allow-remote, or a host that is not loopback) never runs
 * unfenced: it throws, and does not start.
 */
export function chooseSandbox(
  opts: Pick<RunnerCliOptions, "allowRemote" | "unfenced" | "host">,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): { sandbox: SandboxKind; bwrap: string | null } {
  const remote = opts.allowRemote || !LOOPBACK.has(opts.host);
  const unfenced = opts.unfenced || env.POLARIS_UNFENCED === "1";
  if (unfenced) {
    if (remote) throw new Error(`Unfenced commands (--unfenced, POLARIS_UNFENCED=1) cannot be combined with a runner others can reach (${opts.host}, --allow-remote).`);
    log("runner: UNFENCED (--unfenced): commands run as this user, without bubblewrap (loopback only).");
    return { sandbox: "none", bwrap: null };
  }
  const bwrap = findBwrap(bwrapCandidates(env));
  if (bwrap) return { sandbox: "bwrap", bwrap };
  if (remote) {
    throw new Error(
      `bubblewrap (bwrap) is not available, and a runner others can reach (${opts.host}, --allow-remote) refuses to run commands unfenced. ` +
        "Install the bubblewrap package (Debian/Ubuntu: apt-get install bubblewrap).",
    );
  }
  log(
    "runner: WARNING: bubblewrap (bwrap) is not available here, so commands run UNFENCED, as this user, able to read and write " +
      "whatever it can (like a local terminal). The runner listens on loopback only. To fence them, install bubblewrap " +
      "(Debian/Ubuntu: apt-get install bubblewrap) and restart.",
  );
  return { sandbox: "none", bwrap: null };
}

export async function startRunnerFromCli(opts: RunnerCliOptions, log: (line: string) => void = console.log): Promise<Runner> {
  const fence = chooseSandbox(opts, log);
  const runner = await startRunner({
    convexUrl: opts.convexUrl,
    port: opts.port,
    host: opts.host,
    workRoot: opts.workRoot,
    previewTemplate: opts.previewTemplate,
    idleMs: opts.idleMs,
    installTimeoutMs: opts.installMs ?? 15 * 60_000,
    portTimeoutMs: 60_000,
    maxTerminals: 8,
    readOnly: opts.readOnly ?? (process.env.POLARIS_RUNNER_READ_ONLY ?? "").split(":").filter((p) => p !== "").map((p) => path.resolve(p)),
    limits: {
      ...DEFAULT_LIMITS,
      maxProcesses: opts.maxProcesses ?? DEFAULT_LIMITS.maxProcesses,
      maxMemoryBytes: opts.maxMemoryBytes ?? DEFAULT_LIMITS.maxMemoryBytes,
    },
    ...fence,
    log,
  });
  log(`Polaris runner is running at ${runner.url} (${fence.sandbox === "bwrap" ? "fenced by bubblewrap" : "UNFENCED: commands run as this user"}, backend ${opts.convexUrl})`);
  return runner;
}

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseRunnerCli(argv);
  } catch (error) {
    if (error instanceof RunnerUsageError) {
      console.error(`Error: ${error.message}\n\n${RUNNER_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (opts === "help") {
    console.log(RUNNER_USAGE);
    return 0;
  }
  let runner: Runner;
  try {
    runner = await startRunnerFromCli(opts);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(code === "EADDRINUSE" ? `Error: port ${opts.port} is already in use. Stop the other server or pass --port.` : `Error: ${(error as Error).message}`);
    return 1;
  }
  const shutdown = () => void runner.close().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  return -1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}
