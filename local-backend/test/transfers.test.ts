import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConvexClient } from "convex/browser";
import { unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFunctionName } from "convex/server";
import { convexToJson, jsonToConvex } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { TRANSFER_DEAD_AFTER_MS } from "../../convex/model/transfers";
import type { EngineImpl } from "../src/engine/engine.js";
import type { Id } from "../../convex/_generated/dataModel";
import { git, startGitServer, type GitServer } from "../../tests/git/gitServer";
import { startTransferHookServer } from "../../tests/git/transferHook";
import { listed } from "../../tests/listing";
import { PROJECT_CONVEX_DIR, startTestBackend, waitFor, type TestBackend } from "./helpers/backend";
import { uploadSha256 } from "../../convex/lib/uploadHash";

// Import and export end to end: the real local backend runs convex/ (the transfer action with isomorphic-git), a
// real Git smart-HTTP server (git http-backend) serves the repositories, and the git binary checks the results.

let server: GitServer;
let backend: TestBackend;
let client: ConvexClient;
let work: string;
/** Every line the backend logged (function logs included): checked for secrets. */
const backendLogs: string[] = [];

beforeAll(async () => {
  server = await startGitServer();
  backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, log: (line) => backendLogs.push(line) });
  await backend.engine.setEnv("POLARIS_GIT_ALLOW_PRIVATE_NETWORK", "1");
  const { token } = await backend.signIn("gitter");
  client = backend.client({ token });
  work = mkdtempSync(path.join(tmpdir(), "polaris-transfers-"));
}, 60_000);

afterAll(async () => {
  await backend?.stop();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 255, 0, 1, 2]);

/** A bare repository `name` on the server whose default branch is `trunk`, with nested folders and a binary. */
function makeRepo(name: string): string {
  const bare = path.join(server.root, name);
  git(server.root, "init", "--bare", "-q", "-b", "trunk", bare);
  const src = path.join(work, `${name}-src`);
  mkdirSync(path.join(src, "src", "lib", "deep"), { recursive: true });
  mkdirSync(path.join(src, "assets"), { recursive: true });
  writeFileSync(path.join(src, "README.md"), "# Demo\n");
  writeFileSync(path.join(src, "src", "main.ts"), "export const answer = 42;\r\n");
  writeFileSync(path.join(src, "src", "lib", "deep", "util.ts"), "\uFEFFexport function id<T>(x: T) { return x; }\n");
  writeFileSync(path.join(src, "assets", "logo.png"), PNG);
  writeFileSync(path.join(src, "big.txt"), "x".repeat(1_100_000));
  git(src, "init", "-q", "-b", "trunk");
  git(src, "add", ".");
  git(src, "commit", "-q", "-m", "initial");
  git(src, "push", "-q", bare, "trunk");
  return src;
}

async function newProject(name: string): Promise<Id<"projects">> {
  return client.mutation(api.projects.create, { name });
}

type Status = Awaited<ReturnType<ConvexClient["query"]>>;

function settledTransfer(projectId: Id<"projects">, kind: "import" | "export") {
  return waitFor<Status>(
    (cb, onError) => client.onUpdate(api.transfers.status, { projectId }, cb, onError),
    (s: { import: { status: string } | null; export: { status: string } | null }) => s[kind] !== null && s[kind]?.status !== "running",
    60_000,
  ) as Promise<{ import: { status: string; message?: string; done: number; total: number } | null; export: { status: string; message?: string } | null; remote: { url: string; branch: string; commit: string } | null }>;
}

/** Every file of the project: path → bytes (text encoded as UTF-8, stored files fetched from storage). */
async function projectFiles(projectId: Id<"projects">): Promise<Map<string, Uint8Array>> {
  const tree = await listed(client, projectId);
  const byId = new Map(tree.map((f) => [f._id, f]));
  const pathOf = (id: Id<"files">): string => {
    const f = byId.get(id)!;
    return f.parentId === undefined ? f.name : `${pathOf(f.parentId)}/${f.name}`;
  };
  const out = new Map<string, Uint8Array>();
  for (const f of tree) {
    if (f.type !== "file") continue;
    const file = await client.query(api.files.get, { fileId: f._id });
    out.set(pathOf(f._id), file.url !== undefined ? new Uint8Array(await (await fetch(file.url)).arrayBuffer()) : new TextEncoder().encode(file.content ?? ""));
  }
  return out;
}

function diskFiles(dir: string, prefix = ""): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const list = execFileSync("git", ["ls-files"], { cwd: dir, encoding: "utf8" }).split("\n").filter(Boolean);
  for (const rel of list) out.set(prefix + rel, new Uint8Array(readFileSync(path.join(dir, rel))));
  return out;
}

function expectSameFiles(actual: Map<string, Uint8Array>, expected: Map<string, Uint8Array>) {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [p, bytes] of expected) expect(Buffer.from(actual.get(p)!).equals(Buffer.from(bytes)), p).toBe(true);
}

