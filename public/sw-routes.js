// Loaded by the Workbox service worker (vite.config.ts, workbox.importScripts). Chromium's Service Worker Static
// Routing API: the build's hashed assets are read by the browser straight from the precache (falling back to the
// network when missing), without starting or waiting for the worker's fetch handler, which on a warm load under
// CPU contention held every chunk. Browsers without the API keep the fetch handler's precache route.
self.addEventListener("install", (event) => {
  if (typeof event.addRoutes !== "function" || typeof URLPattern !== "function") return;
  const cacheName = `workbox-precache-v2-${self.registration.scope}`;
  event.waitUntil(
    Promise.resolve()
      .then(() => event.addRoutes({ condition: { urlPattern: new URLPattern({ pathname: "/assets/*" }) }, source: { cacheName } }))
      .catch((error) => console.warn("Static routes unavailable; the fetch handler serves the assets.", error)),
  );
});
