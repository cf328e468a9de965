import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { uploadSha256 } from "../../convex/lib/uploadHash.js";
import { convexToJson } from "convex/values";
import { decodeJwt } from "jose";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Commit } from "../../local-backend/src/engine/types.js";
import { chooseSandbox, startRunnerFromCli } from "../src/cli.js";
import { listed } from "../../tests/listing.js";
import { findBwrap } from "../src/sandbox.js";
import { MAX_MIRRORED_FILES } from "../src/mirror.js";
import { MAX_CREATE_MANY } from "../../convex/lib/limits.js";
import { isError, isOpened, isReady, startHarness, startRunnerFor, TestSocket, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function newProject(owner: string) {
  const { token } = await h.backend.signIn(owner);
  const client = h.backend.client({ token });
  const projectId = await client.mutation(api.projects.create, { name: `p-${owner}` });
  return { token, client, projectId, dir: path.join(h.workRoot, "projects", projectId) };
}

async function diskText(file: string, pattern: RegExp | string): Promise<string> {
  return vi.waitFor(
    async () => {
      const text = await readFile(file, "utf8");
      if (typeof pattern === "string" ? text !== pattern : !pattern.test(text)) throw new Error(`${file}: ${text}`);
      return text;
    },
    { timeout: 15_000, interval: 20 },
  );
}

describe("runner", () => {
  it("refuses a socket with no token, a bad token, and another user's project", async () => {
    const { projectId } = await newProject("owner-a");
    const none = await TestSocket.open(h.runner, { projectId, token: "" });
    expect((await none.next(isError)).code).toBe("UNAUTHENTICATED");
    const bad = await TestSocket.open(h.runner, { projectId, token: "not.a.token" });
    expect((await bad.next(isError)).code).toBe("UNAUTHENTICATED");
    const other = await h.backend.signIn("intruder");
    const intruder = await TestSocket.open(h.runner, { projectId, token: other.token });
    const refused = await intruder.next(isError);
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toMatch(/another account/);
    expect(intruder.messages.some((m) => m.t === "ready")).toBe(false);
    // Nothing of the project reached the disk for the intruder.
    expect(h.runner.sessions.has(projectId)).toBe(false);
  });

  it("attaching to learn the status copies nothing to disk; the first terminal does, and every tab hears of it", async () => {
    const { token, client, projectId, dir } = await newProject("lazy");
    await client.mutation(api.files.createFile, { projectId, name: "a.txt", content: "on disk only when used" });
    // A workspace opens: its tab attaches for the Run status and terminals.
    const watcher = await TestSocket.open(h.runner, { projectId, token });
    const ready = await watcher.next(isReady);
    expect(ready.sync.status).toBe("idle");
    expect(ready.run.status).toBe("idle");
    const session = h.runner.sessions.get(projectId)!;
    expect(session.materialized).toBe(false);
    expect(session.mirror).toBeNull();
    expect(existsSync(dir)).toBe(false);

    // Another tab of the same project opens a terminal: now the project is copied to disk.
    const user = await TestSocket.open(h.runner, { projectId, token });
    await user.next(isReady);
    expect(session.materialized).toBe(false);
    user.send({ t: "open", cols: 80, rows: 24 });
    const term = (await user.next(isOpened)).opened!;
    expect(session.materialized).toBe(true);
    await diskText(path.join(dir, "a.txt"), "on disk only when used");
    // The first tab hears of the terminal (in its list, not as one it opened: it keeps its own selection and
    // focus) and of Run without asking for anything.
    const heard = await watcher.next((m) => m.t === "terminals" && m.terminals.some((t) => t.id === term));
    expect(heard.t === "terminals" && heard.opened).toBeUndefined();
    user.send({ t: "run" });
    const failed = await watcher.next((m) => m.t === "run" && m.run.status === "failed");
    expect(failed.t === "run" && failed.run.message).toMatch(/no install or dev command/);
    // Run's terminal too is in its list, and nothing was given to it as opened (its socket is in order).
    expect(watcher.messages.filter(isOpened)).toEqual([]);
    await watcher.close();
    await user.close();
  });

  it("renews the token through the browser when the Convex client asks, and keeps syncing with the new one", async () => {
    const { token, client, projectId, dir } = await newProject("renewal");
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    const session = h.runner.sessions.get(projectId)!;
    await session.activate();
    const from = socket.messages.length;
    const renewed = session.fetchToken(true);
    await socket.next((m) => m.t === "needToken", from);
    const fresh = await h.backend.signIn("renewal");
    expect(fresh.token).not.toBe(token);
    socket.send({ t: "token", token: fresh.token });
    expect(await renewed).toBe(fresh.token);
    expect(await session.fetchToken(false)).toBe(fresh.token);
    // The client authenticates again with the new token and the working copy keeps following the project.
    const later = await client.mutation(api.files.createFile, { projectId, name: "after-renewal.txt", content: "still syncing" });
    expect(later).toBeTruthy();
    await diskText(path.join(dir, "after-renewal.txt"), "still syncing");
    await socket.close();
  });

  it("mirrors creates, edits, renames, moves and deletes to the working copy", async () => {
    const { token, client, projectId, dir } = await newProject("mirror");
    const src = await client.mutation(api.files.createFolder, { projectId, name: "src" });
    const app = await client.mutation(api.files.createFile, { projectId, parentId: src, name: "app.js", content: "one" });
    const bytes = new Uint8Array([0, 1, 2, 200, 255]);
    const uploadUrl = await client.mutation(api.files.generateUploadUrl, { projectId, sha256: await uploadSha256(bytes) });
    const uploaded = await fetch(uploadUrl, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: bytes });
    const { storageId } = (await uploaded.json()) as { storageId: string };
    await client.mutation(api.files.createBinaryFile, { projectId, parentId: src, name: "logo.png", storageId: storageId as Id<"_storage"> });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    const { mirror } = await h.runner.sessions.get(projectId)!.activate();
    await mirror.firstSync;
    expect(await readFile(path.join(dir, "src/app.js"), "utf8")).toBe("one");
    expect(new Uint8Array(await readFile(path.join(dir, "src/logo.png")))).toEqual(bytes);
    // The first copy read both files' contents in a page, not each by its own subscription.
    expect(mirror.readInPages).toBe(2);

    await client.mutation(api.files.updateContent, { fileId: app, content: "two" });
    await diskText(path.join(dir, "src/app.js"), "two");

    // A file a command made inside the folder travels with the folder's rename.
    await writeFile(path.join(dir, "src/made-by-command.txt"), "build output");
    await client.mutation(api.files.rename, { fileId: src, name: "lib" });
    await diskText(path.join(dir, "lib/app.js"), "two");
    expect(existsSync(path.join(dir, "src"))).toBe(false);
    expect(await readFile(path.join(dir, "lib/made-by-command.txt"), "utf8")).toBe("build output");

    await client.mutation(api.files.move, { fileId: app, parentId: undefined });
    await diskText(path.join(dir, "app.js"), "two");
    expect(existsSync(path.join(dir, "lib/app.js"))).toBe(false);

    await client.mutation(api.files.remove, { fileId: app });
    await vi.waitFor(() => expect(existsSync(path.join(dir, "app.js"))).toBe(false), { timeout: 15_000, interval: 20 });
    await socket.close();
  });

  it("files a command makes, and its edits to project files on disk, never reach the project; a name clash leaves the disk alone and names the path", async () => {
    const { token, client, projectId, dir } = await newProject("stays-out");
    const fileId = await client.mutation(api.files.createFile, { projectId, name: "a.txt", content: "the project's text" });
    const before = await listed(client, projectId);
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "open", cols: 80, rows: 24 });
    const term = (await socket.next(isOpened)).opened!;
    await diskText(path.join(dir, "a.txt"), "the project's text");
    socket.send({
      t: "input",
      term,
      data: `echo edited on disk > a.txt; echo made > made.txt; mkdir -p clash/deep && echo kept > clash/deep/k.txt; echo "MADE""-ALL"\r`,
    });
    await socket.outputMatching(term, /MADE-ALL/);
    expect(await readFile(path.join(dir, "made.txt"), "utf8")).toBe("made\n");
    // A project file named like the folder a command made: the runner leaves the folder alone and says which path.
    await client.mutation(api.files.createFile, { projectId, name: "clash", content: "a project file" });
    const problem = await socket.next((m) => m.t === "sync" && m.sync.problems.some((p) => p.includes('"clash"')));
    expect(problem.t === "sync" && problem.sync.status).toBe("error");
    expect(problem.t === "sync" && problem.sync.problems).toEqual([
      `"clash" is a file in the project, but a folder of that name is on disk (made by a command?). Remove it in a terminal.`,
    ]);
    expect(await readFile(path.join(dir, "clash", "deep", "k.txt"), "utf8")).toBe("kept\n");
    // The project has exactly what it had plus the file made in Polaris; its a.txt keeps the project's text.
    const after = await listed(client, projectId);
    expect(after.map((e) => e.name).sort()).toEqual([...before.map((e) => e.name), "clash"].sort());
    expect(after.some((e) => e.name === "made.txt")).toBe(false);
    expect((await client.query(api.files.get, { fileId })).content).toBe("the project's text");
    expect(await readFile(path.join(dir, "a.txt"), "utf8")).toBe("edited on disk\n");
    await socket.close();
  });

  it("mirrors a project of 1,000 files", async () => {
    const { token, client, projectId, dir } = await newProject("thousand");
    const items = Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}.txt`, content: `file ${i}` }));
    for (let i = 0; i < items.length; i += 250) {
      await client.mutation(api.files.createMany, { projectId, items: items.slice(i, i + 250) });
    }
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    await h.runner.sessions.get(projectId)!.activate();
    await socket.next((m) => m.t === "sync" && m.sync.status === "synced" && m.sync.entries === 1000);
    // The contents came in pages; each file is then watched, and more files than one Convex connection may
    // subscribe to are spread over two.
    expect(h.runner.sessions.get(projectId)!.mirror!.readInPages).toBe(1000);
    expect(h.runner.sessions.get(projectId)!.mirror!.connections).toBe(2);
    for (const i of [0, 499, 999]) expect(await readFile(path.join(dir, `f${i}.txt`), "utf8")).toBe(`file ${i}`);
    // The connections used the browser's token as given: none asked for a renewed one on connecting (each did,
    // and a copy outlasting the wait for an answer lost its identity mid-way). The socket is ordered, so a
    // needToken sent before the terminal's answer would be among the messages by then.
    socket.send({ t: "open", cols: 80, rows: 24 });
    await socket.next(isOpened);
    expect(socket.messages.filter((m) => m.t === "needToken")).toEqual([]);
    await socket.close();
    // 1,000 subscriptions and files: seconds on an idle machine, several times that on a loaded one.
  }, 120_000);

  it("a save re-runs the saved file's query only, not every file's (the working copy subscribes to each)", async () => {
    const { token, client, projectId } = await newProject("readset");
    const [a, b] = await client.mutation(api.files.createMany, {
      projectId,
      items: [
        { name: "a.txt", content: "a" },
        { name: "b.txt", content: "b" },
      ],
    });
    const { iss, sub } = decodeJwt(token);
    const identity = { tokenIdentifier: `${iss}|${sub}`, subject: sub!, issuer: iss! };
    const engine = h.backend.engine;
    const read = await engine.runQuery("files:get", convexToJson({ fileId: a }), identity);
    expect(read.ok).toBe(true);
    const commits: Commit[] = [];
    const stop = engine.onCommit((commit) => commits.push(commit));
    await client.mutation(api.files.updateContent, { fileId: b, content: "b, saved" });
    await client.mutation(api.files.updateContent, { fileId: a, content: "a, saved" });
    stop();
    expect(commits).toHaveLength(2);
    expect(engine.invalidates(read.reads!, commits[0].writes)).toBe(false);
    expect(engine.invalidates(read.reads!, commits[1].writes)).toBe(true);
  });

  it("runs a shell in a real terminal, fenced: the working copy is writable, nothing else is, the data dir is absent", async () => {
    const { token, client, projectId, dir } = await newProject("shell");
    await client.mutation(api.files.createFile, { projectId, name: "hello.txt", content: "hi from polaris" });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "open", cols: 100, rows: 30 });
    const term = (await socket.next(isOpened)).opened!;
    await diskText(path.join(dir, "hello.txt"), "hi from polaris");
    socket.send({ t: "input", term, data: "test -t 0 && echo \"TT\"\"Y-OK\"; cat hello.txt; echo; echo $((6*7))\r" });
    const out = await socket.outputMatching(term, /\b42\b/);
    expect(out).toContain("TTY-OK");
    expect(out).toContain("hi from polaris");

    socket.send({ t: "input", term, data: `echo made > made.txt; echo x 2>/dev/null > /etc/polaris-escape || echo "ETC""-REFUSED"\r` });
    await socket.outputMatching(term, /ETC-REFUSED/);
    expect(await readFile(path.join(dir, "made.txt"), "utf8")).toBe("made\n");
    socket.send({
      t: "input",
      term,
      data: `ls ${h.backend.dataDir} 2>/dev/null || echo "DATA""-ABSENT"; ls ${process.cwd()} 2>/dev/null || echo "CHECKOUT""-ABSENT"\r`,
    });
    await socket.outputMatching(term, /DATA-ABSENT[\s\S]*CHECKOUT-ABSENT/);
    await socket.close();
  });

  it("keeps a terminal's process and recent output across a reconnect", async () => {
    const { token, projectId } = await newProject("reconnect");
    const first = await TestSocket.open(h.runner, { projectId, token });
    await first.next(isReady);
    first.send({ t: "open", cols: 80, rows: 24 });
    const term = (await first.next(isOpened)).opened!;
    first.send({ t: "input", term, data: "export KEPT=still-here; echo before-\"\"drop\r" });
    await first.outputMatching(term, /before-drop\r?\n/);
    first.ws.terminate();

    const second = await TestSocket.open(h.runner, { projectId, token });
    const ready = await second.next(isReady);
    expect(ready.terminals.map((t) => t.id)).toContain(term);
    await second.outputMatching(term, /before-drop/);
    second.send({ t: "input", term, data: "echo $KEPT\r" });
    await second.outputMatching(term, /still-here\r?\n/);
    await second.close();
  });

  it("runs the install and dev commands, reports a failing install's exit code, and proxies the preview", async () => {
    const { token, client, projectId, dir } = await newProject("run");
    await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "exit 3", devCommand: "node server.js" } });
    await client.mutation(api.files.createFile, {
      projectId,
      name: "server.js",
      content:
        "require('http').createServer((q, s) => s.end(require('fs').readFileSync('page.txt'))).listen(0, () => console.log('listening'));",
    });
    const page = await client.mutation(api.files.createFile, { projectId, name: "page.txt", content: "first page" });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "run" });
    const failed = await socket.next((m) => m.t === "run" && m.run.status === "failed");
    expect(failed.t === "run" && failed.run.message).toMatch(/exit code 3/);

    await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "echo installed > install.log", devCommand: "node server.js" } });
    const from = socket.messages.length;
    socket.send({ t: "restart" });
    const running = await socket.next((m) => m.t === "run" && m.run.status === "running", from);
    if (running.t !== "run") throw new Error("unreachable");
    expect(running.run.port).toBeGreaterThan(0);
    expect(await readFile(path.join(dir, "install.log"), "utf8")).toBe("installed\n");
    const previewUrl = new URL(running.run.previewUrl!);
    const host = previewUrl.host;
    const get = () =>
      new Promise<string>((resolve, reject) => {
        import("node:http").then(({ request }) => {
          const req = request({ host: "127.0.0.1", port: h.runner.port, path: "/", headers: { host } }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString("utf8")));
            res.on("end", () => resolve(body));
          });
          req.on("error", reject);
          req.end();
        }, reject);
      });
    expect(await get()).toBe("first page");
    await client.mutation(api.files.updateContent, { fileId: page, content: "second page" });
    await diskText(path.join(dir, "page.txt"), "second page");
    expect(await get()).toBe("second page");

    // A guessed or unknown preview host gets a 404 that names nothing of any project: one digit off the real secret
    // label, a well-formed label nobody was given, the project's id, and a host that is no preview at all.
    const label = host.split(".")[0];
    const flipped = label.slice(0, -1) + (label.endsWith("0") ? "1" : "0");
    const guesses = [flipped, `p${"a".repeat(24)}`, projectId, "localhost", "127.0.0.1"];
    for (const guess of guesses) {
      const answer = await previewGet(`http://${guess}.localhost:${h.runner.port}`, "/");
      expect(answer.status, guess).toBe(404);
      for (const secret of [label, projectId, String(running.run.port), "second page"]) expect(answer.body, guess).not.toContain(secret);
    }

    const pid = h.runner.sessions.get(projectId)!;
    socket.send({ t: "stop" });
    await socket.next((m) => m.t === "run" && m.run.status === "stopped", from);
    await vi.waitFor(() => expect(pid.previewPort()).toBeUndefined());
    await socket.close();
  });
});

