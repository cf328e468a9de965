import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { appError } from "./lib/errors";
import { requireUser } from "./model/access";

// A user's tokens for Git hosts (table gitCredentials). The token goes in and never comes out: `list` returns the
// host and user name only, and only the import/export action reads the token (transfers.credentialFor, internal).

const MAX_TOKEN_LENGTH = 4096;

/** Normalizes "https://GitHub.com/x" or "github.com" to the host a credential is kept for ("github.com"). */
function hostOf(raw: string): string {
  const text = raw.trim();
  let host: string;
  try {
    host = new URL(text.includes("://") ? text : `https://${text}`).host.toLowerCase();
  } catch {
    host = "";
  }
  if (host === "") throw appError("INVALID_ARGUMENT", "Enter the host the token is for, e.g. github.com or git.example.com:8443.");
  return host;
}

export const list = query({
  args: {},
  returns: v.array(v.object({ _id: v.id("gitCredentials"), host: v.string(), username: v.optional(v.string()), createdAt: v.number() })),
  handler: async (ctx) => {
    const ownerId = await requireUser(ctx);
    const rows = await ctx.db
      .query("gitCredentials")
      .withIndex("by_owner_host", (q) => q.eq("ownerId", ownerId))
      .take(100);
    return rows.map((row) =>
      row.username === undefined
        ? { _id: row._id, host: row.host, createdAt: row.createdAt }
        : { _id: row._id, host: row.host, username: row.username, createdAt: row.createdAt },
    );
  },
});

/** Stores (or replaces) the caller's token for `host`; returns the credential's id. */
export const save = mutation({
  args: { host: v.string(), username: v.optional(v.string()), token: v.string() },
  returns: v.id("gitCredentials"),
  handler: async (ctx, { host: rawHost, username: rawUsername, token: rawToken }) => {
    const ownerId = await requireUser(ctx);
    const host = hostOf(rawHost);
    const token = rawToken.trim();
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) {
      throw appError("INVALID_ARGUMENT", "Paste the token as one word without spaces (at most 4,096 characters).");
    }
    const username = rawUsername?.trim() || undefined;
    if (username !== undefined && (username.length > 255 || /[\s:]/.test(username))) {
      throw appError("INVALID_ARGUMENT", "A user name has at most 255 characters and no spaces or colons.");
    }
    const existing = await ctx.db
      .query("gitCredentials")
      .withIndex("by_owner_host", (q) => q.eq("ownerId", ownerId).eq("host", host))
      .unique();
    const fields = { ownerId, host, username, token, createdAt: Date.now() };
    if (existing === null) return ctx.db.insert("gitCredentials", fields);
    await ctx.db.replace("gitCredentials", existing._id, fields);
    return existing._id;
  },
});

export const remove = mutation({
  args: { credentialId: v.id("gitCredentials") },
  returns: v.null(),
  handler: async (ctx, { credentialId }) => {
    const ownerId = await requireUser(ctx);
    const row = await ctx.db.get("gitCredentials", credentialId);
    if (row === null || row.ownerId !== ownerId) throw appError("NOT_FOUND", "This credential does not exist or was removed.");
    await ctx.db.delete("gitCredentials", credentialId);
    return null;
  },
});
