import { existsSync, watch, type FSWatcher } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeMissing, runCodegen } from "./codegen.js";
import { ENV_NAME_RULE, isEnvName } from "./envName.js";
import { ensureSiteBuilt, watchSite } from "./site.js";
import { migrateOnStart } from "./server/admin.js";
import { adminKeyFile, isLoopbackHost, normalizePublicUrl, serverInfoFile, startBackend, type Backend } from "./server/index.js";

// `npm start` / `npm run backend -- <command>`: the embedded backend, the Vite dev server, and `env`.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const USAGE = `Usage:
  npm start [-- options]                      Polaris as deployed: the backend serving the built web app
  npm run dev [-- options]                    the backend + the web app on Vite's dev server (hot reload)
  npm run backend -- <command> [options]

Commands:
  start                 backend serving the built web app on its own origin (the default); the app is
                        rebuilt at start and while it runs whenever its sources change
  dev                   backend + Vite dev server (hot reload) on --site-port
  serve                 backend only (same as start --no-site)
  env list              list the function environment variables
  env get NAME          print one variable
  env set NAME VALUE    set a variable (the running backend picks it up at once)
  env remove NAME       remove a variable

Options:
  --port N              backend port (env POLARIS_PORT, default 3210)
  --host HOST           address to listen on (env POLARIS_HOST, default 127.0.0.1)
  --data-dir DIR        data directory (env POLARIS_DATA_DIR, default .polaris/data)
  --site-port N         the dev server's port, for dev (env POLARIS_SITE_PORT, default 5173)
  --no-site             do not start the web app
  --runner-port N       the runner's port: terminals, Run and preview (env POLARIS_RUNNER_PORT, default 3211)
  --runner-dir DIR      where the runner keeps working copies (env POLARIS_RUNNER_DIR, default .polaris/runner)
  --no-runner           do not start the runner (run one alone with npm run runner)
  --allow-remote        allow --host to be a non-loopback address: anyone who can reach it can sign in as anyone
  --public-url URL      URL other machines reach the backend at, for storage URLs (env POLARIS_PUBLIC_URL)
  -h, --help            show this help
`;

export class UsageError extends Error {}

export interface CliOptions {
  command: "start" | "dev" | "serve" | "env" | "help";
  rest: string[];
  port: number;
  host: string;
  dataDir: string;
  sitePort: number;
  site: boolean;
  /** The runner's port, or null for none. */
  runnerPort: number | null;
  runnerDir: string;
  allowRemote: boolean;
  /** Normalized; undefined = derived from the bound address. */
  publicUrl?: string;
}

function parsePort(value: string, what: string, allowZero = false): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535 || (n === 0 && !allowZero)) {
    throw new UsageError(`${what} must be a port number from 1 to 65535, got ${JSON.stringify(value)}.`);
  }
  return n;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "site-port": { type: "string" },
        "no-site": { type: "boolean" },
        "runner-port": { type: "string" },
        "runner-dir": { type: "string" },
        "no-runner": { type: "boolean" },
        "allow-remote": { type: "boolean" },
        "public-url": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  const command = values.help ? "help" : (first ?? "start");
  if (command !== "start" && command !== "dev" && command !== "serve" && command !== "env" && command !== "help") {
    throw new UsageError(`Unknown command "${command}": use start, dev, serve or env.`);
  }
  if ((command === "start" || command === "dev" || command === "serve") && rest.length > 0) {
    throw new UsageError(`Unexpected argument "${rest[0]}" after "${command}".`);
  }
  const host = values.host ?? env.POLARIS_HOST ?? "127.0.0.1";
  const allowRemote = values["allow-remote"] === true;
  if (!isLoopbackHost(host) && !allowRemote) {
    throw new UsageError(
      `Listening on ${host} would let anyone on the network sign in as anyone. Add --allow-remote if that is what you want.`,
    );
  }
  const rawPublicUrl = values["public-url"] ?? env.POLARIS_PUBLIC_URL;
  let publicUrl: string | undefined;
  try {
    publicUrl = rawPublicUrl === undefined || rawPublicUrl === "" ? undefined : normalizePublicUrl(rawPublicUrl);
  } catch (error) {
    throw new UsageError(`--public-url: ${(error as Error).message}`);
  }
  return {
    command,
    rest,
    port: parsePort(values.port ?? env.POLARIS_PORT ?? "3210", "--port", true),
    host,
    dataDir: path.resolve(values["data-dir"] ?? env.POLARIS_DATA_DIR ?? path.join(ROOT, ".polaris", "data")),
    sitePort: parsePort(values["site-port"] ?? env.POLARIS_SITE_PORT ?? "5173", "--site-port"),
    site: (command === "start" || command === "dev") && values["no-site"] !== true,
    runnerPort:
      (command === "start" || command === "dev") && values["no-runner"] !== true
        ? parsePort(values["runner-port"] ?? env.POLARIS_RUNNER_PORT ?? "3211", "--runner-port")
        : null,
    runnerDir: path.resolve(values["runner-dir"] ?? env.POLARIS_RUNNER_DIR ?? path.join(ROOT, ".polaris", "runner")),
    allowRemote,
    ...(publicUrl !== undefined ? { publicUrl } : {}),
  };
}

// ------------------------------------------------------------------------------------------- env

/** The engine's persisted environment (engine.ts `envFile`): a JSON object of strings. */
const envFile = (dataDir: string) => path.join(dataDir, "env.json");

async function runningBackend(dataDir: string): Promise<{ url: string; adminKey: string } | null> {
  try {
    const info = JSON.parse(await readFile(serverInfoFile(dataDir), "utf8")) as { url: string; pid: number };
    process.kill(info.pid, 0);
    const adminKey = (await readFile(adminKeyFile(dataDir), "utf8")).trim();
    return { url: info.url, adminKey };
  } catch {
    return null;
  }
}

async function readEnvFile(dataDir: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(envFile(dataDir), "utf8")) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`Cannot read ${envFile(dataDir)}: ${(error as Error).message}`, { cause: error });
  }
}

async function adminRequest(url: string, adminKey: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/polaris/admin/env`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Polaris-Admin-Key": adminKey, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(typeof json.message === "string" ? json.message : `HTTP ${res.status}`);
  return json;
}