describe("Git import", () => {
  it("imports the remote's default branch (not main) with nested folders, binaries and large text, byte for byte", async () => {
    const src = makeRepo("demo.git");
    const projectId = await newProject("From git");
    await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("demo.git") });
    const status = await settledTransfer(projectId, "import");
    expect(status.import?.status, status.import?.message).toBe("completed");
    expect(status.import?.done).toBe(5);
    expect(status.remote?.branch).toBe("trunk");
    expect(status.remote?.commit).toBe(git(src, "rev-parse", "HEAD").trim());
    expectSameFiles(await projectFiles(projectId), diskFiles(src));
    const project = await client.query(api.projects.get, { projectId });
    expect(project.importStatus).toBe("completed");
    const tree = await listed(client, projectId);
    expect(tree.find((f) => f.name === "logo.png")?.isBinary).toBe(true);
    expect(tree.find((f) => f.name === "main.ts")).toEqual(expect.objectContaining({ type: "file" }));
    expect(tree.find((f) => f.name === "main.ts")!.isBinary).toBeUndefined();
  }, 60_000);

  it("imports a lightweight tag, an annotated tag and refs/tags/…, each at the commit it points to, unlinked", async () => {
    const src = makeRepo("tagged.git");
    const bare = path.join(server.root, "tagged.git");
    git(src, "tag", "v1");
    const v1 = git(src, "rev-parse", "HEAD").trim();
    writeFileSync(path.join(src, "README.md"), "# Demo 2\n");
    git(src, "commit", "-q", "-am", "second");
    git(src, "tag", "-a", "v2", "-m", "release 2");
    const v2 = git(src, "rev-parse", "HEAD").trim();
    writeFileSync(path.join(src, "README.md"), "# Demo 3\n");
    git(src, "commit", "-q", "-am", "third");
    git(src, "push", "-q", bare, "trunk", "v1", "v2");
    for (const [ref, commit, readme] of [["v1", v1, "# Demo\n"], ["v2", v2, "# Demo 2\n"], ["refs/tags/v1", v1, "# Demo\n"]] as const) {
      const projectId = await newProject(`Tag ${ref}`);
      await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("tagged.git"), ref });
      const status = await settledTransfer(projectId, "import");
      expect(status.import?.status, `${ref}: ${status.import?.message}`).toBe("completed");
      expect(status.import?.message, ref).toContain(`from tag ${ref.replace("refs/tags/", "")} at ${commit.slice(0, 7)}`);
      // A tag is no branch to export onto: the project is not linked to the remote.
      expect(status.remote, ref).toBeNull();
      const files = await projectFiles(projectId);
      expect(new TextDecoder().decode(files.get("README.md")), ref).toBe(readme);
      expect(files.size, ref).toBe(5);
    }
  }, 120_000);

  it("fails with a readable reason for a missing repository and a missing branch, leaving the project empty", async () => {
    const projectId = await newProject("Missing");
    await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("nope.git") });
    let status = await settledTransfer(projectId, "import");
    expect(status.import?.status).toBe("failed");
    expect(status.import?.message).toMatch(/No Git repository was found/);
    await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("demo.git"), ref: "no-such-branch" });
    status = await settledTransfer(projectId, "import");
    expect(status.import?.status).toBe("failed");
    expect(status.import?.message).toMatch(/no-such-branch/);
    expect(await listed(client, projectId)).toEqual([]);
    expect((await client.query(api.projects.get, { projectId })).importStatus).toBe("failed");
  }, 60_000);

  it("asks for a token when the host does, uses the saved one, and never returns it", async () => {
    server.auth = { username: "alice", password: "s3cret-token" };
    try {
      const projectId = await newProject("Private");
      await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("demo.git") });
      let status = await settledTransfer(projectId, "import");
      expect(status.import?.message).toMatch(/asks for authentication.*Credentials/);
      await client.mutation(api.credentials.save, { host: server.url, username: "alice", token: "wrong-token" });
      await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("demo.git") });
      status = await settledTransfer(projectId, "import");
      expect(status.import?.message).toMatch(/refused the token saved for it \(HTTP 401\)/);
      expect(status.import?.message).not.toContain("wrong-token");
      await client.mutation(api.credentials.save, { host: server.url, username: "alice", token: "s3cret-token" });
      const listed = await client.query(api.credentials.list, {});
      expect(JSON.stringify(listed)).not.toContain("s3cret-token");
      expect(listed.map((c) => c.host)).toEqual([new URL(server.url).host]);
      await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("demo.git") });
      status = await settledTransfer(projectId, "import");
      expect(status.import?.status, status.import?.message).toBe("completed");
      expect(JSON.stringify(status)).not.toContain("s3cret-token");
      await client.mutation(api.credentials.remove, { credentialId: listed[0]._id });
      expect(await client.query(api.credentials.list, {})).toEqual([]);
    } finally {
      server.auth = null;
    }
  }, 60_000);

  it("refuses URLs with credentials in them and imports into a project that has files", async () => {
    const projectId = await newProject("Busy");
    await expect(client.mutation(api.transfers.importGit, { projectId, url: "https://user:tok@example.com/x.git" })).rejects.toThrow(/Credentials/);
    await client.mutation(api.files.createFile, { projectId, name: "a.txt" });
    await expect(client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("demo.git") })).rejects.toThrow(/already has files/);
  });
});

async function uploadZip(bytes: Uint8Array, projectId: Id<"projects">): Promise<Id<"_storage">> {
  const uploadUrl = await client.mutation(api.files.generateUploadUrl, { projectId, sha256: await uploadSha256(bytes) });
  const res = await fetch(uploadUrl, { method: "POST", headers: { "Content-Type": "application/zip" }, body: new Uint8Array(bytes) });
  return ((await res.json()) as { storageId: Id<"_storage"> }).storageId;
}

