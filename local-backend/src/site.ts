// The Polaris web app as it is deployed: the static build (Vite), served by the local backend on its own origin.
//
// - `ensureSiteBuilt` builds the SPA into a directory when its sources changed since the last build (a fingerprint
//   of every source file's path, size and modification time is kept beside the build), and `watchSite` rebuilds
//   it when they change while the backend runs. A rebuild goes to a fresh directory that replaces the old one only
//   when it is complete, so a request never sees half a build.
// - `createSiteHandler` serves the build: files as they are (Vite's content-hashed /assets/* cached for good,
//   everything else revalidated), and index.html, with the backend's URL written into it, for every other page.
//   The backend's own paths (/api/*, /polaris/*) never reach it; the app's HTTP actions come before the index
//   fallback (see server/http.ts).
import { createHash } from "node:crypto";
import { existsSync, watch, type FSWatcher } from "node:fs";
import { readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import sirv from "sirv";
import { RUNNER_URL_META } from "../../runner/src/protocol.js";
import { APP_FRAME_HEADERS, CONVEX_URL_META } from "../../src/lib/siteConfig.js";

/** What the site build depends on, relative to the repository root. */
const SOURCES = ["src", "public", "convex", "index.html", "vite.config.ts", "package.json", "package-lock.json", "tsconfig.json"];
const FINGERPRINT = ".polaris-fingerprint";

async function listFiles(root: string, entry: string, out: string[]): Promise<void> {
  const full = path.join(root, entry);
  let info;
  try {
    info = await stat(full);
  } catch {
    return;
  }
  if (info.isFile()) {
    out.push(`${entry}\0${info.size}\0${info.mtimeMs}`);
    return;
  }
  if (!info.isDirectory()) return;
  const children = await readdir(full);
  for (const child of children.sort()) {
    if (child === "node_modules" || child.startsWith(".")) continue;
    await listFiles(root, path.join(entry, child), out);
  }
}

export async function sourceFingerprint(root: string): Promise<string> {
  const lines: string[] = [];
  for (const entry of SOURCES) await listFiles(root, entry, lines);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

export interface SiteBuildOptions {
  /** The repository root (where vite.config.ts is). */
  root: string;
  /** Where the build lives. */
  outDir: string;
  log: (line: string) => void;
}

/** Builds the site into `outDir` unless the build there is of the current sources; returns whether it built. */
export async function ensureSiteBuilt({ root, outDir, log }: SiteBuildOptions): Promise<boolean> {
  const fingerprint = await sourceFingerprint(root);
  const stamp = await readFile(path.join(outDir, FINGERPRINT), "utf8").catch(() => "");
  if (stamp === fingerprint && existsSync(path.join(outDir, "index.html"))) return false;
  const started = Date.now();
  log(existsSync(outDir) ? "site: sources changed, rebuilding the web app..." : "site: building the web app...");
  const staging = `${outDir}.building`;
  await rm(staging, { recursive: true, force: true });
  const { build } = await import("vite");
  // Built without VITE_CONVEX_URL: the page learns the backend's URL from the meta tag the handler writes.
  const saved = process.env.VITE_CONVEX_URL;
  delete process.env.VITE_CONVEX_URL;
  try {
    await build({
      root,
      configFile: path.join(root, "vite.config.ts"),
      logLevel: "warn",
      build: { outDir: staging, emptyOutDir: true },
    });
  } finally {
    if (saved !== undefined) process.env.VITE_CONVEX_URL = saved;
  }
  await writeFile(path.join(staging, FINGERPRINT), fingerprint);
  const old = `${outDir}.old`;
  await rm(old, { recursive: true, force: true });
  if (existsSync(outDir)) await rename(outDir, old);
  await rename(staging, outDir);
  await rm(old, { recursive: true, force: true });
  log(`site: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/** Rebuilds the site when its sources change; returns a stop function. */
export function watchSite(options: SiteBuildOptions & { onRebuilt?: () => void }): () => void {
  let timer: NodeJS.Timeout | null = null;
  let building: Promise<void> | null = null;
  let again = false;
  const rebuild = () => {
    if (building) {
      again = true;
      return;
    }
    building = (async () => {
      do {
        again = false;
        try {
          if (await ensureSiteBuilt(options)) options.onRebuilt?.();
        } catch (error) {
          options.log(`site: rebuild failed (still serving the previous build): ${(error as Error).message}`);
        }
      } while (again);
    })().finally(() => {
      building = null;
    });
  };
  const watchers: FSWatcher[] = [];
  for (const entry of ["src", "public", "index.html"]) {
    const full = path.join(options.root, entry);
    if (!existsSync(full)) continue;
    try {
      watchers.push(
        watch(full, { recursive: true }, () => {
          if (timer) clearTimeout(timer);
          timer = setTimeout(rebuild, 300);
        }),
      );
    } catch (error) {
      options.log(`site: not watching ${full}: ${(error as Error).message}`);
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

export interface SiteHandler {
  /** Serves a file of the build (index.html for "/"); false when there is none at that path. */
  serveFile(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Serves index.html (a page of the single-page app) with the backend's URL in it. */
  serveIndex(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const escapeAttribute = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export function createSiteHandler(outDir: string, convexUrl: string, runnerUrl?: string): SiteHandler {
  const files = sirv(outDir, {
    dev: true, // re-read the directory on each request: a rebuild swaps it while the backend runs
    etag: true,
    dotfiles: false,
    setHeaders(res, pathname) {
      res.setHeader("Cache-Control", pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  let meta = `<meta name="${CONVEX_URL_META}" content="${escapeAttribute(convexUrl)}" />`;
  if (runnerUrl !== undefined) meta += `\n    <meta name="${RUNNER_URL_META}" content="${escapeAttribute(runnerUrl)}" />`;
  return {
    async serveFile(req, res) {
      const pathname = new URL(req.url ?? "/", "http://site.invalid").pathname;
      if (pathname === "/" || pathname === "/index.html") {
        await this.serveIndex(req, res);
        return true;
      }
      if (pathname.endsWith(`/${FINGERPRINT}`)) return false;
      return new Promise<boolean>((resolve) => {
        res.once("finish", () => resolve(true));
        files(req, res, () => resolve(false));
      });
    },
    async serveIndex(_req, res) {
      const html = await readFile(path.join(outDir, "index.html"), "utf8");
      const body = html.replace("</head>", `    ${meta}\n  </head>`);
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-cache",
        ...APP_FRAME_HEADERS,
      });
      res.end(body);
    },
  };
}
