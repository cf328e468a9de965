import { ConvexReactClient } from "convex/react";

let client: ConvexReactClient | undefined;

/**
 * The one Convex client of the app. Throws with the client's own message when the URL is malformed.
 * `initialAuthTokenReuse`: a stored token the server accepts is kept until shortly before it expires, instead of
 * being replaced at once by a fresh one (a second sign-in round trip and Authenticate, during which the client
 * holds back the page's first queries, and after which the server runs them again).
 */
export function getConvexClient(url: string): ConvexReactClient {
  client ??= new ConvexReactClient(url, { initialAuthTokenReuse: true });
  return client;
}