async function importZip(bytes: Uint8Array, name = "upload.zip") {
  const projectId = await newProject(name);
  const storageId = await uploadZip(bytes, projectId);
  await client.mutation(api.transfers.importZip, { projectId, storageId, fileName: name });
  return { projectId, status: await settledTransfer(projectId, "import") };
}

describe("ZIP import", () => {
  it("imports nested folders, text and binaries byte for byte", async () => {
    const enc = new TextEncoder();
    const zip = zipSync({
      "README.md": enc.encode("# Zipped\n"),
      "src/": new Uint8Array(0),
      "src/a/b/c.ts": enc.encode("export {};\r\n"),
      "img/logo.png": PNG,
      "empty/": new Uint8Array(0),
      ".git/config": enc.encode("[core]\n"),
      "__MACOSX/._README.md": enc.encode("junk"),
    });
    const { projectId, status } = await importZip(zip);
    expect(status.import?.status, status.import?.message).toBe("completed");
    const files = await projectFiles(projectId);
    expectSameFiles(files, new Map([
      ["README.md", enc.encode("# Zipped\n")],
      ["src/a/b/c.ts", enc.encode("export {};\r\n")],
      ["img/logo.png", PNG],
    ]));
    const tree = await listed(client, projectId);
    expect(tree.some((f) => f.name === "empty" && f.type === "folder")).toBe(true);
  }, 60_000);

  it("imports an archive of one folder (GitHub's Download ZIP) from inside it, and says so", async () => {
    const enc = new TextEncoder();
    const zip = zipSync({ "app-main/": new Uint8Array(0), "app-main/package.json": enc.encode("{}\n"), "app-main/src/index.js": enc.encode("1\n") });
    const { projectId, status } = await importZip(zip, "app-main.zip");
    expect(status.import?.status, status.import?.message).toBe("completed");
    expect(status.import?.message).toMatch(/Imported 2 files from the archive's folder app-main\//);
    expectSameFiles(await projectFiles(projectId), new Map([
      ["package.json", enc.encode("{}\n")],
      ["src/index.js", enc.encode("1\n")],
    ]));
    expect((await listed(client, projectId)).some((f) => f.name === "app-main")).toBe(false);
  }, 60_000);

  const hostile: [string, () => Uint8Array, RegExp][] = [
    ["a ../ entry", () => zipSync({ "ok.txt": new Uint8Array([1]), "../evil.txt": new Uint8Array([1]) }), /Entry 2 \("\.\.\/evil\.txt"\).*"\.\."/],
    ["an absolute path", () => zipSync({ "/etc/passwd": new Uint8Array([1]) }), /absolute path/],
    ["a symbolic link", () => zipSync({ "ok.txt": new Uint8Array([1]), link: [new TextEncoder().encode("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }] }), /"link".*symbolic link/],
    ["a file over the size limit", () => zipSync({ "huge.bin": new Uint8Array(33 * 1024 * 1024) }), /huge\.bin.*too large/],
    ["a zip bomb that lies about its size", () => {
      const zip = zipSync({ "bomb.txt": new Uint8Array(1024 * 1024) });
      const view = new DataView(zip.buffer);
      // Patch the central directory's uncompressed size to 100 bytes.
      for (let i = zip.length - 22; i >= 0; i--) if (view.getUint32(i, true) === 0x02014b50) { view.setUint32(i + 24, 100, true); break; }
      return zip;
    }, /bomb\.txt.*inflates past its declared size/],
    ["corrupt data", () => {
      const zip = zipSync({ "data.txt": new TextEncoder().encode("hello hello hello hello") }, { level: 0 });
      zip[30 + "data.txt".length + 2] ^= 0xff;
      return zip;
    }, /data\.txt.*(checksum|corrupt)/],
    ["not a ZIP", () => new TextEncoder().encode("just some text, no archive"), /not a ZIP archive/],
    ["a name twice", () => {
      const zip = zipSync({ "a.txt": new Uint8Array([1]), "b.txt": new Uint8Array([2]) });
      // Rename b.txt to a.txt in both headers.
      for (let i = 0; i < zip.length - 5; i++) if (zip[i] === 0x62 && zip[i + 1] === 0x2e && zip[i + 2] === 0x74) zip[i] = 0x61;
      return zip;
    }, /"a\.txt" appears twice/],
    // The tree keys names by nameKey: these used to pass the check and fail part way through the writes.
    ["two names that differ only in case", () => zipSync({ "README.md": new Uint8Array([1]), "readme.md": new Uint8Array([2]) }),
      /Entry 2 \("readme\.md"\) is refused because "readme\.md" differs from "README\.md" of entry 1 \("README\.md"\) only in upper and lower case/],
    ["two folders that differ only in case", () => zipSync({ "Src/a.txt": new Uint8Array([1]), "src/b.txt": new Uint8Array([2]) }),
      /Entry 2 \("src\/b\.txt"\) is refused because "src" differs from "Src" of entry 1 \("Src\/a\.txt"\)/],
    ["an empty segment", () => zipSync({ "a//b.txt": new Uint8Array([1]) }), /Entry 1 \("a\/\/b\.txt"\) is refused because it has an empty or "\." segment/],
    ["a name Polaris refuses", () => zipSync({ "ok.txt": new Uint8Array([1]), "dir/trailing.": new Uint8Array([1]) }), /Entry 2 \("dir\/trailing\."\).*"trailing\." is not a name Polaris accepts: A name cannot end with a dot/],
    ["a path that is both a file and a folder", () => zipSync({ "x": new Uint8Array([1]), "x/y.txt": new Uint8Array([2]) }), /Entry 2 \("x\/y\.txt"\) is refused because "x" is both a file and a folder/],
  ];
  for (const [what, make, reason] of hostile) {
    it(`refuses ${what} with a clear error and writes nothing`, async () => {
      const { projectId, status } = await importZip(make());
      expect(status.import?.status).toBe("failed");
      expect(status.import?.message).toMatch(reason);
      expect(status.import?.message).toMatch(/Nothing was kept/);
      expect(await listed(client, projectId)).toEqual([]);
    }, 60_000);
  }
});

describe("Git export", () => {
  it("pushes the project, then one commit with exactly the edits, renames and deletes; refuses a remote that moved on", async () => {
    const bare = path.join(server.root, "out.git");
    git(server.root, "init", "--bare", "-q", "-b", "main", bare);
    const enc = new TextEncoder();
    const { projectId } = await importZip(zipSync({ "README.md": enc.encode("# Out\n"), "src/keep.ts": enc.encode("keep\n"), "src/old.ts": enc.encode("rename me, I am long enough to be detected as a rename\n"), "gone.txt": enc.encode("bye\n"), "img/logo.png": PNG }), "export.zip");
    await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl("out.git") });
    let status = await settledTransfer(projectId, "export");
    expect(status.export?.status, status.export?.message).toBe("completed");
    const clone1 = path.join(work, "clone1");
    // The git binary reads the bare repository from disk: a synchronous HTTP clone would block this process,
    // which also serves the HTTP side.
    git(work, "clone", "-q", bare, clone1);
    expectSameFiles(diskFiles(clone1), await projectFiles(projectId));
    expect((await client.query(api.projects.get, { projectId })).exportRepoUrl).toBe(server.repoUrl("out.git"));

    // Edit, rename, delete; export again: one commit with exactly those changes.
    const tree = await listed(client, projectId);
    const id = (name: string) => tree.find((f) => f.name === name)!._id;
    await client.mutation(api.files.updateContent, { fileId: id("keep.ts"), content: "kept and changed\n" });
    await client.mutation(api.files.rename, { fileId: id("old.ts"), name: "new.ts" });
    await client.mutation(api.files.remove, { fileId: id("gone.txt") });
    await client.mutation(api.transfers.exportGit, { projectId });
    status = await settledTransfer(projectId, "export");
    expect(status.export?.status, status.export?.message).toBe("completed");
    git(clone1, "pull", "-q");
    expect(git(clone1, "rev-list", "--count", "HEAD").trim()).toBe("2");
    expect(git(clone1, "diff", "--name-status", "-M", "HEAD~1", "HEAD").trim().split("\n").sort()).toEqual(
      ["D\tgone.txt", "M\tsrc/keep.ts", "R100\tsrc/old.ts\tsrc/new.ts"],
    );
    expectSameFiles(diskFiles(clone1), await projectFiles(projectId));

    // Someone else pushes; the next export is refused and the remote keeps their commit.
    writeFileSync(path.join(clone1, "theirs.txt"), "theirs\n");
    git(clone1, "add", ".");
    git(clone1, "commit", "-q", "-m", "theirs");
    git(clone1, "push", "-q");
    const theirs = git(clone1, "rev-parse", "HEAD").trim();
    await client.mutation(api.files.updateContent, { fileId: id("keep.ts"), content: "mine\n" });
    await client.mutation(api.transfers.exportGit, { projectId });
    status = await settledTransfer(projectId, "export");
    expect(status.export?.status).toBe("failed");
    expect(status.export?.message).toMatch(/moved on.*Nothing was pushed/);
    expect(git(bare, "rev-parse", "main").trim()).toBe(theirs);
  }, 120_000);
});

describe("Git export to a remote that requires credentials", () => {
  it("fails readably without a token or with a wrong one (never showing or logging it), and lands the commit with the right one", async () => {
    const bare = path.join(server.root, "private-out.git");
    git(server.root, "init", "--bare", "-q", "-b", "main", bare);
    const { projectId } = await importZip(zipSync({ "a.txt": new TextEncoder().encode("private\n"), "img/logo.png": PNG }), "private.zip");
    const host = new URL(server.url).host;
    const pushes = () => server.requests.filter((r) => r.line.startsWith("POST /private-out.git/git-receive-pack"));
    server.auth = { username: "alice", password: "right-s3cret" };
    try {
      // No token saved for the host: the remote's 401 becomes "asks for authentication", naming the host.
      await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl("private-out.git") });
      let status = await settledTransfer(projectId, "export");
      expect(status.export?.status).toBe("failed");
      expect(status.export?.message).toMatch(new RegExp(`${host.replace(/\./g, "\\.")} asks for authentication \\(HTTP 401\\)\\. Add a token`));

      // A wrong token: refused, said so, and the token appears neither in the status nor in the backend's logs.
      await client.mutation(api.credentials.save, { host: server.url, username: "alice", token: "wrong-s3cret" });
      await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl("private-out.git") });
      status = await settledTransfer(projectId, "export");
      expect(status.export?.status).toBe("failed");
      expect(status.export?.message).toMatch(/refused the token saved for it \(HTTP 401\)/);
      expect(JSON.stringify(status)).not.toContain("wrong-s3cret");
      expect(git(bare, "for-each-ref").trim()).toBe("");
      expect(pushes()).toEqual([]);

      // The right token (saving again replaces it): the commit lands, as the git binary sees on the bare repository.
      await client.mutation(api.credentials.save, { host: server.url, username: "alice", token: "right-s3cret" });
      await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl("private-out.git") });
      status = await settledTransfer(projectId, "export");
      expect(status.export?.status, status.export?.message).toBe("completed");
      expect(pushes()).toEqual([{ line: "POST /private-out.git/git-receive-pack", authorized: true }]);
      expect(git(bare, "rev-parse", "main").trim()).toBe(status.remote?.commit);
      expect(git(bare, "ls-tree", "-r", "--name-only", "main").trim().split("\n")).toEqual(["a.txt", "img/logo.png"]);
      expect(git(bare, "show", "main:a.txt")).toBe("private\n");
      const everything = JSON.stringify([status, await client.query(api.credentials.list, {}), await client.query(api.projects.get, { projectId })]);
      for (const secret of ["right-s3cret", "wrong-s3cret"]) {
        expect(everything).not.toContain(secret);
        expect(backendLogs.filter((line) => line.includes(secret))).toEqual([]);
      }
    } finally {
      server.auth = null;
      for (const c of await client.query(api.credentials.list, {})) await client.mutation(api.credentials.remove, { credentialId: c._id });
    }
  }, 60_000);
});

