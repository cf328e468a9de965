import { api } from "../../convex/_generated/api.js";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isError, isOpened, isReady, startHarness, TestSocket, type Harness } from "./harness.js";

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

  it("renews the token through the browser when the Convex client asks, and keeps syncing with the new one", async () => {
    const { token, client, projectId, dir } = await newProject("renewal");
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    const session = h.runner.sessions.get(projectId)!;
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
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    expect(await diskText(path.join(dir, "src/app.js"), "one")).toBe("one");

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

  it("mirrors a project of 1,000 files", async () => {
    const { token, client, projectId, dir } = await newProject("thousand");
    const items = Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}.txt`, content: `file ${i}` }));
    for (let i = 0; i < items.length; i += 250) {
      await client.mutation(api.files.createMany, { projectId, items: items.slice(i, i + 250) });
    }
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    await socket.next((m) => m.t === "sync" && m.sync.status === "synced" && m.sync.entries === 1000);
    // More files than one Convex connection may subscribe to: contents are spread over two.
    expect(h.runner.sessions.get(projectId)!.mirror.connections).toBe(2);
    for (const i of [0, 499, 999]) expect(await readFile(path.join(dir, `f${i}.txt`), "utf8")).toBe(`file ${i}`);
    await socket.close();
    // 1,000 subscriptions and files: seconds on an idle machine, several times that on a loaded one.
  }, 120_000);

  it("runs a shell in a real terminal, fenced: the working copy is writable, nothing else is, the data dir is absent", async () => {
    const { token, client, projectId, dir } = await newProject("shell");
    await client.mutation(api.files.createFile, { projectId, name: "hello.txt", content: "hi from polaris" });
    const socket = await TestSocket.open(h.runner, { projectId, token });
    await socket.next(isReady);
    await diskText(path.join(dir, "hello.txt"), "hi from polaris");
    socket.send({ t: "open", cols: 100, rows: 30 });
    const term = (await socket.next(isOpened)).opened!;
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

    const pid = h.runner.sessions.get(projectId)!;
    socket.send({ t: "stop" });
    await socket.next((m) => m.t === "run" && m.run.status === "stopped", from);
    await vi.waitFor(() => expect(pid.previewPort()).toBeUndefined());
    await socket.close();
  });
});
