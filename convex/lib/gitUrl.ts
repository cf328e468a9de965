import { appError } from "./errors";

// Git remote URLs as Polaris accepts them: http(s) only (smart HTTP), without credentials in the URL (tokens are
// kept server-side in gitCredentials and sent by the action, so they never show in a URL, a status or a log).
// Pure: the SPA imports it to explain a bad URL in place.

/** Why `raw` cannot be used as a Git remote, or null. */
export function gitUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return "This is not a URL. Enter the repository's HTTPS address, e.g. https://github.com/owner/repo.git.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `Only http:// and https:// Git URLs are supported (smart HTTP), not ${url.protocol}.`;
  }
  if (url.username !== "" || url.password !== "") {
    return "Remove the user name and token from the URL; add the token under Credentials instead, where it stays on the server.";
  }
  if (url.hash !== "" || url.search !== "") return "A Git URL has no ? query or # fragment.";
  return null;
}

/** The URL, trimmed and checked. */
export function checkGitUrl(raw: string): string {
  const problem = gitUrlProblem(raw);
  if (problem !== null) throw appError("INVALID_ARGUMENT", problem);
  return new URL(raw.trim()).href;
}

/** The host a credential is kept for: "github.com", "git.example.com:8443" (lower case). */
export function credentialHost(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** Why `ref` cannot name a branch or tag, or null (the rules of git check-ref-format that matter here). */
export function refProblem(ref: string): string | null {
  if (ref.length === 0 || ref.length > 255) return "A branch or tag name has 1 to 255 characters.";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(ref) || ref.includes("..") || ref.includes("@{") || ref.startsWith("-")
    || ref.startsWith("/") || ref.endsWith("/") || ref.endsWith(".") || ref.endsWith(".lock") || ref.includes("//")) {
    return `"${ref}" is not a valid branch or tag name.`;
  }
  return null;
}

export function checkRef(ref: string): string {
  const problem = refProblem(ref);
  if (problem !== null) throw appError("INVALID_ARGUMENT", problem);
  return ref;
}

/** The name shown for an uploaded archive: its file name, trimmed, or "archive.zip". */
export function archiveName(fileName: string): string {
  return fileName.trim().slice(0, 255) || "archive.zip";
}

/**
 * The default name of a project imported from `source` (a Git URL or an archive's file name): the repository's or
 * archive's name without `.git` / `.zip`, e.g. "https://host/me/site.git" and "site.zip" both give "site". The SPA
 * shows it as the name field's placeholder; the server uses it when no name is given.
 */
export function importProjectName(source: string): string {
  let last = source.trim();
  try {
    last = new URL(last).pathname;
  } catch {
    // A file name, not a URL.
  }
  const name = last.replace(/[/\\]+$/, "").split(/[/\\]/).pop() ?? "";
  return name.replace(/\.(git|zip)$/i, "").slice(0, 100) || "Imported project";
}

/** Why `owner` cannot name a GitHub account or organization, or null (GitHub's rule: letters, digits, inner hyphens). */
export function githubOwnerProblem(owner: string): string | null {
  return /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(owner)
    ? null
    : `"${owner}" is not a GitHub account or organization name (letters, digits and single inner hyphens, at most 39).`;
}