describe("ZIP download built on the server (large projects)", () => {
  type ZipStatus = { zip: { view: { status: string; message?: string } | null; url?: string } | null };
  const settledZip = (projectId: Id<"projects">) =>
    waitFor<ZipStatus>(
      (cb, onError) => client.onUpdate(api.transfers.status, { projectId }, cb, onError),
      (s) => s.zip?.view !== null && s.zip?.view !== undefined && s.zip.view.status !== "running",
      60_000,
    );

  it("zips the whole project into storage byte for byte (binaries, stored text, CRLF, empty folders); a new ZIP replaces the old", async () => {
    const enc = new TextEncoder();
    const noise = Uint8Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
    const entries: Record<string, Uint8Array> = {
      "README.md": enc.encode("# Server zip\n"),
      "src/a/b.ts": enc.encode("\uFEFFexport {};\r\n"),
      "img/logo.png": PNG,
      "data/noise.bin": noise,
      "big.txt": enc.encode("y".repeat(1_100_000)),
      "empty/": new Uint8Array(0),
    };
    const { projectId } = await importZip(zipSync(entries), "server-zip.zip");
    await client.mutation(api.transfers.zipProject, { projectId });
    const first = await settledZip(projectId);
    expect(first.zip?.view?.status, first.zip?.view?.message).toBe("completed");
    // The project is named after the archive it was imported from ("server-zip.zip"); its ZIP adds ".zip".
    expect(first.zip?.view?.message).toBe("server-zip.zip.zip is ready: 5 files.");
    const archive = unzipSync(new Uint8Array(await (await fetch(first.zip!.url!)).arrayBuffer()));
    const files = new Map(Object.entries(archive).filter(([name]) => !name.endsWith("/")));
    expectSameFiles(files, await projectFiles(projectId));
    expectSameFiles(files, new Map(Object.entries(entries).filter(([name]) => !name.endsWith("/"))));
    expect(Object.keys(archive).filter((name) => name.endsWith("/")).sort()).toEqual(["data/", "empty/", "img/", "src/", "src/a/"]);

    // Edited and zipped again: the new archive has the edit, and the old one is gone from storage.
    const readme = (await listed(client, projectId)).find((f) => f.name === "README.md")!;
    await client.mutation(api.files.updateContent, { fileId: readme._id, content: "changed\n" });
    await client.mutation(api.transfers.zipProject, { projectId });
    const second = await waitFor<ZipStatus>(
      (cb, onError) => client.onUpdate(api.transfers.status, { projectId }, cb, onError),
      (s) => s.zip?.view?.status === "completed" && s.zip.url !== first.zip!.url,
      60_000,
    );
    expect(new TextDecoder().decode(unzipSync(new Uint8Array(await (await fetch(second.zip!.url!)).arrayBuffer()))["README.md"])).toBe("changed\n");
    expect((await fetch(first.zip!.url!)).status).toBe(404);
  }, 60_000);

  it("is refused for a project that is not the caller's, saying nothing about it", async () => {
    const { projectId } = await importZip(zipSync({ "a.txt": new TextEncoder().encode("a") }), "mine.zip");
    const { token } = await backend.signIn("someone-else");
    const other = backend.client({ token });
    await expect(other.mutation(api.transfers.zipProject, { projectId })).rejects.toThrow(/NOT_FOUND/);
    await expect(other.query(api.transfers.status, { projectId })).rejects.toThrow(/NOT_FOUND/);
  }, 60_000);
});

