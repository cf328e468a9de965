import { v } from "convex/values";
import { query } from "../_generated/server";
import { requireUser } from "../model/access";
import { readProviderConfig } from "./lib";

/**
 * Whether the deployment has an AI provider, so the chat and the editor can say so before anyone asks. Only the
 * model's name leaves the server: the endpoint and the key stay in the function environment.
 */
export const provider = query({
  args: {},
  returns: v.object({ configured: v.boolean(), model: v.union(v.string(), v.null()) }),
  handler: async (ctx) => {
    await requireUser(ctx);
    const config = readProviderConfig(process.env);
    return { configured: config !== null, model: config?.model ?? null };
  },
});
