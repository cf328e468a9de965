// The runner's working copy: how long a project of FILES files (about TOTAL_MB MB) takes to reach the disk when a
// terminal or Run first needs it, against writing the same files straight from memory and `cp -r` of the same tree,
// in the same run; and keystroke-to-disk, from a content save being sent until the file on disk has the new text,
// against the save's own round trip (the mutation answering); and Run to the preview's first byte, against the same
// dev command started directly in a shell to its first response. Writes its section of docs/benchmarks.md.
import { execFileSync, spawn } from "node:child_process";
import { watch } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import { PROJECT_CONVEX_DIR, startTestBackend } from "../../local-backend/test/helpers/backend";
import { RUNNER_WS_PATH, type ServerMessage } from "../../runner/src/protocol";
import { findBwrap } from "../../runner/src/sandbox";
import { startRunner } from "../../runner/src/server";
import { updateSection } from "../docs.mjs";
import { machine } from "../machine.js";
import { freePort } from "../serve.js";
import { median, percentile } from "../stats.js";

// BENCH_RUNNER_FILES / _RUNS shrink it for a quick look; the section records what was run.
const FILES = Number(process.env.BENCH_RUNNER_FILES ?? 1000);
const FILE_BYTES = 10 * 1024;
const RUNS = Number(process.env.BENCH_RUNNER_RUNS ?? 3);
const EDITS = 20 * RUNS;

// The sample project's dev command: a small Node HTTP server (as in e2e/runner.spec.ts), on PORT when given.
// Like the e2e's sample and most dev servers, it prints a line once it listens.
const SERVER_JS =
  `const server = require("http").createServer((req, res) => res.end("<p>preview</p>"));\n` +
  `server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log("listening on " + server.address().port));\n`;

/** Milliseconds from now until an HTTP GET of 127.0.0.1:port (with `host`) receives its first byte, retrying refusals. */
async function firstByte(port: number, host: string, since: number): Promise<number> {
  const { request } = await import("node:http");
  for (;;) {
    const got = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
        res.once("data", () => resolve(res.statusCode === 200));
        res.once("end", () => resolve(res.statusCode === 200));
      });
      req.once("error", () => resolve(false));
      req.end();
    });
    if (got) return performance.now() - since;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const range = (xs: number[]) => `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}) ms`;

const backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR });
const scratch = await mkdtemp(path.join(tmpdir(), "polaris-bench-runner-"));
try {
  const { token } = await backend.signIn("bench-runner");
  const client = backend.client({ token });
  const projectId = await client.mutation(api.projects.create, { name: "bench-runner" });
  const items = Array.from({ length: FILES }, (_, i) => ({
    name: `src/dir${i % 20}/f${i}.txt`.split("/").pop()!,
    content: `${i} `.repeat(FILE_BYTES / 4).slice(0, FILE_BYTES),
  }));
  for (let i = 0; i < items.length; i += 50) await client.mutation(api.files.createMany, { projectId, items: items.slice(i, i + 50) });
  await client.mutation(api.files.createFile, { projectId, name: "server.js", content: SERVER_JS });
  await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "", devCommand: "node server.js" } });
  const bwrap = findBwrap();
  const totalMb = (FILES * FILE_BYTES) / (1024 * 1024);
  console.log(`project of ${FILES} files created`);

  const materialize: number[] = [];
  const plain: number[] = [];
  const cp: number[] = [];
  const edits: number[] = [];
  const commits: number[] = [];
  const toPreview: number[] = [];
  const printedToPort: number[] = [];
  const direct: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const workRoot = path.join(scratch, `run${run}`);
    const runner = await startRunner({
      convexUrl: backend.url,
      port: 0,
      host: "127.0.0.1",
      workRoot,
      previewTemplate: "http://{id}.localhost:{port}",
      idleMs: 600_000,
      installTimeoutMs: 60_000,
      portTimeoutMs: 30_000,
      maxTerminals: 4,
      // Run's commands in the fence when this machine has bubblewrap (as the runner runs them), else unfenced.
      sandbox: bwrap ? "bwrap" : "none",
      bwrap,
      log: () => {},
    });
    const ws = new WebSocket(`${runner.url.replace("http", "ws")}${RUNNER_WS_PATH}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const ready = new Promise<void>((resolve) => ws.on("message", (raw: Buffer) => (JSON.parse(raw.toString()) as { t: string }).t === "ready" && resolve()));
    ws.send(JSON.stringify({ t: "hello", projectId, token }));
    await ready;
    const session = runner.sessions.get(projectId)!;
    console.log(`run ${run + 1}: attached`);
    const t0 = performance.now();
    const work = await session.activate();
    await work.mirror.firstSync;
    materialize.push(performance.now() - t0);
    const dir = session.dir;
    console.log(`run ${run + 1}: materialized`);

    // References on the same tree, same disk, same run.
    const plainDir = path.join(scratch, `plain${run}`);
    const t1 = performance.now();
    await mkdir(plainDir, { recursive: true });
    for (const item of items) await writeFile(path.join(plainDir, item.name), item.content);
    plain.push(performance.now() - t1);
    const t2 = performance.now();
    execFileSync("cp", ["-r", dir, path.join(scratch, `cp${run}`)]);
    cp.push(performance.now() - t2);

    // Keystroke-to-disk: one file edited EDITS / RUNS times per run, each waiting for the disk.
    const target = await client.query(api.files.listingBucket, { projectId, bucket: 0 });
    const file = (target ?? []).find((e) => e.type === "file" && e.name === items[0].name)!;
    const onDisk = path.join(dir, items[0].name);
    for (let e = 0; e < EDITS / RUNS; e++) {
      const text = `edit ${run}-${e} `.repeat(100);
      const changed = new Promise<number>((resolve) => {
        const watcher = watch(onDisk, () => {
          void readFile(onDisk, "utf8").then((now) => {
            if (now === text) {
              watcher.close();
              resolve(performance.now());
            }
          }, () => {});
        });
      });
      const start = performance.now();
      await client.mutation(api.files.updateContent, { fileId: file._id, content: text });
      commits.push(performance.now() - start);
      edits.push((await changed) - start);
    }
    // Run to first preview byte: Run pressed (the working copy is already on disk) until the preview answers
    // through the runner's proxy; the runner finds the port in the process tree (on output, else every 250 ms).
    const messages: ServerMessage[] = [];
    let wake = () => {};
    let printed: number | undefined;
    let reported: number | undefined;
    let runOutput = "";
    ws.on("message", (raw: Buffer) => {
      const message = JSON.parse(raw.toString()) as ServerMessage;
      messages.push(message);
      // When the server's "listening on" line reached this socket, and when the port did.
      if (message.t === "output" && message.term === "run" && printed === undefined) {
        runOutput += message.data;
        if (runOutput.includes("listening on")) printed = performance.now();
      }
      if (message.t === "run" && message.run.status === "running") reported ??= performance.now();
      wake();
    });
    const t3 = performance.now();
    ws.send(JSON.stringify({ t: "run" }));
    let running: Extract<ServerMessage, { t: "run" }> | undefined;
    while (!running) {
      running = messages.find((m): m is Extract<ServerMessage, { t: "run" }> => m.t === "run" && (m.run.status === "running" || m.run.status === "failed"));
      if (!running) await new Promise<void>((r) => (wake = r));
    }
    if (running.run.status !== "running") throw new Error(`Run failed: ${running.run.message}`);
    toPreview.push(await firstByte(runner.port, new URL(running.run.previewUrl!).host, t3));
    if (printed !== undefined && reported !== undefined) printedToPort.push(reported - printed);
    ws.send(JSON.stringify({ t: "stop" }));
    // Reference: the same command started directly from a shell in the same folder, to its first response.
    const port = await freePort();
    const t4 = performance.now();
    const child = spawn("/bin/sh", ["-c", "node server.js"], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
    direct.push(await firstByte(port, `localhost:${port}`, t4));
    child.kill();
    ws.close();
    await runner.close();
    console.log(
      `run ${run + 1}: materialize ${Math.round(materialize[run])} ms, plain write ${Math.round(plain[run])} ms, cp -r ${Math.round(cp[run])} ms; ` +
        `Run to preview ${Math.round(toPreview[run])} ms, direct ${Math.round(direct[run])} ms, printed → port ${Math.round(printedToPort.at(-1) ?? NaN)} ms ` +
        `(load ${machine().split("load ")[1]})`,
    );
  }

  const p = (xs: number[], q: number) => `${Math.round(percentile(xs, q))} ms`;
  console.log(`keystroke-to-disk p50 ${p(edits, 0.5)} p99 ${p(edits, 0.99)}; save round trip p50 ${p(commits, 0.5)} p99 ${p(commits, 0.99)}`);
  await updateSection(
    "Runner",
    `<!-- runner:start -->
Run on ${new Date().toISOString().slice(0, 10)} by \`node --import tsx bench/runner/run.ts\` (also part of \`npm run bench\`), ${RUNS} runs,
against the embedded local backend, on this machine (${machine()} at the end).

**Copy to disk.** A project of ${FILES.toLocaleString("en")} files of ${FILE_BYTES / 1024} KB (${totalMb.toFixed(1)} MB) reaches the
runner's working copy when a terminal or Run first needs it: from \`activate()\` (a fresh runner, a fresh working
directory) until every file is on disk. It subscribes, as the user, to the listing, reads the contents in pages
(\`files.contents\`, each within Convex's read limits), writes them, and only then starts a watch per file
(\`files.get\` with the revision on disk, which answers without the bytes until the file changes).
The references write the same files in the same run: straight from memory with \`writeFile\`, and \`cp -r\` of the
materialized tree.

| ${FILES.toLocaleString("en")} files, ${totalMb.toFixed(1)} MB, ${RUNS} runs: median (min–max) | Time |
| --- | ---: |
| Runner: project → working copy | ${range(materialize)} |
| Reference: writeFile of the same files from memory | ${range(plain)} |
| Reference: \`cp -r\` of the same tree | ${range(cp)} |

**Keystroke to disk.** ${EDITS} saves of one file (\`files.updateContent\`, one after another), each timed from the
mutation being sent until the file on disk has the new text (an \`fs.watch\` event, then a read), against the
mutation's own round trip (sent → answered) in the same run.

| ${EDITS} saves | p50 | p99 |
| --- | ---: | ---: |
| Save sent → file on disk has it | ${p(edits, 0.5)} | ${p(edits, 0.99)} |
| Reference: save sent → mutation answered | ${p(commits, 0.5)} | ${p(commits, 0.99)} |

**Run to first preview byte.** The sample project's dev command (\`node server.js\`, a small HTTP server, no install
command; it prints a line once it listens), ${bwrap ? "fenced by bubblewrap" : "unfenced (no bubblewrap on this machine)"}: from Run being sent on the runner's socket, with the working copy
already on disk, until an HTTP request through the preview proxy gets its first byte (the runner looks for a
listening port in the process tree when the Run terminal prints, and every 250 ms otherwise, then reports the port
once a request to it is answered). Reference: the same command started directly from a shell in the same folder,
on a port given to it, until a request gets its first byte (tried every 10 ms).

| ${RUNS} runs: median (min–max) | Time |
| --- | ---: |
| Run → first preview byte through the proxy | ${range(toPreview)} |
| Reference: \`sh -c "node server.js"\` → first byte | ${range(direct)} |
| Of which: the server's "listening on" line → the port reported (both as this socket received them) | ${range(printedToPort)} |
<!-- runner:end -->`,
  );
} finally {
  await backend.stop();
  await rm(scratch, { recursive: true, force: true });
}
process.exit(0);