describe("Transient network failures", () => {
  it("repeats a read that met a dropped connection or a 503, and gives up with a clear error after three attempts", async () => {
    const src = makeRepo("flaky.git");
    const count = (line: string) => server.requests.filter((r) => r.line === line).length;
    const refs = "GET /flaky.git/info/refs?service=git-upload-pack";
    const before = count(refs);
    server.failNext(/^GET \/flaky\.git\/info\/refs/, 1, "reset");
    server.failNext(/^POST \/flaky\.git\/git-upload-pack/, 2, 503);
    const projectId = await newProject("Flaky");
    await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("flaky.git") });
    let status = await settledTransfer(projectId, "import");
    expect(status.import?.status, status.import?.message).toBe("completed");
    expectSameFiles(await projectFiles(projectId), diskFiles(src));
    expect(count(refs) - before).toBe(2);

    const other = await newProject("Down");
    server.failNext(/^GET \/flaky\.git\/info\/refs/, 3, 503);
    const failedBefore = count(refs);
    await client.mutation(api.transfers.importGit, { projectId: other, url: server.repoUrl("flaky.git") });
    status = await settledTransfer(other, "import");
    expect(status.import?.status).toBe("failed");
    expect(status.import?.message).toMatch(/^Gave up after 3 attempts: 127\.0\.0\.1:\d+ answered HTTP 503\. .*try again later/);
    expect(count(refs) - failedBefore).toBe(3);
    expect(await listed(client, other)).toEqual([]);
  }, 60_000);
});