// What Vite does for `--port 0`: a trial listen on a free port (here closed at its first connection, as a trial
// one answers nobody), then the real server on that same port; /close ends the server and keeps the process.
const TRIAL_THEN_SERVE = `const net = require("net"), http = require("http");
let port;
const trial = net.createServer((socket) => {
  socket.destroy();
  trial.close(() => {
    const server = http.createServer((req, res) => {
      if (req.url === "/close") { res.setHeader("Connection", "close"); res.end("closing", () => { server.close(); server.closeAllConnections(); }); return; }
      res.end("served");
    }).listen(port, "127.0.0.1", () => console.log("serving on " + port));
  });
});
trial.listen(0, "127.0.0.1", () => { port = trial.address().port; console.log("trial on " + port); });
setInterval(() => {}, 60000);
`;

/** GET `p` on the preview's host through the runner's proxy. */
function previewGet(previewUrl: string, p: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    import("node:http").then(({ request }) => {
      const req = request({ host: "127.0.0.1", port: h.runner.port, path: p, headers: { host: new URL(previewUrl).host } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
      });
      req.on("error", reject);
      req.end();
    }, reject);
  });
}

describe("runner: the preview", () => {
  it("announces the preview only once the dev server answers, not at a trial listen; a server gone quiet gets a page that reloads itself", async () => {
    const { token, client, projectId } = await newProject("trial-port");
    await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "", devCommand: "node server.js" } });
    await client.mutation(api.files.createFile, { projectId, name: "server.js", content: TRIAL_THEN_SERVE });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "run" });
    const running = await socket.next((m) => m.t === "run" && (m.run.status === "running" || m.run.status === "failed"));
    if (running.t !== "run" || running.run.status !== "running") throw new Error(JSON.stringify(running));
    // Announced while only the trial port listened, this request met the trial's closed connection: a 502.
    expect(await previewGet(running.run.previewUrl!, "/")).toMatchObject({ status: 200, body: "served" });
    expect(await socket.outputMatching("run", /serving on \d+/)).toContain(`serving on ${running.run.port}`);

    // The server stops answering while its process runs: the preview's page says so and reloads itself.
    expect((await previewGet(running.run.previewUrl!, "/close")).body).toBe("closing");
    const quiet = await previewGet(running.run.previewUrl!, "/");
    expect(quiet.status).toBe(502);
    expect(quiet.type).toMatch(/^text\/html/);
    expect(quiet.body).toContain('<meta http-equiv="refresh" content="2">');
    expect(quiet.body).toContain(`The dev server on port ${running.run.port} did not answer`);
    socket.send({ t: "stop" });
    await socket.next((m) => m.t === "run" && m.run.status === "stopped");
    await socket.close();
  });

  it("sends a GET again on a fresh connection when the dev server closed the kept-alive one it was sent on", async () => {
    // A server closes an idle kept-alive connection after its keepAliveTimeout; a request the proxy sends on it at
    // that moment meets a reset. Answered with the 502 page, a module script of the preview fails and nothing
    // reloads it (its #msg stays empty). This server drops every second request on a connection unanswered, as
    // such a close does, so the proxy's second GET is always sent on a connection about to be reset.
    const { token, client, projectId } = await newProject("kept-alive-reset");
    await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "", devCommand: "node server.js" } });
    await client.mutation(api.files.createFile, {
      projectId,
      name: "server.js",
      content:
        'const served = new WeakMap();\n' +
        'require("http").createServer((q, r) => {\n' +
        '  const n = (served.get(q.socket) ?? 0) + 1;\n' +
        '  served.set(q.socket, n);\n' +
        '  if (n > 1) return q.socket.destroy();\n' +
        '  r.end("served " + q.url);\n' +
        '}).listen(0, "127.0.0.1");\n',
    });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "run" });
    const running = await socket.next((m) => m.t === "run" && (m.run.status === "running" || m.run.status === "failed"));
    if (running.t !== "run" || running.run.status !== "running") throw new Error(JSON.stringify(running));
    expect(await previewGet(running.run.previewUrl!, "/main.js")).toMatchObject({ status: 200, body: "served /main.js" });
    expect(await previewGet(running.run.previewUrl!, "/msg.js")).toMatchObject({ status: 200, body: "served /msg.js" });
    socket.send({ t: "stop" });
    await socket.next((m) => m.t === "run" && m.run.status === "stopped");
    await socket.close();
  });

  it("finds the port when the dev server prints that it listens, without waiting for the poll", async () => {
    // A poll that never comes within the test: only the Run terminal's output can make the runner look.
    const extra = await startRunnerFor(h.backend, { portPollMs: 3_600_000 });
    try {
      const { token, client, projectId } = await newProject("port-by-output");
      await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "", devCommand: "node server.js" } });
      await client.mutation(api.files.createFile, {
        projectId,
        name: "server.js",
        content: 'const s = require("http").createServer((q, r) => r.end("hi")).listen(0, "127.0.0.1", () => console.log("listening on " + s.address().port));\n',
      });
      const socket = await TestSocket.open(extra.runner, { projectId, token });
      await socket.next(isReady);
      socket.send({ t: "run" });
      const running = await socket.next((m) => m.t === "run" && (m.run.status === "running" || m.run.status === "failed"));
      if (running.t !== "run" || running.run.status !== "running") throw new Error(JSON.stringify(running));
      expect(await socket.outputMatching("run", /listening on \d+/)).toContain(`listening on ${running.run.port}`);
      socket.send({ t: "stop" });
      await socket.next((m) => m.t === "run" && m.run.status === "stopped");
      await socket.close();
    } finally {
      await extra.stop();
    }
  });
});

