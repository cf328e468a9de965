import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunnerCli, RunnerUsageError, type RunnerCliOptions } from "../src/cli.js";

// `npm run runner -- --convex-url URL [options]` (docs/deploying.md): what the flags and their environment
// variables become, and the clear refusals of bad input.

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseRunnerCli(argv, env) as RunnerCliOptions;
const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parseRunnerCli(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(RunnerUsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
};

describe("parseRunnerCli", () => {
  it("takes --convex-url, the flag over the environment, and loopback defaults", () => {
    const cloud = parse(["--convex-url", "https://happy-otter-123.convex.cloud"], { POLARIS_CONVEX_URL: "http://127.0.0.1:3210" });
    expect(cloud).toMatchObject({
      convexUrl: "https://happy-otter-123.convex.cloud",
      port: 3211,
      host: "127.0.0.1",
      previewTemplate: "http://{id}.localhost:{port}",
      allowRemote: false,
      unfenced: false,
      idleMs: 30 * 60_000,
      installMs: 15 * 60_000,
    });
    expect(parse([], { POLARIS_CONVEX_URL: "http://127.0.0.1:3210" }).convexUrl).toBe("http://127.0.0.1:3210");
    expect(parse([], { VITE_CONVEX_URL: "https://x.convex.cloud" }).convexUrl).toBe("https://x.convex.cloud");
    expect(parseRunnerCli(["--help"], {})).toBe("help");
  });

  it("reads the other options", () => {
    const opts = parse([
      "--convex-url=https://x.convex.cloud",
      "--port", "4000",
      "--host", "0.0.0.0",
      "--allow-remote",
      "--work-dir", "runner-data",
      "--preview-url", "https://{id}.preview.example.com",
      "--idle-minutes", "5",
      "--install-minutes", "2",
      "--max-processes", "64.9",
      "--max-memory-mb", "512",
    ]);
    expect(opts).toEqual({
      convexUrl: "https://x.convex.cloud",
      port: 4000,
      host: "0.0.0.0",
      workRoot: path.resolve("runner-data"),
      previewTemplate: "https://{id}.preview.example.com",
      allowRemote: true,
      unfenced: false,
      idleMs: 5 * 60_000,
      installMs: 2 * 60_000,
      maxProcesses: 64,
      maxMemoryBytes: 512 * 1024 * 1024,
    });
  });

  it("refuses bad input with what was wrong", () => {
    expect(refusal([])).toMatch(/--convex-url is required/);
    expect(refusal(["--convex-url", "not a url"])).toBe('--convex-url "not a url" is not a URL.');
    expect(refusal(["--convex-url", "http://x", "--port", "99999"])).toMatch(/--port must be a port number, got "99999"/);
    expect(refusal(["--convex-url", "http://x", "--port", "web"])).toMatch(/--port must be a port number/);
    expect(refusal(["--convex-url", "http://x", "--host", "0.0.0.0"])).toMatch(/Add --allow-remote/);
    expect(refusal(["--convex-url", "http://x", "--host", "0.0.0.0", "--allow-remote", "--unfenced"])).toMatch(/--unfenced cannot be combined with --allow-remote/);
    expect(refusal(["--convex-url", "http://x", "--idle-minutes", "0"])).toMatch(/--idle-minutes must be a positive number, got "0"/);
    expect(refusal(["--convex-url", "http://x", "--preview-url", "https://preview.example.com"])).toMatch(/must contain \{id\}/);
    expect(refusal(["--convex-url", "http://x", "--no-such-flag"])).toMatch(/no-such-flag/);
  });
});