describe("Import into a new project (the dashboard's Import project…)", () => {
  it("creates the project and starts the import in one step, named after the repository; a bad source creates nothing", async () => {
    const src = makeRepo("fresh.git");
    git(src, "checkout", "-q", "-b", "feature");
    writeFileSync(path.join(src, "feature.txt"), "only on feature\n");
    git(src, "add", ".");
    git(src, "commit", "-q", "-m", "feature");
    git(src, "push", "-q", path.join(server.root, "fresh.git"), "feature");
    const before = await client.query(api.projects.list, {});
    const projectId = await client.mutation(api.transfers.importProject, { source: { kind: "git", url: server.repoUrl("fresh.git"), ref: "feature" } });
    expect((await client.query(api.projects.get, { projectId })).name).toBe("fresh");
    const status = await settledTransfer(projectId, "import");
    expect(status.import?.status, status.import?.message).toBe("completed");
    expect(status.remote?.branch).toBe("feature");
    expectSameFiles(await projectFiles(projectId), diskFiles(src));

    await expect(client.mutation(api.transfers.importProject, { name: "x", source: { kind: "git", url: "ftp://example.com/x.git" } })).rejects.toThrow(/Only http/);
    const archive = zipSync({ "a.txt": new TextEncoder().encode("a") });
    const other = await client.mutation(api.transfers.archiveUploadUrl, { sha256: await uploadSha256(archive) });
    const res = await fetch(other, { method: "POST", headers: { "Content-Type": "application/zip" }, body: new Uint8Array(archive) });
    const { storageId } = (await res.json()) as { storageId: Id<"_storage"> };
    const zipped = await client.mutation(api.transfers.importProject, { name: "From zip", source: { kind: "zip", storageId, fileName: "a.zip" } });
    expect((await settledTransfer(zipped, "import")).import?.status).toBe("completed");
    // The archive is deleted once imported: naming it again creates nothing.
    await expect(client.mutation(api.transfers.importProject, { source: { kind: "zip", storageId, fileName: "a.zip" } })).rejects.toThrow(/archive was not found/);
    expect((await client.query(api.projects.list, {})).length).toBe(before.length + 2);
  }, 60_000);
});

/**
 * Cancels the project's import, held at some step, lets the step go on, and checks what every cancelled import
 * ends with: status cancelled, a message saying nothing was kept, and an empty project.
 */
async function cancelImport(projectId: Id<"projects">, held: { release(): void }) {
  expect(await client.mutation(api.transfers.cancel, { projectId, kind: "import" })).toBe(true);
  held.release();
  const status = await settledTransfer(projectId, "import");
  expect(status.import?.status).toBe("cancelled");
  expect(status.import?.message).toMatch(/cancelled.*Nothing was kept/);
  expect(await listed(client, projectId)).toEqual([]);
  return status;
}

