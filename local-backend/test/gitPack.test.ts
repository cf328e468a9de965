import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commitObject, gitObject, packfile, pushRefusal, readPktLines, treeObject } from "../../convex/transfer/pack";

// The export's own Git objects and packfile (convex/transfer/pack.ts), checked against the git binary: the ids it
// computes are the ones git computes, and git accepts the pack (index-pack verifies every object and the trailer).

const dir = mkdtempSync(path.join(tmpdir(), "polaris-pack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const git = (args: string[], input?: Uint8Array) =>
  execFileSync("git", args, { cwd: dir, input, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: dir } }).toString().trim();

describe("Git objects and packfile", () => {
  it("computes the ids git computes and builds a pack git indexes", () => {
    git(["init", "-q", "--bare", "repo.git"]);
    const binary = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251);
    const blob = gitObject("blob", binary);
    const text = gitObject("blob", new TextEncoder().encode("hello\n"));
    writeFileSync(path.join(dir, "b.bin"), binary);
    expect(blob.oid).toBe(git(["hash-object", "b.bin"]));
    // Git sorts a folder as if its name ended in "/": "a.txt" (".", 0x2e) comes before the folder "a" ("/", 0x2f).
    const sub = treeObject([{ mode: "100644", name: "x.bin", oid: blob.oid }]);
    const root = treeObject([
      { mode: "100644", name: "a.txt", oid: text.oid },
      { mode: "40000", name: "a", oid: sub.oid },
      { mode: "100644", name: "Z", oid: text.oid },
    ]);
    const commit = commitObject({
      tree: root.oid,
      parents: [],
      author: { name: "Polaris", email: "p@example.com", timestamp: 1_700_000_000 },
      committer: { name: "Polaris", email: "p@example.com", timestamp: 1_700_000_000 },
      message: "Export",
    });
    const pack = packfile([commit, root, sub, blob, text]);
    git(["--git-dir=repo.git", "index-pack", "--strict", "--stdin"], pack);
    git(["--git-dir=repo.git", "update-ref", "refs/heads/main", commit.oid]);
    expect(git(["--git-dir=repo.git", "fsck", "--strict", "--no-dangling"])).toBe("");
    expect(git(["--git-dir=repo.git", "ls-tree", "-r", "--name-only", "main"]).split("\n")).toEqual(["Z", "a.txt", "a/x.bin"]);
    expect(git(["--git-dir=repo.git", "log", "--format=%an <%ae> %at %s", "main"])).toBe("Polaris <p@example.com> 1700000000 Export");
  });

  it("reads the push's report-status", () => {
    const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, "0")}${s}`;
    const ok = new TextEncoder().encode(`${pkt("unpack ok\n")}${pkt("ok refs/heads/main\n")}0000`);
    expect(pushRefusal(readPktLines(ok), "refs/heads/main")).toBeNull();
    const ng = new TextEncoder().encode(`${pkt("unpack ok\n")}${pkt("ng refs/heads/main non-fast-forward\n")}0000`);
    expect(pushRefusal(readPktLines(ng), "refs/heads/main")).toBe("non-fast-forward");
    const bad = new TextEncoder().encode(`${pkt("unpack index-pack failed\n")}0000`);
    expect(pushRefusal(readPktLines(bad), "refs/heads/main")).toBe("index-pack failed");
  });
});