/** Whether `pid` still runs (a zombie waiting to be reaped has ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("runner: bad input", () => {
  it("refuses malformed frames before hello with what was wrong, and an unknown project", async () => {
    const cases: Array<[string, RegExp]> = [
      ["{not json", /not JSON/],
      ["null", /not an object/],
      ["[1,2]", /not an object/],
      [`{"t":"format-disk"}`, /does not know the message type "format-disk"/],
      [`{"t":"hello","projectId":42,"token":"x"}`, /needs projectId to be a string/],
      [`{"t":"run"}`, /Say hello first/],
    ];
    for (const [frame, message] of cases) {
      const socket = await TestSocket.open(h.runner);
      socket.ws.send(frame);
      const error = await socket.next(isError);
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(message);
      await socket.whenClosed();
    }
    const { token } = await newProject("unknown-project");
    const unknown = await TestSocket.open(h.runner, { projectId: "k57000000000000000000000000000aa", token });
    expect((await unknown.next(isError)).code).toBe("FORBIDDEN");
    const garbage = await TestSocket.open(h.runner, { projectId: "../../etc", token });
    expect((await garbage.next(isError)).code).toBe("FORBIDDEN");
    expect(h.runner.sessions.has("../../etc")).toBe(false);
  });

  it("after hello, answers a bad frame without closing, clamps an absurd resize and keeps serving", async () => {
    const { token, projectId } = await newProject("bad-frames");
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.ws.send(`{"t":"input","term":"t1"}`);
    expect((await socket.next(isError)).message).toMatch(/needs data to be a string/);
    socket.ws.send(`{"t":"resize","term":"t1","cols":"wide","rows":3}`);
    expect((await socket.next(isError, socket.messages.length)).message).toMatch(/needs cols to be a number/);
    socket.send({ t: "input", term: "no-such-terminal", data: "echo hi\r" });
    socket.send({ t: "open", cols: 100, rows: 30 });
    const term = (await socket.next(isOpened)).opened!;
    socket.send({ t: "resize", term, cols: 1e9, rows: -5 });
    socket.send({ t: "resize", term, cols: 0.5, rows: 1 });
    socket.send({ t: "input", term, data: "stty size; echo size-\"\"done\r" });
    const out = await socket.outputMatching(term, /size-done\r?\n/).catch((e: unknown) => {
      throw new Error(`${String(e)} ${JSON.stringify(socket.messages)}`);
    });
    expect(out).toMatch(/\b30 100\b/);
    expect(socket.closed).toBe(false);
    await socket.close();
  });

  it("a valid resize reaches the terminal's process: opened at 100x30, resized to 120x40, stty size prints 40 120", async () => {
    const { token, projectId } = await newProject("resize");
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "open", cols: 100, rows: 30 });
    const term = (await socket.next(isOpened)).opened!;
    socket.send({ t: "input", term, data: "stty size; echo before-\"\"resize\r" });
    expect(await socket.outputMatching(term, /before-resize\r?\n/)).toMatch(/\b30 100\b/);
    socket.send({ t: "resize", term, cols: 120, rows: 40 });
    socket.send({ t: "input", term, data: "stty size; echo after-\"\"resize\r" });
    expect(await socket.outputMatching(term, /after-resize\r?\n/)).toMatch(/\b40 120\b/);
    await socket.close();
  });

  it("Stop ends the whole process tree of a dev command that never exits", async () => {
    const { token, client, projectId } = await newProject("never-exits");
    await client.mutation(api.projects.updateSettings, {
      projectId,
      settings: { devCommand: "sleep 1000 & (sleep 1001 &); node -e 'setInterval(() => {}, 1000)'" },
    });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "run" });
    await socket.next((m) => m.t === "run" && m.run.status === "starting");
    const session = h.runner.sessions.get(projectId)!;
    const cmdline = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        return "";
      }
    };
    const tree = await vi.waitFor(
      () => {
        const pids = session.processIds("run");
        const names = pids.map(cmdline).join("\n");
        if (!/sleep 1000/.test(names) || !/sleep 1001/.test(names) || !/node -e/.test(names)) throw new Error(names);
        return pids;
      },
      { timeout: 15_000, interval: 50 },
    );
    const from = socket.messages.length;
    socket.send({ t: "stop" });
    await socket.next((m) => m.t === "run" && m.run.status === "stopped", from);
    await vi.waitFor(() => expect(tree.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });
    await socket.outputMatching("run", /\[stopped\]/);
    await socket.close();
  });
});

// Issue 9's bad input: each case gets a readable message in the Run status, and the project's files (listed through
// the server, before and after) are untouched.
describe("runner: bad input in Run", () => {
  /** Runs `devCommand` in a new project with one file and resolves with the Run message that `done` accepts. */
  async function runUntil(
    owner: string,
    devCommand: string,
    done: (status: string) => boolean,
    runner = h.runner,
    more: Array<{ name: string; content: string }> = [],
  ) {
    const { token, client, projectId } = await newProject(owner);
    await client.mutation(api.files.createFile, { projectId, name: "keep.txt", content: "kept" });
    if (more.length > 0) await client.mutation(api.files.createMany, { projectId, items: more });
    await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "", devCommand } });
    const before = await listed(client, projectId);
    const socket = await TestSocket.open(runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "run" });
    const state = await socket.next((m) => m.t === "run" && done(m.run.status) && m.run.message !== undefined && !/^Starting/.test(m.run.message));
    if (state.t !== "run") throw new Error("unreachable");
    return { socket, client, projectId, before, run: state.run };
  }

  it("a dev command that does not exist fails Run with exit code 127 and says it was not found", async () => {
    const { socket, client, projectId, before, run } = await runUntil("no-such-command", "polaris-no-such-tool --serve", (s) => s === "failed");
    expect(run.message).toMatch(/exited with code 127 \(command not found: is it installed on the runner's machine\?\)/);
    await socket.outputMatching("run", /polaris-no-such-tool.*not found/);
    expect(await listed(client, projectId)).toEqual(before);
    await socket.close();
  });

  it("a dev command that never opens a port says so and what to do, and keeps running", async () => {
    const extra = await startRunnerFor(h.backend, { portTimeoutMs: 300, portPollMs: 50 });
    try {
      const { socket, client, projectId, before, run } = await runUntil(
        "no-port",
        "node -e 'setInterval(() => {}, 1000)'",
        (s) => s === "starting",
        extra.runner,
      );
      expect(run.message).toBe(
        "The dev command has not opened a port after 0.3 s. Make it start a server that listens on a port (for example with --port), or check the Run terminal for what it printed.",
      );
      expect(extra.runner.sessions.get(projectId)!.processIds("run").length).toBeGreaterThan(0);
      expect(await listed(client, projectId)).toEqual(before);
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("a dev server whose port is already taken fails Run and says which port is in use", async () => {
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const { socket, client, projectId, before, run } = await runUntil(
        "port-taken",
        `node -e 'require("http").createServer().listen(${port}, "127.0.0.1")'`,
        (s) => s === "failed",
      );
      expect(run.message).toBe(
        `The dev command exited with code 1. Port ${port} is already in use by another process: stop that process, or start the dev server on another port.`,
      );
      await socket.outputMatching("run", /EADDRINUSE/);
      expect(await listed(client, projectId)).toEqual(before);
      await socket.close();
    } finally {
      taken.close();
    }
  });

  it("a project over the runner's file limit is refused with how many files it has and what to do; nothing is copied", async () => {
    const extra = await startRunnerFor(h.backend, { maxFiles: 10 });
    try {
      const more = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, content: `file ${i}` }));
      const { socket, client, projectId, before, run } = await runUntil("too-many-files", "node server.js", (s) => s === "failed", extra.runner, more);
      const refusal =
        "This project has 12 files; the runner copies at most 10 to disk. Nothing was copied. " +
        "Move what the commands do not need (assets, data) into another project to run it.";
      expect(run.message).toBe(refusal);
      await socket.outputMatching("run", /the runner copies at most 10 to disk/);
      expect(await socket.next((m) => m.t === "sync" && m.sync.status === "error")).toMatchObject({ sync: { problems: [refusal] } });
      expect(await readdir(path.join(extra.workRoot, "projects", projectId))).toEqual([]);
      // A shell in the same project says why too, instead of waiting for a copy that never comes.
      socket.send({ t: "open", cols: 80, rows: 24 });
      const term = (await socket.next(isOpened)).opened!;
      await socket.outputMatching(term, /the runner copies at most 10 to disk/);
      expect(before).toHaveLength(12);
      expect(await listed(client, projectId)).toEqual(before);
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("a project just over the runner's default limit (20,000 files) is refused with the real message; nothing is copied or changed", async () => {
    // The case is 100,000 files; seeding that through createMany takes minutes on a loaded machine, and the
    // refusal depends only on the count being over the cap, so this seeds one file over the real default cap.
    const { token, client, projectId, dir } = await newProject("over-default-cap");
    const total = MAX_MIRRORED_FILES + 1;
    for (let i = 0; i < total; i += MAX_CREATE_MANY) {
      const items = Array.from({ length: Math.min(MAX_CREATE_MANY, total - i) }, (_, j) => ({ name: `f${i + j}.txt`, content: "" }));
      await client.mutation(api.files.createMany, { projectId, items });
    }
    await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "", devCommand: "node server.js" } });
    const before = await listed(client, projectId);
    expect(before).toHaveLength(total);
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "run" });
    const failed = await socket.next((m) => m.t === "run" && m.run.status === "failed");
    expect(failed.t === "run" && failed.run.message).toBe(
      "This project has 20,001 files; the runner copies at most 20,000 to disk. Nothing was copied. " +
        "Move what the commands do not need (assets, data) into another project to run it.",
    );
    expect(existsSync(dir) ? await readdir(dir) : []).toEqual([]);
    expect(await listed(client, projectId)).toEqual(before);
    await socket.close();
  }, 180_000);

  it("a project refused for being over the file limit copies itself once files are deleted, and then runs", async () => {
    const extra = await startRunnerFor(h.backend, { maxFiles: 10 });
    try {
      const more = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, content: `file ${i}` }));
      const { socket, client, projectId } = await runUntil("back-under-limit", "cat keep.txt f0.txt", (s) => s === "failed", extra.runner, more);
      const dir = path.join(extra.workRoot, "projects", projectId);
      await socket.next((m) => m.t === "sync" && m.sync.status === "error");
      expect(await readdir(dir)).toEqual([]);

      // Two files deleted in Polaris: 10 left, within the limit. Nobody presses anything: the copy starts by itself.
      const entries = await listed(client, projectId);
      const from = socket.messages.length;
      for (const name of ["f9.txt", "f10.txt"]) {
        await client.mutation(api.files.remove, { fileId: entries.find((e) => e.name === name)!._id });
      }
      const synced = await socket.next((m) => m.t === "sync" && m.sync.status === "synced" && m.sync.entries === 10, from);
      expect(synced).toMatchObject({ sync: { problems: [] } });
      expect((await readdir(dir)).sort()).toEqual(["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt", "f6.txt", "f7.txt", "f8.txt", "keep.txt"]);

      // And Run now runs.
      const again = socket.messages.length;
      socket.send({ t: "run" });
      const stopped = await socket.next((m) => m.t === "run" && (m.run.status === "stopped" || m.run.status === "failed"), again);
      expect(stopped).toMatchObject({ run: { status: "stopped", message: "The dev command exited (code 0)." } });
      await socket.outputMatching("run", /kept[\s\S]*file 0/);
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("a file whose name the disk refuses (over 255 bytes) is named in the copy's problems; the others are copied and Run goes on", async () => {
    // 204 characters, fine in Polaris (at most 255), but 404 bytes in UTF-8: more than a Linux file name may have.
    const long = `${"é".repeat(200)}.txt`;
    const { socket, client, projectId, before, run } = await runUntil(
      "long-name",
      "cat keep.txt other.txt",
      (s) => s === "stopped" || s === "failed",
      h.runner,
      [
        { name: long, content: "refused by the disk" },
        { name: "other.txt", content: "-and-other" },
      ],
    );
    const problem = `"${long}": the name is too long for this disk (at most 255 bytes per name); rename it in Polaris to run it.`;
    expect(run.message).toBe("The dev command exited (code 0).");
    await socket.outputMatching("run", /kept-and-other/);
    await socket.outputMatching("run", /the name is too long for this disk/);
    expect(await socket.next((m) => m.t === "sync" && m.sync.status === "error")).toMatchObject({ sync: { problems: [problem] } });
    expect((await readdir(path.join(h.workRoot, "projects", projectId))).sort()).toEqual(["keep.txt", "other.txt"]);
    expect(await listed(client, projectId)).toEqual(before);
    await socket.close();
  });
});