describe("Cancel", () => {
  // The Git server holds the transfer's request until the test has cancelled: no sleeps, no races.
  it("cancels an import while it clones: status cancelled, nothing kept, and a retry starts clean", async () => {
    const src = makeRepo("cancel-in.git");
    const projectId = await newProject("Cancel import");
    const held = server.holdNext(/^POST \/cancel-in\.git\/git-upload-pack/);
    await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("cancel-in.git") });
    await held.arrived;
    let status = await cancelImport(projectId, held);
    expect(status.remote).toBeNull();

    await client.mutation(api.transfers.importGit, { projectId, url: server.repoUrl("cancel-in.git") });
    status = await settledTransfer(projectId, "import");
    expect(status.import?.status, status.import?.message).toBe("completed");
    expectSameFiles(await projectFiles(projectId), diskFiles(src));
  }, 60_000);

  /** 80 folders of one file each and a stored binary: the files take more than one batch (60 folder groups each). */
  function batchedZip() {
    const enc = new TextEncoder();
    const entries: Record<string, Uint8Array> = { "img/logo.png": PNG };
    for (let i = 0; i < 80; i++) entries[`d${i}/f.txt`] = enc.encode(`file ${i}\n`);
    return { entries, zip: zipSync(entries) };
  }

  it("cancels an import while it writes batches: status cancelled, nothing half-written, and a retry starts clean", async () => {
    const { entries, zip } = batchedZip();
    const hooks = await startTransferHookServer();
    await backend.engine.setEnv("POLARIS_TRANSFER_HOOK_URL", hooks.url);
    try {
      const projectId = await newProject("Cancel batches");
      // Held right after the first batch of files is written: some files are in the project, most are not.
      const held = hooks.holdNext((step) => step.source === "batches.zip" && step.done > 0 && step.done < step.total);
      await client.mutation(api.transfers.importZip, { projectId, storageId: await uploadZip(zip, projectId), fileName: "batches.zip" });
      const step = await held.arrived;
      expect(step.total).toBe(81);
      const written = await listed(client, projectId);
      expect(written.filter((f) => f.type === "file").length).toBe(step.done);
      let status = await cancelImport(projectId, held);
      expect((await client.query(api.projects.get, { projectId })).importStatus).toBe("failed");
      // No further batch was written after the cancel.
      expect(hooks.steps.filter((s) => s.source === "batches.zip" && s.step === "batch written").at(-1)).toEqual(step);

      await client.mutation(api.transfers.importZip, { projectId, storageId: await uploadZip(zip, projectId), fileName: "batches.zip" });
      status = await settledTransfer(projectId, "import");
      expect(status.import?.status, status.import?.message).toBe("completed");
      expectSameFiles(await projectFiles(projectId), new Map(Object.entries(entries)));
    } finally {
      await backend.engine.setEnv("POLARIS_TRANSFER_HOOK_URL", null);
      await hooks.close();
    }
  }, 60_000);

  it("ends an import whose action died: the sweep fails it with a reason, removes what it wrote, and a retry starts clean", async () => {
    const { entries, zip } = batchedZip();
    const sweep = async (now: number) => {
      const result = await backend.engine.runAdmin("mutation", getFunctionName(internal.transfers.sweepDead), convexToJson({ now, chain: false }));
      if (!result.ok) throw new Error(result.error);
      return jsonToConvex(result.value) as { ended: number; done: boolean };
    };
    const hooks = await startTransferHookServer();
    await backend.engine.setEnv("POLARIS_TRANSFER_HOOK_URL", hooks.url);
    try {
      const projectId = await newProject("Dead import");
      // The action is held after its first batch: to the database it looks like one that died there.
      const held = hooks.holdNext((step) => step.source === "dead.zip" && step.done > 0 && step.done < step.total);
      await client.mutation(api.transfers.importZip, { projectId, storageId: await uploadZip(zip, projectId), fileName: "dead.zip" });
      const step = await held.arrived;
      expect((await listed(client, projectId)).filter((f) => f.type === "file").length).toBe(step.done);
      // Not quiet long enough yet: nothing is ended, and a retry is refused as busy.
      expect(await sweep(Date.now())).toEqual({ ended: 0, done: true });
      await expect(client.mutation(api.transfers.importZip, { projectId, storageId: await uploadZip(zip, projectId), fileName: "dead.zip" })).rejects.toThrow(/already running/);

      expect(await sweep(Date.now() + TRANSFER_DEAD_AFTER_MS + 1)).toEqual({ ended: 1, done: true });
      const status = await settledTransfer(projectId, "import");
      expect(status.import?.status).toBe("failed");
      expect(status.import?.message).toBe("The import stopped unexpectedly; nothing was kept — try again.");
      expect(await listed(client, projectId)).toEqual([]);
      expect((await client.query(api.projects.get, { projectId })).importStatus).toBe("failed");
      // The held action, let go, finds its run ended and writes nothing more.
      held.release();
      await (backend.engine as EngineImpl).idle();
      expect(await listed(client, projectId)).toEqual([]);

      await client.mutation(api.transfers.importZip, { projectId, storageId: await uploadZip(zip, projectId), fileName: "dead.zip" });
      const retried = await settledTransfer(projectId, "import");
      expect(retried.import?.status, retried.import?.message).toBe("completed");
      expectSameFiles(await projectFiles(projectId), new Map(Object.entries(entries)));
    } finally {
      await backend.engine.setEnv("POLARIS_TRANSFER_HOOK_URL", null);
      await hooks.close();
    }
  }, 60_000);

  it("cancels an export before the push: status cancelled, nothing pushed, and a retry pushes", async () => {
    const bare = path.join(server.root, "cancel-out.git");
    git(server.root, "init", "--bare", "-q", "-b", "main", bare);
    const { projectId } = await importZip(zipSync({ "a.txt": new TextEncoder().encode("a\n"), "img/logo.png": PNG }), "cancel.zip");
    const held = server.holdNext(/^GET \/cancel-out\.git\/info\/refs\?service=git-receive-pack/);
    await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl("cancel-out.git") });
    await held.arrived;
    expect(await client.mutation(api.transfers.cancel, { projectId, kind: "export" })).toBe(true);
    held.release();
    let status = await settledTransfer(projectId, "export");
    expect(status.export?.status).toBe("cancelled");
    expect(status.export?.message).toMatch(/cancelled.*Nothing was pushed/);
    expect(git(bare, "for-each-ref").trim()).toBe("");
    expect(server.requests.filter((r) => r.line.startsWith("POST /cancel-out.git/git-receive-pack"))).toEqual([]);
    expect((await client.query(api.projects.get, { projectId })).exportStatus).toBe("cancelled");

    await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl("cancel-out.git") });
    status = await settledTransfer(projectId, "export");
    expect(status.export?.status, status.export?.message).toBe("completed");
    expect(git(bare, "ls-tree", "-r", "--name-only", "main").trim().split("\n")).toEqual(["a.txt", "img/logo.png"]);
  }, 60_000);
});

