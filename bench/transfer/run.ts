/// <reference types="node" />
// Import/export benchmark (issue 10): a repository of 1,000 files / 10 MB (nested folders, text and a few binaries)
// on a real Git smart-HTTP server on loopback (`git http-backend`, tests/git/gitServer.ts), and the real local
// backend running convex/ (in this process, as the local-backend tests run it).
// - Import: transfers.importGit until the status says completed. Reference in the same run: `git clone --depth 1`
//   of the same repository with the git binary, plus the time the backend needs to commit the same files through
//   the public write path (files.createMany, folders level by level, then each folder's files in batches).
// - Export: transfers.exportGit of the imported project to an empty repository until completed. Reference in the
//   same run: `git push` of the same tree (the clone above) to another empty repository on the same server.
// - Source read, archive vs clone (whether an import from GitHub should use its archive endpoint): the action's
//   shallow clone with isomorphic-git (cloneRepo, convex/transfer/git.ts) against fetching a ZIP of the same commit
//   from a loopback stand-in of GitHub's zipball endpoint (`git archive --format=zip`, made once before the runs,
//   served from memory) and reading every entry with the import's ZIP reader (convex/lib/zip.ts), in this process.
// Each is run BENCH_RUNS times (default 3); medians and ranges are printed and written into the "Import and export"
// section of docs/benchmarks.md. Not a test: nothing fails on slowness; the target is shown next to the figures.
import { execFile, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConvexClient } from "convex/browser";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { git, startGitServer, type GitServer } from "../../tests/git/gitServer";
import { PROJECT_CONVEX_DIR, startTestBackend, waitFor } from "../../local-backend/test/helpers/backend";
import { updateSection } from "../docs.mjs";
import { machine } from "../machine.js";
import { median } from "../stats.js";
import { uploadSha256 } from "../../convex/lib/uploadHash";
import { listZip, readZipEntry } from "../../convex/lib/zip";
import { MAX_IMPORT_TOTAL_BYTES } from "../../convex/lib/importCheck";
import { cloneRepo } from "../../convex/transfer/git";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FOLDERS = 20;
const FILES_PER_FOLDER = 50;
const BINARIES = 10;
const BINARY_BYTES = 100_000;
const TEXT_BYTES = 9_000;
/** The target: import within 3× of git clone plus the backend's commit of the same files. */
const TARGET_IMPORT = 3;
/** createMany items per call in the reference commit (the action's own batch size, convex/transferRun.ts). */
const REFERENCE_BATCH = 1000;