describe("runner: the sandbox's walls", () => {
  it("a command inside the fence sees neither the runner user's home nor a sibling project's working copy", async () => {
    // The sibling: a project of another user whose working copy is on disk (its first terminal copied it).
    const sibling = await newProject("sibling-owner");
    await sibling.client.mutation(api.files.createFile, { projectId: sibling.projectId, name: "secret.txt", content: "sibling secret" });
    const siblingSocket = await TestSocket.open(h.runner, { projectId: sibling.projectId, token: sibling.token });
    await siblingSocket.next(isReady);
    siblingSocket.send({ t: "open", cols: 80, rows: 24 });
    await siblingSocket.next(isOpened);
    await diskText(path.join(sibling.dir, "secret.txt"), "sibling secret");
    const home = homedir();
    const homeEntry = (await readdir(home))[0];
    expect(homeEntry).toBeDefined();

    const { token, client, projectId } = await newProject("walled-in");
    await client.mutation(api.files.createFile, { projectId, name: "mine.txt", content: "my own" });
    const before = await listed(client, projectId);
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    socket.send({ t: "open", cols: 200, rows: 30 });
    const term = (await socket.next(isOpened)).opened!;
    socket.send({
      t: "input",
      term,
      data:
        `cat mine.txt; echo; test -e ${JSON.stringify(path.join(home, homeEntry))} && echo "HOME""-SEEN" || echo "HOME""-HIDDEN"; ` +
        `cat ${sibling.dir}/secret.txt 2>/dev/null || echo "SIBLING""-HIDDEN"; ls ${path.dirname(sibling.dir)} 2>/dev/null | wc -l | sed "s/^/PROJECTS-LISTED=/"; echo "walls""-done"\r`,
    });
    const out = await socket.outputMatching(term, /walls-done\r?\n/);
    expect(out).toContain("my own");
    expect(out).toContain("HOME-HIDDEN");
    expect(out).not.toContain("HOME-SEEN");
    expect(out).toContain("SIBLING-HIDDEN");
    expect(out).not.toContain("sibling secret");
    // Inside, the projects' folder holds this project's working copy only (its path is bound, nothing beside it).
    expect(out).toMatch(/PROJECTS-LISTED=1\b/);
    expect(await listed(client, projectId)).toEqual(before);
    await socket.close();
    await siblingSocket.close();
  });
});

