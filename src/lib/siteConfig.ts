/**
 * The name of the meta tag through which a backend that serves the built web app itself (`npm start`) tells the
 * page its own URL, so one build works on any port or host. Shared by that server (local-backend/src/site.ts)
 * and the page (./env.ts).
 */
export const CONVEX_URL_META = "polaris-convex-url";
