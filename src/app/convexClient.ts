import { ConvexReactClient } from "convex/react";

let client: ConvexReactClient | undefined;

/** The one Convex client of the app. Throws with the client's own message when the URL is malformed. */
export function getConvexClient(url: string): ConvexReactClient {
  client ??= new ConvexReactClient(url);
  return client;
}
