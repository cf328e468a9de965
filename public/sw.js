/* Polaris offline app shell.
 *
 * - Navigations: network first; the last good index.html answers when the network is down, so a Polaris the
 *   browser has visited before still starts offline (data then comes from the IndexedDB cache).
 * - /assets/*: Vite's content-hashed files never change under one name, so cache first.
 * - Never cached: the backend's /api/* and /polaris/* (data, auth, uploads must always be live), non-GET
 *   requests, and other origins.
 */
const CACHE = "polaris-shell-v2";
const SHELL = "/index.html";

function isBackend(url) {
  return url.pathname.startsWith("/api/") || url.pathname.startsWith("/polaris/");
}

/** Every file of the build: index.html's own assets plus the lazily loaded chunks Vite's manifest lists. */
async function buildAssets(html) {
  const assets = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) assets.add(match[1]);
  try {
    const response = await fetch("/asset-manifest.json", { cache: "no-cache" });
    if (response.ok) {
      const manifest = await response.json();
      for (const chunk of Object.values(manifest)) {
        for (const file of [chunk.file, ...(chunk.css || []), ...(chunk.assets || [])]) {
          if (typeof file === "string" && file.startsWith("assets/")) assets.add("/" + file);
        }
      }
    }
  } catch {
    /* Without a manifest only the entry's assets are precached; the rest is cached on first use. */
  }
  return assets;
}

async function precacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch("/", { cache: "no-cache" });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put(SHELL, response);
  const assets = await buildAssets(html);
  await Promise.all(
    [...assets].map(async (path) => {
      if (await cache.match(path, MATCH)) return;
      await cache.add(path).catch(() => {
        /* A missing asset is fetched again on first use. */
      });
    }),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(precacheShell().catch(() => undefined).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirstShell(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && (response.headers.get("content-type") || "").includes("text/html")) {
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw error;
  }
}

// Static servers answer with "Vary: Origin", and module scripts are requested with an Origin header that the
// precache requests lacked: matching must ignore Vary, or every precached script misses while offline.
const MATCH = { ignoreVary: true };

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, MATCH);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, MATCH);
  const fresh = fetch(request)
    .then(async (response) => {
      if (response.ok) await cache.put(request, response.clone());
      return response;
    })
    .catch(() => undefined);
  return cached || (await fresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isBackend(url)) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirstShell(request));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(cacheFirst(request));
  } else if (/\.(?:svg|ico|png|webp|woff2?|webmanifest)$/.test(url.pathname)) {
    // Static files from public/ (icons, fonts): usable offline, refreshed when online.
    event.respondWith(staleWhileRevalidate(request));
  }
});
