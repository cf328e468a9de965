import { RUNNER_URL_META } from "../../runner/src/protocol";
import { CONVEX_URL_META } from "./siteConfig";

/**
 * Configuration: Vite's build-time env (set by `npm run dev`, or in .env.local), else, for a build the local
 * backend serves itself (`npm start`), the backend URL it writes into the page.
 */
export const env = {
  convexUrl: stringOrUndefined(import.meta.env.VITE_CONVEX_URL) ?? stringOrUndefined(metaContent(CONVEX_URL_META)),
  /** The runner (terminals, Run, preview): VITE_RUNNER_URL, else what `npm start` writes into the page. */
  runnerUrl: stringOrUndefined(import.meta.env.VITE_RUNNER_URL) ?? stringOrUndefined(metaContent(RUNNER_URL_META)),
  clerkPublishableKey: stringOrUndefined(import.meta.env.VITE_CLERK_PUBLISHABLE_KEY),
};

function metaContent(name: string): string | undefined {
  if (typeof document === "undefined") return undefined;
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
