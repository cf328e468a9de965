/** Build-time configuration read from Vite's env (set by `npm start`, or in .env.local). */
export const env = {
  convexUrl: stringOrUndefined(import.meta.env.VITE_CONVEX_URL),
  clerkPublishableKey: stringOrUndefined(import.meta.env.VITE_CLERK_PUBLISHABLE_KEY),
};

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