/** `env list|get|set|remove`; returns the text to print. */
export async function envCommand(dataDir: string, args: string[]): Promise<string> {
  const [sub, name, value, ...extra] = args;
  const needName = () => {
    if (name === undefined) throw new UsageError(`"env ${sub}" needs a variable NAME.`);
    if (!isEnvName(name)) {
      throw new UsageError(`Invalid variable name "${name}": ${ENV_NAME_RULE}.`);
    }
    return name;
  };
  const expect = (n: number) => {
    if (args.length - 1 > n) throw new UsageError(`Too many arguments for "env ${sub}".`);
  };
  let change: { name: string; value: string | null } | null = null;
  switch (sub) {
    case "list":
      expect(0);
      break;
    case "get":
      needName();
      expect(1);
      break;
    case "set":
      needName();
      if (value === undefined) throw new UsageError('"env set" needs a NAME and a VALUE.');
      if (extra.length > 0) throw new UsageError('Too many arguments for "env set": quote a VALUE that has spaces.');
      change = { name: name, value };
      break;
    case "remove":
    case "unset":
      needName();
      expect(1);
      change = { name: name, value: null };
      break;
    default:
      throw new UsageError(sub === undefined ? '"env" needs list, get, set or remove.' : `Unknown env command "${sub}".`);
  }

  const running = await runningBackend(dataDir);
  let vars: Record<string, string>;
  if (running) {
    if (change) await adminRequest(running.url, running.adminKey, change);
    vars = (await adminRequest(running.url, running.adminKey)).env as Record<string, string>;
  } else {
    vars = await readEnvFile(dataDir);
    if (change) {
      if (change.value === null) delete vars[change.name];
      else vars[change.name] = change.value;
      if (!existsSync(dataDir)) throw new Error(`The data directory ${dataDir} does not exist: start the backend once first.`);
      const tmp = `${envFile(dataDir)}.tmp`;
      await writeFile(tmp, JSON.stringify(vars, null, 2));
      await rename(tmp, envFile(dataDir));
    }
  }
  switch (sub) {
    case "list":
      return Object.entries(vars)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join("\n");
    case "get":
      if (!(name in vars)) throw new Error(`Environment variable ${name} is not set.`);
      return vars[name];
    case "set":
      return `Set ${name}${running ? "" : " (the backend is not running: it reads it at next start)"}.`;
    default:
      return `Removed ${name}.`;
  }
}

// ------------------------------------------------------------------------------------------ start

/** Re-runs codegen and reloads the engine when convex/ changes; returns a stop function. */
export function watchConvex(convexDir: string, backend: Backend, log: (line: string) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let again = false;
  const reload = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          if (runCodegen(convexDir).changed) log("codegen: updated convex/_generated/api.d.ts");
          await backend.engine.reload();
          log("convex/ reloaded");
        } catch (error) {
          log(`convex/ reload failed (still serving the previous functions): ${(error as Error).message}`);
        }
      } while (again);
    } finally {
      running = false;
    }
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(convexDir, { recursive: true }, (_event, filename) => {
      const rel = String(filename ?? "");
      if (rel.startsWith("_generated") || rel.split(/[\\/]/).some((p) => p.startsWith(".") || p === "node_modules")) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(), 250);
    });
  } catch (error) {
    log(`Not watching ${convexDir}: ${(error as Error).message}`);
    return () => {};
  }
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

