"use node";

import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";

// Git objects and a packfile built with Node's native SHA-1 and zlib, for the export's push. isomorphic-git's own
// path (writeBlob, then push) deflates every object into a loose object, then inflates and deflates it again to
// pack it, each through a web CompressionStream hop, several thousand asynchronous stream round trips for a
// 1,000-file project (bench/transfer measured the export at 2.7–10.7× `git push`). Here each object is hashed and
// deflated once, synchronously, straight into the pack. Formats: Git's "pack-format" and "http-protocol" docs.

export type ObjectType = "commit" | "tree" | "blob";

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

export interface GitObject {
  type: ObjectType;
  oid: string;
  body: Uint8Array;
}

/** The object `type` with contents `body`, and its id (SHA-1 of "type size\0body"). */
export function gitObject(type: ObjectType, body: Uint8Array): GitObject {
  const oid = createHash("sha1").update(`${type} ${body.length}\0`).update(body).digest("hex");
  return { type, oid, body };
}

export interface TreeItem {
  /** "100644" for a file, "40000" for a folder (Git writes tree modes without a leading zero). */
  mode: "100644" | "40000";
  name: string;
  oid: string;
}

/** A tree object: entries sorted as Git sorts them (a folder's name compared as if it ended in "/"). */
export function treeObject(items: TreeItem[]): GitObject {
  const key = (item: TreeItem) => (item.mode === "40000" ? `${item.name}/` : item.name);
  const sorted = [...items].sort((a, b) => {
    const ka = Buffer.from(key(a));
    const kb = Buffer.from(key(b));
    return Buffer.compare(ka, kb);
  });
  const parts: Buffer[] = [];
  for (const item of sorted) parts.push(Buffer.from(`${item.mode} ${item.name}\0`), Buffer.from(item.oid, "hex"));
  return gitObject("tree", Buffer.concat(parts));
}

export interface Person {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** A commit object (UTC times). */
export function commitObject(c: { tree: string; parents: string[]; author: Person; committer: Person; message: string }): GitObject {
  const who = (p: Person) => `${p.name} <${p.email}> ${p.timestamp} +0000`;
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who(c.author)}`, `committer ${who(c.committer)}`, "", c.message];
  const text = lines.join("\n");
  return gitObject("commit", Buffer.from(text.endsWith("\n") ? text : `${text}\n`));
}

/** A version 2 packfile holding `objects` undeltified, each deflated once. */
export function packfile(objects: GitObject[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.write("PACK", 0, "ascii");
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  parts.push(head);
  for (const object of objects) {
    // Object header: type in bits 6-4 of the first byte, the size in 4 bits then 7 bits per byte, little-endian.
    let size = object.body.length;
    const bytes = [(TYPE_CODE[object.type] << 4) | (size & 0x0f)];
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes[bytes.length - 1] |= 0x80;
      bytes.push(size & 0x7f);
      size = Math.floor(size / 128);
    }
    parts.push(Buffer.from(bytes), deflateSync(object.body, { level: 1 }));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash("sha1").update(body).digest()]);
}

function pktLine(text: string): Buffer {
  const data = Buffer.from(text);
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, "0")), data]);
}

/** The body of a receive-pack request updating `ref` from `oldOid` (40 zeros: create) to `newOid`. */
export function receivePackRequest(ref: string, oldOid: string | undefined, newOid: string, pack: Buffer): Buffer {
  const old = oldOid ?? "0".repeat(40);
  return Buffer.concat([pktLine(`${old} ${newOid} ${ref}\0report-status agent=polaris\n`), Buffer.from("0000"), pack]);
}

/** The lines of a pkt-line stream up to the first flush packet. */
export function readPktLines(data: Uint8Array): string[] {
  const buffer = Buffer.from(data);
  const lines: string[] = [];
  let at = 0;
  while (at + 4 <= buffer.length) {
    const length = parseInt(buffer.subarray(at, at + 4).toString("ascii"), 16);
    if (!Number.isFinite(length) || length === 0) break;
    if (length < 4 || at + length > buffer.length) throw new Error("malformed pkt-line");
    lines.push(buffer.subarray(at + 4, at + length).toString("utf8").replace(/\n$/, ""));
    at += length;
  }
  return lines;
}

/** The report-status answer to a push of `ref`: null when it was applied, else the server's reason. */
export function pushRefusal(lines: string[], ref: string): string | null {
  const unpack = lines.find((l) => l.startsWith("unpack "));
  if (unpack !== undefined && unpack !== "unpack ok") return unpack.slice("unpack ".length);
  if (lines.includes(`ok ${ref}`)) return null;
  const ng = lines.find((l) => l.startsWith(`ng ${ref} `));
  return ng !== undefined ? ng.slice(`ng ${ref} `.length) : "no status reported";
}