describe("runner: the working copy never writes through a symbolic link", () => {
  it("skips a path under a folder a command replaced by a link, and a file replaced by a link, and says so", async () => {
    const { token, client, projectId, dir } = await newProject("symlink");
    const src = await client.mutation(api.files.createFolder, { projectId, name: "src" });
    const app = await client.mutation(api.files.createFile, { projectId, parentId: src, name: "app.js", content: "v1" });
    const top = await client.mutation(api.files.createFile, { projectId, name: "top.txt", content: "t1" });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    await h.runner.sessions.get(projectId)!.activate();
    await diskText(path.join(dir, "src/app.js"), "v1");
    await diskText(path.join(dir, "top.txt"), "t1");

    // What a command in the sandbox could do: point project paths outside the working directory.
    const outside = await mkdtemp(path.join(tmpdir(), "polaris-outside-"));
    await writeFile(path.join(outside, "victim.txt"), "untouched");
    await rm(path.join(dir, "src"), { recursive: true });
    await symlink(outside, path.join(dir, "src"));
    await rm(path.join(dir, "top.txt"));
    await symlink(path.join(outside, "victim.txt"), path.join(dir, "top.txt"));

    const from = socket.messages.length;
    await client.mutation(api.files.updateContent, { fileId: app, content: "v2" });
    await client.mutation(api.files.createFile, { projectId, parentId: src, name: "new.js", content: "new" });
    await client.mutation(api.files.updateContent, { fileId: top, content: "t2" });
    const problem = await socket.next(
      (m) => m.t === "sync" && m.sync.problems.some((p) => p.includes("top.txt")) && m.sync.problems.some((p) => p.includes("new.js")),
      from,
    );
    expect(problem.t === "sync" && problem.sync.problems.join("\n")).toMatch(/symbolic link[\s\S]*never writes through links/);
    expect(await readdir(outside)).toEqual(["victim.txt"]);
    expect(await readFile(path.join(outside, "victim.txt"), "utf8")).toBe("untouched");
    await rm(outside, { recursive: true, force: true });
    await socket.close();
  });
});