/** Deterministic pseudo-random bytes (xorshift), so binaries do not compress and every run has the same repo. */
function noise(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Source-like text of about TEXT_BYTES: lines that differ per file, so Git cannot share blobs. */
function text(folder: number, file: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < TEXT_BYTES; i++) {
    const line = `export const value_${folder}_${file}_${i} = ${(folder * 7919 + file * 104729 + i * 31) % 1000003}; // line ${i}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

interface RepoFile {
  path: string;
  bytes: Uint8Array;
}

function repoFiles(): RepoFile[] {
  const files: RepoFile[] = [];
  const encoder = new TextEncoder();
  for (let f = 0; f < FOLDERS; f++) {
    // Two levels: src/group<f % 4>/mod<f>/file<i>.ts
    const dir = `src/group${f % 4}/mod${f}`;
    const count = FILES_PER_FOLDER - (f < BINARIES ? 1 : 0);
    for (let i = 0; i < count; i++) files.push({ path: `${dir}/file${i}.ts`, bytes: encoder.encode(text(f, i)) });
    if (f < BINARIES) files.push({ path: `${dir}/image${f}.bin`, bytes: noise(f + 1, BINARY_BYTES) });
  }
  return files;
}

function writeTree(dir: string, files: RepoFile[]) {
  for (const file of files) {
    mkdirSync(path.join(dir, path.dirname(file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.bytes);
  }
}

/** The git binary, asynchronously: the Git server runs in this process, so a blocking call would wait on itself. */
async function gitAsync(cwd: string, ...args: string[]): Promise<void> {
  await promisify(execFile)("git", args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: cwd } });
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

type Status = {
  import: { status: string; message?: string; phase?: string } | null;
  export: { status: string; message?: string; phase?: string } | null;
};

/**
 * Where an import spends its time: the moment the transfer's phase first reads "writing" (the clone and the check
 * are done, the batches start), seen through the same status subscription the SPA uses. Resolves with the time
 * since `start`, or never when the import ends without writing.
 */
function writingStarts(client: ConvexClient, projectId: Id<"projects">, start: number): Promise<number> {
  return new Promise((resolve) => {
    const unsubscribe = client.onUpdate(api.transfers.status, { projectId }, (s) => {
      if (s.import?.status === "running" && s.import.phase === "writing") {
        resolve(performance.now() - start);
        unsubscribe();
      }
    });
  });
}

function settled(client: ConvexClient, projectId: Id<"projects">, kind: "import" | "export"): Promise<Status> {
  return waitFor<Status>(
    (cb, onError) => client.onUpdate(api.transfers.status, { projectId }, cb, onError),
    (s) => s[kind] !== null && s[kind]?.status !== "running",
    600_000,
  );
}

/** The reference commit: the same files written through files.createMany (folders first, level by level). */
async function commitReference(client: ConvexClient, projectId: Id<"projects">, files: RepoFile[]) {
  const decoder = new TextDecoder();
  const ids = new Map<string, Id<"files">>();
  const folders = [...new Set(files.flatMap((f) => {
    const parts = f.path.split("/").slice(0, -1);
    return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  }))].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  const parentOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
  const nameOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  const byParent = (paths: string[]) => {
    const groups = new Map<string, string[]>();
    for (const p of paths) groups.set(parentOf(p), [...(groups.get(parentOf(p)) ?? []), p]);
    return groups;
  };
  for (let depth = 1; ; depth++) {
    const level = folders.filter((f) => f.split("/").length === depth);
    if (level.length === 0) break;
    for (const [parent, paths] of byParent(level)) {
      const created = await client.mutation(api.files.createMany, { projectId, parentId: parent === "" ? undefined : ids.get(parent), items: paths.map((p) => ({ name: nameOf(p), type: "folder" as const })) });
      for (const [i, id] of created.entries()) ids.set(paths[i], id);
    }
  }
  const textFiles = files.filter((f) => f.path.endsWith(".ts"));
  const binaries = files.filter((f) => !f.path.endsWith(".ts"));
  for (const [parent, paths] of byParent(textFiles.map((f) => f.path))) {
    const content = new Map(textFiles.map((f) => [f.path, f.bytes]));
    for (let i = 0; i < paths.length; i += REFERENCE_BATCH) {
      const slice = paths.slice(i, i + REFERENCE_BATCH);
      await client.mutation(api.files.createMany, { projectId, parentId: ids.get(parent), items: slice.map((p) => ({ name: nameOf(p), content: decoder.decode(content.get(p)) })) });
    }
  }
  for (const file of binaries) {
    const uploadUrl = await client.mutation(api.files.generateUploadUrl, { projectId, sha256: await uploadSha256(file.bytes) });
    const response = await fetch(uploadUrl, { method: "POST", body: file.bytes as Uint8Array<ArrayBuffer> });
    const { storageId } = (await response.json()) as { storageId: Id<"_storage"> };
    await client.mutation(api.files.createBinaryFile, { projectId, parentId: ids.get(parentOf(file.path)), name: nameOf(file.path), storageId });
  }
}

/** What the archive/clone ratios of the runs say, judged on their median and spread. */
function archiveVerdict(ratios: number[]): string {
  if (Math.min(...ratios) < 1 && Math.max(...ratios) > 1) return "the two are within this run's noise (its ratios fall on both sides of 1), and";
  return median(ratios) < 1 ? "the archive reads faster here, but" : "the archive is not faster here, and";
}

function range(samples: number[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return `${s(median(samples))} s (${s(Math.min(...samples))}–${s(Math.max(...samples))})`;
}

async function main() {
  const server: GitServer = await startGitServer();
  const backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR });
  const work = mkdtempSync(path.join(tmpdir(), "polaris-bench-transfer-"));
  try {
    await backend.engine.setEnv("POLARIS_GIT_ALLOW_PRIVATE_NETWORK", "1");
    const { token } = await backend.signIn("bench");
    const client = backend.client({ token });

    const files = repoFiles();
    const totalBytes = files.reduce((n, f) => n + f.bytes.length, 0);
    const src = path.join(work, "src");
    mkdirSync(src);
    writeTree(src, files);
    git(src, "init", "-q", "-b", "main");
    git(src, "add", ".");
    git(src, "commit", "-q", "-m", "bench");
    git(server.root, "init", "--bare", "-q", "-b", "main", path.join(server.root, "source.git"));
    git(src, "push", "-q", path.join(server.root, "source.git"), "main");
    const sourceUrl = server.repoUrl("source.git");
    // The stand-in of GitHub's GET /repos/{owner}/{repo}/zipball/{ref}: the archive of the same commit, with
    // GitHub's top-level folder, made before the runs (GitHub's own time to build it is not measured).
    const zipball = execFileSync("git", ["archive", "--format=zip", "--prefix=acme-source-0000000/", "HEAD"], { cwd: src, maxBuffer: 256 * 1024 * 1024 });
    const archiveServer = createServer((req, res) => {
      if (req.url !== "/repos/acme/source/zipball/main") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/zip", "content-length": String(zipball.length) });
      res.end(zipball);
    });
    await new Promise<void>((resolve) => archiveServer.listen(0, "127.0.0.1", resolve));
    const zipballUrl = `http://127.0.0.1:${(archiveServer.address() as AddressInfo).port}/repos/acme/source/zipball/main`;
    // cloneRepo runs here as in the action; the loopback Git server is allowed as the tests allow it.
    process.env.POLARIS_GIT_ALLOW_PRIVATE_NETWORK = "1";
    const sourceReads: { cloneRead: number; archiveRead: number }[] = [];

    const rows: { clone: number; commit: number; importMs: number; cloneMs: number; writeMs: number; push: number; exportMs: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Reference import: git clone, then the backend commits the same files.
      const cloneDir = path.join(work, `clone${run}`);
      const [, clone] = await timedAsync(() => gitAsync(work, "clone", "-q", "--depth", "1", "--single-branch", sourceUrl, cloneDir));
      const refProject = await client.mutation(api.projects.create, { name: `Reference ${run}` });
      const [, commit] = await timedAsync(() => commitReference(client, refProject, files));

      // Polaris import.
      const projectId = await client.mutation(api.projects.create, { name: `Import ${run}` });
      const importStart = performance.now();
      const writing = writingStarts(client, projectId, importStart);
      const [imported, importMs] = await timedAsync(async () => {
        await client.mutation(api.transfers.importGit, { projectId, url: sourceUrl });
        return settled(client, projectId, "import");
      });
      const cloneMs = await writing;
      if (imported.import?.status !== "completed") throw new Error(`import ${imported.import?.status}: ${imported.import?.message}`);

      // Reference export: git push of the same tree to an empty repository.
      const refTarget = `ref-target${run}.git`;
      git(server.root, "init", "--bare", "-q", "-b", "main", path.join(server.root, refTarget));
      const [, push] = await timedAsync(() => gitAsync(src, "push", "-q", server.repoUrl(refTarget), "HEAD:refs/heads/main"));

      // Polaris export of the imported project to an empty repository.
      const target = `target${run}.git`;
      git(server.root, "init", "--bare", "-q", "-b", "main", path.join(server.root, target));
      const [exported, exportMs] = await timedAsync(async () => {
        await client.mutation(api.transfers.exportGit, { projectId, url: server.repoUrl(target), branch: "main" });
        return settled(client, projectId, "export");
      });
      if (exported.export?.status !== "completed") throw new Error(`export ${exported.export?.status}: ${exported.export?.message}`);
      // The exported tree is the source tree (same tree object), so the figures compare the same work.
      const sourceTree = git(src, "rev-parse", "HEAD^{tree}").trim();
      const exportedTree = git(path.join(server.root, target), "rev-parse", "main^{tree}").trim();
      if (sourceTree !== exportedTree) throw new Error(`export produced tree ${exportedTree}, expected ${sourceTree}`);

      rows.push({ clone, commit, importMs, cloneMs, writeMs: importMs - cloneMs, push, exportMs });

      // Source read: the whole tree's bytes through the action's clone, and through the archive endpoint.
      const [cloned, cloneRead] = await timedAsync(() => cloneRepo(sourceUrl, undefined, null, MAX_IMPORT_TOTAL_BYTES));
      const [archived, archiveRead] = await timedAsync(async () => {
        const zip = new Uint8Array(await (await fetch(zipballUrl)).arrayBuffer());
        const entries = listZip(zip);
        return entries.filter((e) => e.kind === "file").map((e) => readZipEntry(zip, e, entries.indexOf(e)));
      });
      if (cloned.files.length !== files.length || archived.length !== files.length) throw new Error(`source read: clone ${cloned.files.length}, archive ${archived.length} files, expected ${files.length}`);
      sourceReads.push({ cloneRead, archiveRead });
      console.log(`run ${run + 1}: clone ${clone.toFixed(0)} ms + commit ${commit.toFixed(0)} ms | import ${importMs.toFixed(0)} ms (to writing ${cloneMs.toFixed(0)} ms) | push ${push.toFixed(0)} ms | export ${exportMs.toFixed(0)} ms | source read: isomorphic-git ${cloneRead.toFixed(0)} ms, archive ${archiveRead.toFixed(0)} ms`);
      rmSync(cloneDir, { recursive: true, force: true });
    }

    archiveServer.close();
    const col = (k: keyof (typeof rows)[number]) => rows.map((r) => r[k]);
    const reference = rows.map((r) => r.clone + r.commit);
    const importRatios = rows.map((r) => r.importMs / (r.clone + r.commit));
    const exportRatios = rows.map((r) => r.exportMs / r.push);
    const ratio = (xs: number[]) => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
    const mb = (totalBytes / 1e6).toFixed(1);
    const body = [
      `Written by \`node bench/run.mjs transfer\` (bench/transfer/run.ts). ${machine()}. ${RUNS} runs; median (min–max).`,
      "",
      `A repository of ${files.length.toLocaleString("en-US")} files / ${mb} MB (${FOLDERS} folders two levels deep, ${BINARIES} binaries of ${(BINARY_BYTES / 1000).toFixed(0)} kB) on a loopback \`git http-backend\` server; the local backend in the benchmark's process.`,
      "",
      "| | Polaris | Reference (same run) | Ratio |",
      "|---|---|---|---|",
      `| Import (transfers.importGit to completed) | ${range(col("importMs"))} | \`git clone --depth 1\` ${range(col("clone"))} + commit of the same files through files.createMany ${range(col("commit"))} = ${range(reference)} | ${ratio(importRatios)} |`,
      `| of which: clone with isomorphic-git and check, until the phase is "writing" | ${range(col("cloneMs"))} | \`git clone --depth 1\` ${range(col("clone"))} | ${ratio(rows.map((r) => r.cloneMs / r.clone))} |`,
      `| of which: writing the files (transfers.writeBatch, blobs to storage) | ${range(col("writeMs"))} | commit through files.createMany ${range(col("commit"))} | ${ratio(rows.map((r) => r.writeMs / r.commit))} |`,
      `| Export (transfers.exportGit to an empty repository) | ${range(col("exportMs"))} | \`git push\` of the same tree ${range(col("push"))} | ${ratio(exportRatios)} |`,
      "",
      `**Archive endpoint vs clone** (reading the source of an import from GitHub). The same commit read whole in this process: the action's shallow clone with isomorphic-git over \`git http-backend\` (cloneRepo) ${range(sourceReads.map((r) => r.cloneRead))}; a ZIP of ${(zipball.length / 1e6).toFixed(1)} MB from a loopback stand-in of GitHub's \`zipball\` endpoint (made beforehand with \`git archive\`, so GitHub's time to build it is not counted) fetched and every entry inflated by the import's ZIP reader ${range(sourceReads.map((r) => r.archiveRead))}: ratio ${ratio(sourceReads.map((r) => r.archiveRead / r.cloneRead))}. The import uses the clone for every host, GitHub included: ${archiveVerdict(sourceReads.map((r) => r.archiveRead / r.cloneRead))} it would be a second path for one host (its own auth, a redirect to codeload.github.com, the REST rate limit), and a later export needs the full id of the commit the project matches, which the archive does not carry (its folder name has a short one).`,
      "",
      `Target: import within ${TARGET_IMPORT}× of the reference — ${median(importRatios) <= TARGET_IMPORT ? "met" : "not met"} (median ${median(importRatios).toFixed(2)}×). The export has no target in the issue; it packs with Node's zlib at level 1 (convex/transfer/pack.ts), \`git push\` with \`pack-objects\` at git's default level.`,
    ].join("\n");
    console.log(`\n${body}`);
    if (process.env.BENCH_NO_DOCS !== "1") await updateSection("Import and export", body);
  } finally {
    await backend.stop();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