/** Where `npm start` keeps the built web app. */
export const SITE_DIR = path.join(ROOT, ".polaris", "site");

async function start(opts: CliOptions): Promise<void> {
  const convexDir = path.join(ROOT, "convex");
  const log = (line: string) => console.log(line);
  const codegen = runCodegen(convexDir);
  if (codegen.changed) log("codegen: wrote convex/_generated/api.d.ts");
  const missing = describeMissing(codegen.missing);
  if (missing) log(missing);
  if (!isLoopbackHost(opts.host)) {
    console.warn(
      `WARNING: listening on ${opts.host}. Anyone who can reach this machine can sign in as ANY user and read or change their projects.`,
    );
  }
  const servesBuild = opts.site && opts.command === "start";
  // The build runs beside the backend's own startup: requests that arrive first wait for both (server/index.ts).
  const built = servesBuild ? ensureSiteBuilt({ root: ROOT, outDir: SITE_DIR, log }) : Promise.resolve(false);
  const siteHost = isLoopbackHost(opts.host) ? "127.0.0.1" : opts.host;
  const runnerUrl = opts.runnerPort === null ? undefined : `http://${siteHost}:${opts.runnerPort}`;
  const backend = await startBackend({
    dataDir: opts.dataDir,
    convexDir,
    port: opts.port,
    host: opts.host,
    allowRemote: opts.allowRemote,
    ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
    ...(servesBuild ? { siteDir: SITE_DIR, siteReady: built } : {}),
    ...(runnerUrl !== undefined ? { runnerUrl } : {}),
    log,
  });
  let runner: { close(): Promise<void> } | null = null;
  if (opts.runnerPort !== null) {
    try {
      // Loaded only when a runner starts: `serve` and `env` never pay for node-pty and the Convex client.
      const { startRunnerFromCli } = await import("../../runner/src/cli.js");
      runner = await startRunnerFromCli(
        {
          convexUrl: backend.url,
          port: opts.runnerPort,
          host: opts.host,
          workRoot: opts.runnerDir,
          previewTemplate: "http://{id}.localhost:{port}",
          allowRemote: opts.allowRemote,
          unfenced: false,
          idleMs: 30 * 60_000,
        },
        log,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      log(
        `runner: not started (${code === "EADDRINUSE" ? `port ${opts.runnerPort} is in use; pass --runner-port` : (error as Error).message}). ` +
          "Terminals and Run are unavailable; the rest of Polaris works.",
      );
    }
  }
  await migrateOnStart(backend.engine, convexDir, log);
  const stopWatching = watchConvex(convexDir, backend, log);
  const stopWatchingSite = servesBuild ? watchSite({ root: ROOT, outDir: SITE_DIR, log }) : () => {};
  let vite: { close(): Promise<void> } | null = null;
  const relative = path.relative(process.cwd(), opts.dataDir);
  const dataLabel = relative && !relative.startsWith("..") ? relative : opts.dataDir;
  if (servesBuild) {
    await built;
    log(`Polaris is running at ${backend.url} (data ${dataLabel})`);
  } else if (opts.site) {
    process.env.VITE_CONVEX_URL = backend.url;
    if (runnerUrl !== undefined) process.env.VITE_RUNNER_URL = runnerUrl;
    const { createServer } = await import("vite");
    const server = await createServer({
      root: ROOT,
      configFile: path.join(ROOT, "vite.config.ts"),
      server: { port: opts.sitePort, strictPort: true, host: opts.host },
    });
    await server.listen();
    vite = server;
    log(`Polaris (dev server, hot reload) is running at http://${siteHost}:${opts.sitePort} (backend ${backend.url}, data ${dataLabel})`);
  } else {
    log(`Polaris backend is running at ${backend.url} (data ${dataLabel})`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    log(`\n${signal}: stopping...`);
    void (async () => {
      stopWatching();
      stopWatchingSite();
      await vite?.close();
      await runner?.close();
      await backend.close();
      process.exit(0);
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

export async function main(argv: string[]): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`Error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (opts.command === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    if (opts.command === "env") {
      console.log(await envCommand(opts.dataDir, opts.rest));
      return 0;
    }
    await start(opts);
    return -1;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`Error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      console.error(`Error: the port is already in use (${(error as Error).message}). Stop the other server or pass --port / --site-port.`);
    } else {
      console.error(`Error: ${(error as Error).message}`);
    }
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}
