"use node";

import * as git from "isomorphic-git";
import type { AuthCallback } from "isomorphic-git";
import { gitHttp, guardedFetch, TransferFailed } from "./http";
import { MemoryFs } from "./memoryFs";
import { commitObject, gitObject, packfile, pushRefusal, readPktLines, receivePackRequest, treeObject, type GitObject, type TreeItem } from "./pack";

// Git over smart HTTP with isomorphic-git on an in-memory file system: a shallow, single-branch clone for an
// import, and for an export one new commit on top of the remote branch's head, pushed without force.

const DIR = "/repo";

export interface Credential {
  username?: string;
  token: string;
  /** Where the token came from: the user's GitHub connection in Clerk, or the token they saved under Credentials. */
  source: "clerk" | "saved";
}

/**
 * What to tell the user when `host` refuses a token (HTTP 401/403): where the token came from, and what to do, which
 * differs: a saved token is replaced under Credentials; the GitHub connection's token is used before any saved one,
 * so it is renewed by reconnecting GitHub in the account. `need` says what the token must be allowed.
 */
export function refusedToken(host: string, status: number, source: Credential["source"], need = "access this repository"): string {
  return source === "clerk"
    ? `${host} refused the token of your GitHub connection (HTTP ${status}), the one Polaris gets from your sign-in with GitHub. ` +
        `Reconnect GitHub in your account (Manage account, Connected accounts) so that it is renewed and may ${need}, then try again.`
    : `${host} refused the token saved for it (HTTP ${status}). Check that it is valid and may ${need}, or save a new one for ${host} under Credentials.`;
}

/** GitHub takes any user name with a token as password. */
const DEFAULT_USERNAME = "x-access-token";

/**
 * The credential for isomorphic-git's onAuth. No onAuthFailure is given on purpose: a token the host refuses then
 * ends in the host's HttpError 401, which describeGitError words as "refused the token"; with `{ cancel: true }` it
 * was a UserCanceledError, shown as "Git failed: The operation was canceled.".
 */
function onAuthFor(credential: Credential | null): AuthCallback | undefined {
  if (credential === null) return undefined;
  // GitHub takes any user name with a token as password; GitLab and Gitea take the account name or "oauth2".
  return () => ({ username: credential.username ?? DEFAULT_USERNAME, password: credential.token });
}

/** A readable failure for an isomorphic-git error (never containing the token, which is only in onAuth). */
export function describeGitError(error: unknown, url: string, ref: string | undefined, credential: Credential | null): Error {
  if (error instanceof TransferFailed) return error;
  const e = error as { code?: string; data?: { statusCode?: number; reason?: string; what?: string }; message?: string };
  const host = new URL(url).host;
  const status = e.data?.statusCode;
  if (e.code === "HttpError" && (status === 401 || status === 403)) {
    return new TransferFailed(
      credential !== null
        ? refusedToken(host, status, credential.source)
        : `${host} asks for authentication (HTTP ${status}). Add a token for ${host} under Credentials and try again.`,
    );
  }
  if (e.code === "HttpError" && status === 404) {
    return new TransferFailed(`No Git repository was found at ${url} (HTTP 404). Check the URL${credential !== null ? "" : ", or add a token if it is private"}.`);
  }
  if (e.code === "HttpError") return new TransferFailed(`${host} answered HTTP ${status ?? "error"}. Try again later.`);
  if (e.code === "NotFoundError" && ref !== undefined) return new TransferFailed(`The branch or tag "${ref}" was not found in ${url}.`);
  if (e.code === "SmartHttpError" || e.code === "ParseError") return new TransferFailed(`${url} does not speak Git's smart HTTP protocol. Check the URL.`);
  if (e.code === "PushRejectedError" || e.code === "GitPushError") {
    return new TransferFailed(`${host} refused the push (${e.data?.reason ?? e.message ?? "rejected"}). Nothing was changed on the remote.`);
  }
  return new TransferFailed(`Git failed: ${(e.message ?? String(error)).slice(0, 300)}`);
}

export interface ClonedFile {
  path: string;
  kind: "file" | "symlink";
  bytes: Uint8Array;
}

export interface ClonedRepo {
  files: ClonedFile[];
  commit: string;
  branch: string;
  /** Set when `ref` named a tag (then `branch` is the tag's name): the project is not linked to a branch. */
  tag?: boolean;
  /** Submodules, which a shallow clone does not bring. */
  submodules: number;
}

/**
 * A shallow clone of `ref` (default: the remote's default branch) of `url`; every file of its tree with its bytes.
 * `maxBytes` stops reading blobs once the files read so far exceed it (the limit check then names the import).
 */
