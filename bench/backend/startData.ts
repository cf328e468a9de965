/// <reference types="node" />
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LOCAL_ISSUER_PATH, LocalIssuer } from "../../local-backend/src/auth/localIssuer.js";
import { localSubject } from "../../local-backend/src/auth/signInName.js";
import { openEngine } from "../../local-backend/src/engine/index.js";
import { WAL_FILE } from "../../local-backend/src/engine/wal.js";
import { SEED_CONVEX_DIR } from "./lib.js";
import type { StartupArgs } from "./startup.js";

// The data dir the start rows of bench/backend/run.ts open: projects of small files (and their listing) written
// through the engine by bench/backend/seed/convex, first as a write-ahead log, then compacted into a snapshot.
// Run on its own to keep one for profiling a start:
//   npx tsx bench/backend/startData.ts <dir> <port> [--snapshot]
//   node --cpu-prof --import tsx bench/backend/startup.ts '{"dataDir":"<dir>","port":<port>,...}'  (the line it prints)

export interface StartData {
  user: string;
  projects: number;
  filesPerProject: number;
  /** Projects written per mutation: each is 2 * filesPerProject + 3 documents, within Convex's 16,000 per mutation. */
  projectsPerMutation: number;
  content: string;
}

export const START_DATA: StartData = {
  user: "Bench User",
  projects: 100,
  filesPerProject: 1000,
  projectsPerMutation: 5,
  content: "export const answer = 42;\n".repeat(4),
};

/** Documents a data dir filled by `populate` holds. */
export const storedDocuments = (d: StartData) => d.projects * (2 * d.filesPerProject + 3);

/** Fills `dataDir` (its write-ahead log) with `d`'s projects; returns their ids. */
export async function populate(dataDir: string, siteUrl: string, d: StartData): Promise<string[]> {
  const issuer = `${siteUrl}${LOCAL_ISSUER_PATH}`;
  const subject = localSubject(d.user);
  const identity = { tokenIdentifier: `${issuer}|${subject}`, subject, issuer };
  const engine = await openEngine({ dataDir, convexDir: SEED_CONVEX_DIR, siteUrl, durable: true, log: () => {} });
  const projectIds: string[] = [];
  try {
    for (let first = 0; first < d.projects; first += d.projectsPerMutation) {
      const res = await engine.runMutation(
        "seed:populate",
        { projects: d.projectsPerMutation, filesPerProject: d.filesPerProject, content: d.content, firstProject: first },
        identity,
      );
      if (!res.ok) throw new Error(`Seeding failed: ${res.error}`);
      projectIds.push(...(res.value as string[]));
    }
  } finally {
    await engine.close();
  }
  // A data dir in use already has its issuer key and admin key: create them now so every timed start finds them.
  await LocalIssuer.open(dataDir, siteUrl);
  return projectIds;
}

/** Makes the engine write a snapshot of `dataDir` and empty its log (one small commit with a tiny threshold). */
export async function compactDataDir(dataDir: string, siteUrl: string, projectId: string) {
  const engine = await openEngine({ dataDir, convexDir: SEED_CONVEX_DIR, siteUrl, durable: true, compactThresholdBytes: 1, log: () => {} });
  try {
    const res = await engine.runMutation("seed:touch", { projectId }, null);
    if (!res.ok) throw new Error(`Compaction trigger failed: ${res.error}`);
  } finally {
    await engine.close();
  }
  if (statSync(path.join(dataDir, WAL_FILE)).size !== 0) throw new Error("The engine did not compact the data dir into a snapshot.");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [dir, port] = [process.argv[2], Number(process.argv[3])];
  if (!dir || !Number.isInteger(port)) throw new Error("Usage: npx tsx bench/backend/startData.ts <new data dir> <port> [--snapshot]");
  mkdirSync(dir, { recursive: true });
  // Tokens name the site's URL: a start must use the same port for the seeded projects to be the user's.
  const siteUrl = `http://127.0.0.1:${port}`;
  const ids = await populate(dir, siteUrl, START_DATA);
  if (process.argv.includes("--snapshot")) await compactDataDir(dir, siteUrl, ids[0]);
  const args: StartupArgs = { dataDir: path.resolve(dir), port, user: START_DATA.user, projectId: ids[37], expectFiles: START_DATA.filesPerProject };
  console.log(JSON.stringify(args));
}
