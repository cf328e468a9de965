import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError, envCommand, parseCli } from "../src/cli.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
import { CLI, ROOT, TSX, spawnServe } from "./helpers/spawn.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});
async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), "polaris-cli-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("argument parsing", () => {
  it("has defaults, flags and environment variables", () => {
    const d = parseCli([], {});
    expect(d).toMatchObject({ command: "start", port: 3210, host: "127.0.0.1", sitePort: 5173, site: true, allowRemote: false });
    expect(d.dataDir.endsWith(path.join(".polaris", "data"))).toBe(true);
    const f = parseCli(["serve", "--port", "4000", "--data-dir", "/tmp/x"], { POLARIS_SITE_PORT: "6000" });
    expect(f).toMatchObject({ command: "serve", port: 4000, dataDir: "/tmp/x", sitePort: 6000, site: false });
    expect(parseCli(["start", "--no-site"], { POLARIS_PORT: "4100" })).toMatchObject({ site: false, port: 4100 });
    expect(parseCli(["--help"], {}).command).toBe("help");
    expect(parseCli(["dev"], {})).toMatchObject({ command: "dev", site: true, sitePort: 5173 });
    expect(parseCli(["dev", "--no-site"], {})).toMatchObject({ command: "dev", site: false });
  });

  it("refuses unknown flags, bad ports and a remote host without --allow-remote", () => {
    expect(() => parseCli(["--bogus"], {})).toThrow(UsageError);
    expect(() => parseCli(["--port", "http"], {})).toThrow(/port number/);
    expect(() => parseCli(["--port", "70000"], {})).toThrow(/port number/);
    expect(() => parseCli(["launch"], {})).toThrow(/Unknown command "launch"/);
    expect(() => parseCli(["--host", "0.0.0.0"], {})).toThrow(/--allow-remote/);
    expect(parseCli(["--host", "0.0.0.0", "--allow-remote"], {}).allowRemote).toBe(true);
  });

  it("takes --public-url or POLARIS_PUBLIC_URL and refuses one that is not an http(s) origin", () => {
    expect(parseCli([], {}).publicUrl).toBeUndefined();
    const flag = parseCli(["--host", "0.0.0.0", "--allow-remote", "--public-url", "http://192.168.1.5:3210/"], {});
    expect(flag.publicUrl).toBe("http://192.168.1.5:3210");
    expect(parseCli([], { POLARIS_PUBLIC_URL: "https://ide.example.com" }).publicUrl).toBe("https://ide.example.com");
    expect(() => parseCli(["--public-url", "192.168.1.5:3210"], {})).toThrow(UsageError);
    expect(() => parseCli(["--public-url", "http://x.example/sub"], {})).toThrow(/--public-url: .*only scheme, host and port/);
  });

  it("exits 2 with a clear message on an unknown flag, 0 with usage on --help", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(TSX, [CLI, ...args], { cwd: ROOT });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("close", (code) => resolve({ code, out }));
      });
    const bad = await run(["--frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/Unknown option '--frobnicate'/);
    expect(bad.out).toMatch(/Usage:/);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/env set NAME VALUE/);
  });
});

describe("env", () => {
  let backend: TestBackend | null = null;
  afterEach(async () => {
    await backend?.stop();
    backend = null;
  });

  it("edits the persisted environment when no backend runs", async () => {
    const dataDir = await tempDir();
    expect(await envCommand(dataDir, ["set", "OPENAI_BASE_URL", "http://127.0.0.1:9/v1"])).toMatch(/Set OPENAI_BASE_URL/);
    expect(await envCommand(dataDir, ["get", "OPENAI_BASE_URL"])).toBe("http://127.0.0.1:9/v1");
    await envCommand(dataDir, ["set", "A_KEY", "a b c"]);
    expect(await envCommand(dataDir, ["list"])).toBe("A_KEY=a b c\nOPENAI_BASE_URL=http://127.0.0.1:9/v1");
    expect(JSON.parse(await readFile(path.join(dataDir, "env.json"), "utf8"))).toEqual({
      A_KEY: "a b c",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    });
    await envCommand(dataDir, ["remove", "A_KEY"]);
    await expect(envCommand(dataDir, ["get", "A_KEY"])).rejects.toThrow(/not set/);
    await expect(envCommand(dataDir, ["set", "1BAD", "x"])).rejects.toThrow(/Invalid variable name/);
    expect(await envCommand(dataDir, ["set", "_PRIVATE", "x"])).toMatch(/^Set _PRIVATE/);
    await expect(envCommand(dataDir, ["set", "ONLY_NAME"])).rejects.toThrow(/NAME and a VALUE/);
    await expect(envCommand(dataDir, ["frob"])).rejects.toThrow(/Unknown env command/);
  });

  it("talks to a running backend through its admin endpoint, which needs the admin key", async () => {
    const dataDir = await tempDir();
    backend = await startTestBackend({ dataDir });
    expect(await envCommand(dataDir, ["set", "LIVE_VAR", "on"])).toBe("Set LIVE_VAR.");
    expect(backend.engine.getEnv().LIVE_VAR).toBe("on");
    expect(await envCommand(dataDir, ["get", "LIVE_VAR"])).toBe("on");
    await envCommand(dataDir, ["remove", "LIVE_VAR"]);
    expect(backend.engine.getEnv().LIVE_VAR).toBeUndefined();
    const noKey = await fetch(`${backend.url}/polaris/admin/env`);
    expect(noKey.status).toBe(401);
    const wrongKey = await fetch(`${backend.url}/polaris/admin/env`, { headers: { "Polaris-Admin-Key": "x".repeat(64) } });
    expect(wrongKey.status).toBe(401);
  });
});

describe("serve", () => {
  it("starts the backend, answers, and shuts down cleanly on SIGTERM", async () => {
    const dataDir = await tempDir();
    const serve = await spawnServe(["--port", "0", "--data-dir", dataDir]);
    const res = await fetch(`${serve.url}/polaris/auth/.well-known/openid-configuration`);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(`${serve.url}/polaris/auth`);
    expect(existsSync(path.join(dataDir, "server.json"))).toBe(true);
    expect(await serve.stop()).toBe(0);
    expect(existsSync(path.join(dataDir, "server.json"))).toBe(false);
  });

  it("announces the public URL, warns without one on every interface, and env still reaches it locally", async () => {
    const dataDir = await tempDir();
    const plain = await spawnServe(["--host", "0.0.0.0", "--allow-remote", "--port", "0", "--data-dir", dataDir]);
    expect(plain.output()).toMatch(/WARNING: listening on every interface.*--public-url/);
    expect(await plain.stop()).toBe(0);
    const serve = await spawnServe([
      ...["--host", "0.0.0.0", "--allow-remote", "--port", "0", "--data-dir", dataDir],
      ...["--public-url", "http://polaris.test:4321"],
    ]);
    try {
      expect(serve.url).toBe("http://polaris.test:4321");
      expect(serve.output()).not.toMatch(/WARNING: listening on every interface/);
      expect(await envCommand(dataDir, ["set", "SEEN", "yes"])).toBe("Set SEEN.");
      expect(await envCommand(dataDir, ["get", "SEEN"])).toBe("yes");
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
