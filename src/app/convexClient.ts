import { ConvexReactClient } from "convex/react";

let client: ConvexReactClient | undefined;

/** The one Convex client of the app. Throws with the client's own message when the URL is malformed. */
export function getConvexClient(url: string): ConvexReactClient {
  // initialAuthTokenReuse: a stored token the server accepts is used until shortly before it expires, instead of
  // fetching a new one at every load (Convex's documented option; the default refetches at once).
  client ??= new ConvexReactClient(url, { initialAuthTokenReuse: true });
  return client;
}
