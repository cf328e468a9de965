// The dev server's port, read from /proc (runner/src/procTree.ts).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { listeningPorts } from "../src/procTree";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(): Promise<{ server: Server; port: number; fd: number }> {
  const server = createServer();
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: address.port, fd };
}

describe("listeningPorts", () => {
  it("leaves out the runner's own listening sockets, which a child holds between its fork and its exec", async () => {
    // A child the runner just forked holds copies of the runner's sockets (the backend's site, the runner itself)
    // until it execs. Counted as the child's, the lowest, Polaris's own site, was announced as the dev server's
    // port and the preview frame showed Polaris's page, blocked by its frame-ancestors 'self' (issue 9).
    const own = await listen();
    const child = spawn("sleep", ["30"], { stdio: ["ignore", "ignore", "ignore", own.fd] });
    try {
      await once(child, "spawn");
      expect(listeningPorts(child.pid!)).not.toContain(own.port);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("finds a port the child listens on itself", async () => {
    const child = spawn(process.execPath, ["-e", 'require("net").createServer().listen(0, "127.0.0.1", () => console.log("up"))'], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await once(child.stdout, "data");
      expect(listeningPorts(child.pid!)).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
