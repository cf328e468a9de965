// An in-memory file system with the promise API isomorphic-git uses (readFile, writeFile, unlink, readdir, mkdir,
// rmdir, stat, lstat, readlink, symlink, chmod). The import and export actions keep a repository here for the
// length of one run, so no disk and no git binary are needed. Paths are absolute, "/"-separated.

type Node = { kind: "dir"; children: Map<string, Node>; mtimeMs: number } | { kind: "file"; data: Uint8Array; mode: number; mtimeMs: number };

function fsError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function split(path: string): string[] {
  return path.split("/").filter((part) => part !== "" && part !== ".");
}

function stats(node: Node, ino: number) {
  const isDir = node.kind === "dir";
  return {
    type: isDir ? "dir" : "file",
    mode: isDir ? 0o40755 : node.mode,
    size: isDir ? 0 : node.data.length,
    ino,
    mtimeMs: node.mtimeMs,
    ctimeMs: node.mtimeMs,
    uid: 1,
    gid: 1,
    dev: 1,
    isFile: () => !isDir,
    isDirectory: () => isDir,
    isSymbolicLink: () => false,
  };
}

export class MemoryFs {
  private readonly root: Node = { kind: "dir", children: new Map(), mtimeMs: Date.now() };
  private inodes = new WeakMap<Node, number>();
  private nextIno = 1;

  private lookup(path: string): Node | undefined {
    let node: Node | undefined = this.root;
    for (const part of split(path)) {
      if (node?.kind !== "dir") return undefined;
      node = node.children.get(part);
    }
    return node;
  }

  private parentOf(path: string): { dir: Node & { kind: "dir" }; name: string } {
    const parts = split(path);
    const name = parts.pop();
    const dir = this.lookup(parts.join("/"));
    if (name === undefined) throw fsError("EEXIST", path);
    if (dir === undefined) throw fsError("ENOENT", path);
    if (dir.kind !== "dir") throw fsError("ENOTDIR", path);
    return { dir, name };
  }

  private ino(node: Node): number {
    let ino = this.inodes.get(node);
    if (ino === undefined) {
      ino = this.nextIno++;
      this.inodes.set(node, ino);
    }
    return ino;
  }

  // isomorphic-git calls these as promise-returning functions; the in-memory work itself is synchronous.
  /* eslint-disable @typescript-eslint/require-await */
  readonly promises = {
    readFile: async (path: string, options?: string | { encoding?: string }) => {
      const node = this.lookup(path);
      if (node === undefined) throw fsError("ENOENT", path);
      if (node.kind !== "file") throw fsError("EISDIR", path);
      const encoding = typeof options === "string" ? options : options?.encoding;
      return encoding === "utf8" || encoding === "utf-8" ? decoder.decode(node.data) : node.data;
    },
    writeFile: async (path: string, data: Uint8Array | string, options?: { mode?: number } | string) => {
      const { dir, name } = this.parentOf(path);
      const existing = dir.children.get(name);
      if (existing?.kind === "dir") throw fsError("EISDIR", path);
      const mode = typeof options === "object" && options.mode !== undefined ? options.mode : 0o100644;
      dir.children.set(name, { kind: "file", data: typeof data === "string" ? encoder.encode(data) : new Uint8Array(data), mode, mtimeMs: Date.now() });
    },
    unlink: async (path: string) => {
      const { dir, name } = this.parentOf(path);
      const node = dir.children.get(name);
      if (node === undefined) throw fsError("ENOENT", path);
      if (node.kind === "dir") throw fsError("EISDIR", path);
      dir.children.delete(name);
    },
    readdir: async (path: string) => {
      const node = this.lookup(path);
      if (node === undefined) throw fsError("ENOENT", path);
      if (node.kind !== "dir") throw fsError("ENOTDIR", path);
      return [...node.children.keys()];
    },
    mkdir: async (path: string) => {
      const { dir, name } = this.parentOf(path);
      if (dir.children.has(name)) throw fsError("EEXIST", path);
      dir.children.set(name, { kind: "dir", children: new Map(), mtimeMs: Date.now() });
    },
    rmdir: async (path: string) => {
      const { dir, name } = this.parentOf(path);
      const node = dir.children.get(name);
      if (node === undefined) throw fsError("ENOENT", path);
      if (node.kind !== "dir") throw fsError("ENOTDIR", path);
      if (node.children.size > 0) throw fsError("ENOTEMPTY", path);
      dir.children.delete(name);
    },
    stat: async (path: string) => {
      const node = this.lookup(path);
      if (node === undefined) throw fsError("ENOENT", path);
      return stats(node, this.ino(node));
    },
    lstat: async (path: string) => this.promises.stat(path),
    readlink: async (path: string): Promise<string> => {
      throw fsError("EINVAL", path);
    },
    symlink: async (_target: string, path: string): Promise<void> => {
      throw fsError("EPERM", path);
    },
    chmod: async (path: string, mode: number) => {
      const node = this.lookup(path);
      if (node === undefined) throw fsError("ENOENT", path);
      if (node.kind === "file") node.mode = mode;
    },
  };
  /* eslint-enable @typescript-eslint/require-await */
}