describe("runner: limits", () => {
  it("ends a terminal whose project runs more processes than its limit, and says so in the terminal", async () => {
    const extra = await startRunnerFor(h.backend, { limits: { maxProcesses: 12, maxMemoryBytes: 4 * 1024 ** 3, pollMs: 100 } });
    try {
      const { token, projectId } = await newProject("many-processes");
      const socket = await TestSocket.open(extra.runner, { projectId, token });
      await socket.next(isReady);
      socket.send({ t: "open", cols: 120, rows: 30 });
      const term = (await socket.next(isOpened)).opened!;
      socket.send({ t: "input", term, data: "for i in $(seq 30); do sleep 1000 & done; wait\r" });
      const out = await socket.outputMatching(term, /process exited/);
      expect(out).toMatch(/ran \d+ processes at once, more than its limit of 12/);
      expect(extra.runner.sessions.get(projectId)!.processIds(term)).toEqual([]);
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("fails Run when the dev command holds more memory than the project's limit", async () => {
    const extra = await startRunnerFor(h.backend, { limits: { maxProcesses: 256, maxMemoryBytes: 150 * 1024 ** 2, pollMs: 100 } });
    try {
      const { token, client, projectId } = await newProject("much-memory");
      // Grows by 16 MB every 20 ms, touching every page, and never stops on its own.
      await client.mutation(api.projects.updateSettings, {
        projectId,
        settings: { devCommand: "node -e 'const a = []; setInterval(() => a.push(Buffer.alloc(16 << 20, 1)), 20)'" },
      });
      const socket = await TestSocket.open(extra.runner, { projectId, token });
      await socket.next(isReady);
      socket.send({ t: "run" });
      const failed = await socket.next((m) => m.t === "run" && m.run.status === "failed");
      expect(failed.t === "run" && failed.run.message).toMatch(/used \d+ MB of memory, more than its limit of 150 MB/);
      await socket.outputMatching("run", /more than its limit of 150 MB/);
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("stops an install that runs longer than the install timeout, with its whole tree", async () => {
    const extra = await startRunnerFor(h.backend, { installTimeoutMs: 300 });
    try {
      const { token, client, projectId } = await newProject("slow-install");
      await client.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "sleep 1000 & sleep 1001", devCommand: "node x.js" } });
      const socket = await TestSocket.open(extra.runner, { projectId, token });
      await socket.next(isReady);
      socket.send({ t: "run" });
      const failed = await socket.next((m) => m.t === "run" && m.run.status === "failed");
      expect(failed.t === "run" && failed.run.message).toMatch(/install command ran longer than 0\.3 s.*was stopped/);
      expect(extra.runner.sessions.get(projectId)!.processIds("run")).toEqual([]);
      await socket.close();
    } finally {
      await extra.stop();
    }
  });

  it("stops the processes of a project nobody has open, and tells the owner when they come back", async () => {
    const extra = await startRunnerFor(h.backend, { idleMs: 200 });
    try {
      const { token, projectId } = await newProject("idle");
      const first = await TestSocket.open(extra.runner, { projectId, token });
      await first.next(isReady);
      first.send({ t: "open", cols: 80, rows: 24 });
      const term = (await first.next(isOpened)).opened!;
      first.send({ t: "input", term, data: "echo idle-\"\"ready\r" });
      await first.outputMatching(term, /idle-ready/);
      const session = extra.runner.sessions.get(projectId)!;
      const pids = session.processIds(term);
      expect(pids.length).toBeGreaterThan(0);
      await first.close();
      await vi.waitFor(() => expect(extra.runner.sessions.has(projectId)).toBe(false), { timeout: 15_000, interval: 50 });
      await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });

      const back = await TestSocket.open(extra.runner, { projectId, token });
      const ready = await back.next(isReady);
      expect(ready.terminals).toEqual([]);
      const notice = await back.next((m) => m.t === "notice");
      expect(notice.t === "notice" && notice.message).toMatch(/stopped its terminals and its Run/);
      await back.close();
    } finally {
      await extra.stop();
    }
  });
});

describe("runner: without bubblewrap", () => {
  const local = { allowRemote: false, unfenced: false, host: "127.0.0.1" };

  it("on loopback runs commands unfenced and says so; reachable from the network it refuses; with bubblewrap it stays fenced", () => {
    const lines: string[] = [];
    expect(chooseSandbox(local, (l) => lines.push(l), { POLARIS_BWRAP: "off" })).toEqual({ sandbox: "none", bwrap: null });
    expect(lines.join("\n")).toMatch(/WARNING: bubblewrap \(bwrap\) is not available here, so commands run UNFENCED/);
    expect(chooseSandbox(local, () => {}, { POLARIS_BWRAP: "/nonexistent/bwrap" }).sandbox).toBe("none");
    expect(chooseSandbox({ ...local, host: "::1" }, () => {}, { POLARIS_BWRAP: "off" }).sandbox).toBe("none");
    // Others can reach it: never unfenced, whether by a missing bubblewrap or by asking.
    expect(() => chooseSandbox({ ...local, allowRemote: true, host: "0.0.0.0" }, () => {}, { POLARIS_BWRAP: "off" })).toThrow(/refuses to run commands unfenced/);
    expect(() => chooseSandbox({ ...local, host: "192.168.1.20" }, () => {}, { POLARIS_BWRAP: "off" })).toThrow(/refuses to run commands unfenced/);
    expect(() => chooseSandbox({ ...local, allowRemote: true }, () => {}, { POLARIS_UNFENCED: "1" })).toThrow(/cannot be combined/);
    // Asked for on loopback: unfenced even where bubblewrap exists.
    expect(chooseSandbox(local, () => {}, { POLARIS_UNFENCED: "1" }).sandbox).toBe("none");
    // The default where bubblewrap works (CI installs it) stays fenced, on loopback and remote alike.
    const bwrap = findBwrap();
    expect(bwrap).not.toBeNull();
    expect(chooseSandbox(local, () => {}, {})).toEqual({ sandbox: "bwrap", bwrap });
    expect(chooseSandbox({ ...local, allowRemote: true, host: "0.0.0.0" }, () => {}, {})).toEqual({ sandbox: "bwrap", bwrap });
  });

  it("a runner started with no bubblewrap (POLARIS_BWRAP=off) runs a shell unfenced, and the shell, the log and /health say so", async () => {
    vi.stubEnv("POLARIS_BWRAP", "off");
    const workRoot = await mkdtemp(path.join(tmpdir(), "polaris-runner-nobwrap-"));
    const logs: string[] = [];
    let runner: Awaited<ReturnType<typeof startRunnerFromCli>> | undefined;
    try {
      runner = await startRunnerFromCli(
        { ...local, convexUrl: h.backend.url, port: 0, workRoot, previewTemplate: "http://{id}.localhost:{port}", idleMs: 60_000 },
        (line) => logs.push(line),
      );
      expect(logs.join("\n")).toMatch(/commands run UNFENCED[\s\S]*UNFENCED: commands run as this user/);
      expect(await (await fetch(`${runner.url}/polaris/runner/health`)).json()).toEqual({ ok: true, sandbox: "none" });
      const { token, projectId } = await newProject("unfenced");
      const socket = await TestSocket.open(runner, { projectId, token });
      expect((await socket.next(isReady)).sandbox).toBe("none");
      socket.send({ t: "open", cols: 80, rows: 24 });
      const term = (await socket.next(isOpened)).opened!;
      socket.send({ t: "input", term, data: "echo \"UN\"\"FENCED-$POLARIS_RUNNER\"; pwd\r" });
      const out = await socket.outputMatching(term, /UNFENCED-1[\s\S]*projects\//);
      // Outside a fence: the working copy at its real path, and the terminal's first line says commands are unfenced.
      expect(out).toContain(path.join(workRoot, "projects", projectId));
      expect(out.indexOf("Unfenced: this runner has no sandbox")).toBeLessThan(out.indexOf("UNFENCED-1"));
      await socket.close();
    } finally {
      vi.unstubAllEnvs();
      await runner?.close();
      await rm(workRoot, { recursive: true, force: true });
    }
  });
});

describe("runner: hot reload in the preview", () => {
  it("a Vite dev server in the project pushes an edit made in Polaris to the preview, through the proxy", async () => {
    // Vite from this repository's node_modules, shown read-only in the fence and linked by the install command:
    // no network needed.
    const nodeModules = path.resolve("node_modules");
    const extra = await startRunnerFor(h.backend, { readOnly: [nodeModules] });
    try {
      const { token, client, projectId } = await newProject("vite-hmr");
      await client.mutation(api.projects.updateSettings, {
        projectId,
        settings: { installCommand: `ln -sfn ${nodeModules} node_modules`, devCommand: "node node_modules/vite/bin/vite.js --port 0 --configLoader native" },
      });
      await client.mutation(api.files.createMany, {
        projectId,
        items: [
          { name: "index.html", content: '<!doctype html><html><body><h1>hmr</h1><script type="module" src="/main.js"></script></body></html>' },
          { name: "main.js", content: 'import "./style.css";\n' },
          { name: "vite.config.mjs", content: 'export default { cacheDir: ".vite-cache", clearScreen: false, server: { host: "127.0.0.1" } };\n' },
        ],
      });
      const style = await client.mutation(api.files.createFile, { projectId, name: "style.css", content: "h1 { color: red; }\n" });
      const socket = await TestSocket.open(extra.runner, { projectId, token });
      await socket.next(isReady);
      socket.send({ t: "run" });
      const running = await socket.next((m) => m.t === "run" && (m.run.status === "running" || m.run.status === "failed"));
      if (running.t !== "run" || running.run.status !== "running") throw new Error(`${JSON.stringify(running)}\n${socket.output.get("run")}`);
      const previewHost = new URL(running.run.previewUrl!).host;
      const get = async (p: string) => {
        const { request } = await import("node:http");
        return new Promise<string>((resolve, reject) => {
          const req = request({ host: "127.0.0.1", port: extra.runner.port, path: p, headers: { host: previewHost, accept: "*/*" } }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString("utf8")));
            res.on("end", () => resolve(body));
          });
          req.on("error", reject);
          req.end();
        });
      };
      // What the preview's page loads: the page, Vite's client (with its socket token), the modules.
      expect(await get("/")).toContain("/@vite/client");
      const token2 = /const wsToken = "([^"]+)"/.exec(await get("/@vite/client"))?.[1];
      expect(token2).toBeTruthy();
      expect(await get("/main.js")).toContain("style.css");
      expect(await get("/style.css")).toContain("color: red");

      // The preview's hot-reload socket, through the runner's proxy on the preview's own host.
      const { default: WebSocket } = await import("ws");
      const hmr = new WebSocket(`ws://127.0.0.1:${extra.runner.port}/?token=${token2}`, "vite-hmr", { headers: { host: previewHost } });
      const payloads: Array<{ type: string; updates?: Array<{ path: string; timestamp: number }> }> = [];
      let wake = () => {};
      hmr.on("message", (raw: Buffer) => {
        payloads.push(JSON.parse(raw.toString("utf8")) as (typeof payloads)[number]);
        wake();
      });
      const until = async (check: () => boolean) => {
        while (!check()) await new Promise<void>((resolve) => (wake = resolve));
      };
      await until(() => payloads.some((p) => p.type === "connected"));

      // An edit in Polaris reaches the disk, Vite sees it and tells the preview to swap the stylesheet.
      await client.mutation(api.files.updateContent, { fileId: style, content: "h1 { color: blue; }\n" });
      await until(() => payloads.some((p) => p.type === "update" && p.updates?.some((u) => u.path === "/style.css") === true));
      // What the page then fetches (the path with the update's timestamp) is the new stylesheet.
      const update = payloads.flatMap((p) => p.updates ?? []).find((u) => u.path === "/style.css")!;
      expect(await get(`/style.css?t=${update.timestamp}`)).toContain("color: blue");
      hmr.close();
      socket.send({ t: "stop" });
      await socket.close();
    } finally {
      await extra.stop();
    }
  }, 120_000);
});