export async function cloneRepo(url: string, ref: string | undefined, credential: Credential | null, maxBytes: number): Promise<ClonedRepo> {
  const fs = new MemoryFs();
  // One isomorphic-git cache for the whole clone: without it every readTree/readBlob below loads and parses the
  // packfile's index again (once per file), which bench/transfer measured as most of an import's time.
  const cache = {};
  const onAuth = onAuthFor(credential);
  let commit: string;
  let branch: string;
  let isTag = false;
  try {
    const tag = ref === undefined ? null : await remoteTag(url, ref, onAuth);
    if (tag !== null) {
      // isomorphic-git's clone checks out `origin/<ref>`, which a tag never is ("Could not find origin/v1"): fetch
      // the tag's ref alone and read the commit it points to (an annotated tag peeled to its commit).
      await git.init({ fs, dir: DIR });
      await git.addRemote({ fs, dir: DIR, remote: "origin", url });
      const { fetchHead } = await git.fetch({ fs, http: gitHttp, dir: DIR, remote: "origin", ref: tag.ref, singleBranch: true, depth: 1, tags: false, cache, onAuth });
      commit = (await git.readCommit({ fs, dir: DIR, oid: tag.peeled ?? fetchHead ?? tag.oid, cache })).oid;
      branch = tag.name;
      isTag = true;
    } else {
      const name = ref?.replace(/^refs\/heads\//, "");
      await git.clone({ fs, http: gitHttp, dir: DIR, url, ref: name, singleBranch: true, depth: 1, noCheckout: true, noTags: true, cache, onAuth });
      commit = await git.resolveRef({ fs, dir: DIR, ref: "HEAD" });
      branch = name ?? (await git.currentBranch({ fs, dir: DIR, fullname: false })) ?? "main";
    }
  } catch (error) {
    throw describeGitError(error, url, ref, credential);
  }
  const files: ClonedFile[] = [];
  let submodules = 0;
  let bytes = 0;
  const walk = async (oid: string, prefix: string) => {
    const { tree } = await git.readTree({ fs, dir: DIR, oid, cache });
    for (const entry of tree) {
      const path = prefix === "" ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === "tree") await walk(entry.oid, path);
      else if (entry.type === "commit") submodules++;
      else if (bytes <= maxBytes) {
        const { blob } = await git.readBlob({ fs, dir: DIR, oid: entry.oid, cache });
        bytes += blob.length;
        files.push({ path, kind: entry.mode === "120000" ? "symlink" : "file", bytes: blob });
      }
    }
  };
  const { commit: commitObject } = await git.readCommit({ fs, dir: DIR, oid: commit, cache });
  await walk(commitObject.tree, "");
  return isTag ? { files, commit, branch, tag: true, submodules } : { files, commit, branch, submodules };
}

/**
 * The remote's tag `ref` names (`v1` or `refs/tags/v1`), or null when it names a branch or nothing the remote has
 * (the clone then reports it). A branch wins over a tag of the same short name, as in `git clone --branch`.
 */
async function remoteTag(url: string, ref: string, onAuth: AuthCallback | undefined): Promise<{ name: string; ref: string; oid: string; peeled?: string } | null> {
  if (ref.startsWith("refs/heads/")) return null;
  const info = await git.getRemoteInfo2({ http: gitHttp, url, protocolVersion: 1, onAuth });
  const refs = info.refs ?? [];
  if (!ref.startsWith("refs/tags/") && refs.some((r) => r.ref === `refs/heads/${ref}`)) return null;
  const full = ref.startsWith("refs/tags/") ? ref : `refs/tags/${ref}`;
  const found = refs.find((r) => r.ref === full);
  if (found === undefined) return null;
  return { name: full.slice("refs/tags/".length), ref: full, oid: found.oid, peeled: found.peeled };
}

export interface ExportFile {
  path: string;
  bytes: Uint8Array;
}

export interface PushPlan {
  url: string;
  /** The branch to push to; undefined: the one the project is linked to, else the remote's default, else main. */
  branch: string | undefined;
  /** The commit the project last matched on this remote and branch (an import from it or the last export). */
  expected: { branch: string; commit: string } | null;
  credential: Credential | null;
  message: string;
  author: { name: string; email: string };
}

export interface PushResult {
  branch: string;
  commit: string;
  /** False when the project's tree equals the remote head's: nothing was pushed. */
  pushed: boolean;
}

/**
 * Pushes the files as one new commit on top of the remote branch's head. Refuses (TransferFailed, nothing pushed)
 * when the branch moved on from `expected`, or holds commits that did not come from this project. `beforePush`
 * runs just before the push and may throw to cancel it.
 */
