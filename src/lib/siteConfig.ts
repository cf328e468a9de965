/**
 * The name of the meta tag through which a backend that serves the built web app itself (`npm start`) tells the
 * page its own URL, so one build works on any port or host. Shared by that server (local-backend/src/site.ts)
 * and the page (./env.ts).
 */
export const CONVEX_URL_META = "polaris-convex-url";

/**
 * What every server of the app's page sends with it: no other origin may frame the app (a project's preview runs
 * other people's code). Sent by the backend's own site (local-backend/src/site.ts) and by Vite's dev and preview
 * servers (vite.config.ts); docs/deploying.md asks static hosts to send the same.
 */
export const APP_FRAME_HEADERS = {
  "Content-Security-Policy": "frame-ancestors 'self'",
  "X-Frame-Options": "SAMEORIGIN",
} as const;