describe("GitHub export", () => {
  it("creates the repository once with the token, pushes, and turns 401, 404 (a repository gone, an unknown organization), 422 and rate limits into readable failures", async () => {
    const { createServer } = await import("node:http");
    const received: { auth: string | undefined; body: { name: string; private: boolean } }[] = [];
    let answer: "create" | 401 | 422 | "rate" = "create";
    const orgRequests: { auth: string | undefined; org: string }[] = [];
    const githubApi = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        // An organization the stand-in does not know is GitHub's 404 for POST /orgs/{org}/repos.
        const org = req.method === "POST" ? /^\/orgs\/([^/]+)\/repos$/.exec(req.url ?? "") : null;
        if (org !== null) {
          orgRequests.push({ auth: req.headers.authorization, org: decodeURIComponent(org[1]) });
          return void res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
        }
        if (req.method !== "POST" || req.url !== "/user/repos") {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(raw) as { name: string; private: boolean };
        received.push({ auth: req.headers.authorization, body });
        if (answer === 401) return void res.writeHead(401).end('{"message":"Bad credentials"}');
        if (answer === 422) return void res.writeHead(422).end('{"message":"name already exists"}');
        if (answer === "rate") return void res.writeHead(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2000000000" }).end("{}");
        git(server.root, "init", "--bare", "-q", "-b", "main", path.join(server.root, `${body.name}.git`));
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ clone_url: server.repoUrl(`${body.name}.git`), html_url: `https://github.example/me/${body.name}` }));
      });
    });
    await new Promise<void>((resolve) => githubApi.listen(0, "127.0.0.1", resolve));
    const apiUrl = `http://127.0.0.1:${(githubApi.address() as { port: number }).port}`;
    await backend.engine.setEnv("POLARIS_GITHUB_API_URL", apiUrl);
    try {
      const { projectId } = await importZip(zipSync({ "a.txt": new TextEncoder().encode("a\n") }), "gh.zip");
      await client.mutation(api.transfers.exportGithub, { projectId, name: "gh-demo" });
      let status = await settledTransfer(projectId, "export");
      expect(status.export?.message).toMatch(/needs a token/);
      await client.mutation(api.credentials.save, { host: apiUrl, token: "gh-token" });

      await client.mutation(api.transfers.exportGithub, { projectId, name: "gh-demo" });
      status = await settledTransfer(projectId, "export");
      expect(status.export?.status, status.export?.message).toBe("completed");
      expect(received).toEqual([{ auth: "Bearer gh-token", body: { name: "gh-demo", private: true, auto_init: false } }]);
      expect((await client.query(api.projects.get, { projectId })).exportRepoUrl).toBe("https://github.example/me/gh-demo");
      expect(git(path.join(server.root, "gh-demo.git"), "ls-tree", "--name-only", "main").trim()).toBe("a.txt");
      // A later export pushes to the same repository: no second repository is created.
      await client.mutation(api.files.createFile, { projectId, name: "b.txt", content: "b\n" });
      await client.mutation(api.transfers.exportGithub, { projectId });
      status = await settledTransfer(projectId, "export");
      expect(status.export?.status, status.export?.message).toBe("completed");
      expect(received).toHaveLength(1);
      expect(git(path.join(server.root, "gh-demo.git"), "rev-list", "--count", "main").trim()).toBe("2");

      // The repository is gone (deleted on GitHub) by the next export: a readable failure, and no new repository.
      rmSync(path.join(server.root, "gh-demo.git"), { recursive: true, force: true });
      await client.mutation(api.files.createFile, { projectId, name: "c.txt", content: "c\n" });
      await client.mutation(api.transfers.exportGithub, { projectId });
      status = await settledTransfer(projectId, "export");
      expect(status.export?.status).toBe("failed");
      expect(status.export?.message).toMatch(/No Git repository was found at .*gh-demo\.git \(HTTP 404\)/);
      expect(status.export?.message).not.toContain("gh-token");
      expect(received).toHaveLength(1);

      for (const [mode, reason] of [[401, /refused the token/], [422, /already exists/], ["rate", /rate limit/]] as const) {
        answer = mode;
        const other = await newProject(`gh-${mode}`);
        await client.mutation(api.transfers.exportGithub, { projectId: other, name: "taken" });
        status = await settledTransfer(other, "export");
        expect(status.export?.status).toBe("failed");
        expect(status.export?.message).toMatch(reason);
        expect(status.export?.message).not.toContain("gh-token");
      }

      // The REST API's own 404: an organization that does not exist (or that the token cannot see).
      const orphan = await newProject("gh-404");
      await client.mutation(api.transfers.exportGithub, { projectId: orphan, name: "lost", owner: "gone-org" });
      status = await settledTransfer(orphan, "export");
      expect(orgRequests).toEqual([{ auth: "Bearer gh-token", org: "gone-org" }]);
      expect(status.export?.status).toBe("failed");
      expect(status.export?.message).toMatch(/GitHub has no organization "gone-org".*\(HTTP 404\)/);
      expect(status.export?.message).not.toContain("gh-token");
      expect((await client.query(api.projects.get, { projectId: orphan })).exportRepoUrl).toBeUndefined();
    } finally {
      await backend.engine.setEnv("POLARIS_GITHUB_API_URL", null);
      await new Promise<void>((resolve) => githubApi.close(() => resolve()));
    }
  }, 120_000);
});