export async function pushFiles(plan: PushPlan, files: ExportFile[], beforePush: () => Promise<void>): Promise<PushResult> {
  const fs = new MemoryFs();
  const onAuth = onAuthFor(plan.credential);
  const host = new URL(plan.url).host;
  let info;
  try {
    info = await git.getRemoteInfo2({ http: gitHttp, url: plan.url, forPush: true, protocolVersion: 1, onAuth });
  } catch (error) {
    throw describeGitError(error, plan.url, plan.branch, plan.credential);
  }
  const refs = info.refs ?? [];
  const headRef = refs.find((r) => r.ref === "HEAD");
  const defaultBranch = headRef?.target?.replace(/^refs\/heads\//, "");
  const branch = plan.branch ?? plan.expected?.branch ?? defaultBranch ?? "main";
  const remoteHead = refs.find((r) => r.ref === `refs/heads/${branch}`)?.oid;
  const expected = plan.expected !== null && plan.expected.branch === branch ? plan.expected.commit : undefined;
  if (remoteHead !== undefined && expected === undefined) {
    throw new TransferFailed(
      `The branch "${branch}" of ${plan.url} already has commits that did not come from this project. Export to a new branch or an empty repository, or import the repository into a new project and export from there.`,
    );
  }
  if (remoteHead !== undefined && remoteHead !== expected) {
    throw new TransferFailed(
      `The branch "${branch}" on ${host} moved on since this project last matched it (it is at ${remoteHead.slice(0, 7)}, this project at ${expected?.slice(0, 7)}). Nothing was pushed: bring those changes in first (import the branch into a new project), or export to a new branch.`,
    );
  }
  let parentTree: string | undefined;
  /** Objects the remote has already (the parent commit's tree): not sent again. */
  const remoteHas = new Set<string>();
  if (remoteHead !== undefined) {
    await git.init({ fs, dir: DIR, defaultBranch: branch });
    await git.addRemote({ fs, dir: DIR, remote: "origin", url: plan.url });
    try {
      await git.fetch({ fs, http: gitHttp, dir: DIR, remote: "origin", ref: branch, singleBranch: true, depth: 1, tags: false, onAuth });
    } catch (error) {
      throw describeGitError(error, plan.url, branch, plan.credential);
    }
    parentTree = (await git.readCommit({ fs, dir: DIR, oid: remoteHead })).commit.tree;
    const walk = async (oid: string) => {
      remoteHas.add(oid);
      for (const entry of (await git.readTree({ fs, dir: DIR, oid })).tree) {
        if (entry.type === "tree") await walk(entry.oid);
        else remoteHas.add(entry.oid);
      }
    };
    await walk(parentTree);
  }
  // Blobs, then trees bottom-up, hashed and later packed by ./pack (why not isomorphic-git's push: see there).
  const objects = new Map<string, GitObject>();
  const keep = (object: GitObject) => {
    if (!remoteHas.has(object.oid)) objects.set(object.oid, object);
    return object.oid;
  };
  interface Dir { files: TreeItem[]; dirs: Map<string, Dir> }
  const root: Dir = { files: [], dirs: new Map() };
  for (const file of files) {
    const parts = file.path.split("/");
    const name = parts.pop() as string;
    let dir = root;
    for (const part of parts) {
      let next = dir.dirs.get(part);
      if (next === undefined) dir.dirs.set(part, (next = { files: [], dirs: new Map() }));
      dir = next;
    }
    dir.files.push({ mode: "100644", name, oid: keep(gitObject("blob", file.bytes)) });
  }
  const writeDir = (dir: Dir): string | null => {
    const items = [...dir.files];
    for (const [name, child] of dir.dirs) {
      const oid = writeDir(child);
      if (oid !== null) items.push({ mode: "40000", name, oid });
    }
    if (items.length === 0 && dir !== root) return null; // Git keeps no empty folders
    return keep(treeObject(items));
  };
  const tree = writeDir(root) as string;
  if (remoteHead !== undefined && tree === parentTree) return { branch, commit: remoteHead, pushed: false };
  const person = { ...plan.author, timestamp: Math.floor(Date.now() / 1000) };
  const commit = keep(commitObject({ tree, parents: remoteHead === undefined ? [] : [remoteHead], author: person, committer: person, message: plan.message }));
  const ref = `refs/heads/${branch}`;
  const body = receivePackRequest(ref, remoteHead, commit, packfile([...objects.values()]));
  await beforePush();
  const headers: Record<string, string> = {
    "content-type": "application/x-git-receive-pack-request",
    accept: "application/x-git-receive-pack-result",
    "user-agent": "git/isomorphic-git polaris",
  };
  if (plan.credential !== null) {
    const user = plan.credential.username ?? DEFAULT_USERNAME;
    headers.authorization = `Basic ${Buffer.from(`${user}:${plan.credential.token}`).toString("base64")}`;
  }
  const response = await guardedFetch(`${plan.url.replace(/\/+$/, "")}/git-receive-pack`, { method: "POST", headers, body: new Uint8Array(body) });
  if (!response.ok) throw describeGitError({ code: "HttpError", data: { statusCode: response.status } }, plan.url, branch, plan.credential);
  let refusal: string | null;
  try {
    refusal = pushRefusal(readPktLines(new Uint8Array(await response.arrayBuffer())), ref);
  } catch {
    refusal = "an unreadable answer";
  }
  if (refusal !== null) throw new TransferFailed(`${host} refused the push (${refusal}). Nothing was changed on the remote.`);
  return { branch, commit, pushed: true };
}
