import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { SearchOptions } from "../../../convex/lib/search";
import { PAGE_MATCHES } from "../../../convex/model/search";
import { type Caller, type CaseSuite, expectConvexError } from "../harness";
import { listedIn, uploadAs } from "./helpers";
import { seedBigProject } from "./scale";

// search.page on both backends: what it matches (text, case, whole word, regex, globs), what it hides (a deleted
// folder's files while their purge waits) and skips (storage files), a bad pattern refused clearly, another user's
// project NOT_FOUND, and a project past Convex's per-function read limits searched completely page by page.

/** Every page of a search, as the SPA reads it. */
async function searchAll(caller: Caller, projectId: Id<"projects">, options: SearchOptions) {
  const files: { path: string; lines: { line: number; column: number }[]; matches: number; more: boolean }[] = [];
  let cursor: number | null = null;
  let pages = 0;
  let searched = 0;
  let skipped = 0;
  const skippedPaths: string[] = [];
  do {
    const page: Awaited<ReturnType<typeof caller.query<typeof api.search.page>>> = await caller.query(api.search.page, { projectId, ...options, cursor });
    pages += 1;
    searched += page.searched;
    skipped += page.skipped;
    skippedPaths.push(...page.skippedPaths);
    files.push(...page.files.map((f) => ({ path: f.path, lines: f.lines.map((l) => ({ line: l.line, column: l.column })), matches: f.matches, more: f.more })));
    cursor = page.cursor;
  } while (cursor !== null);
  return { files, pages, searched, skipped, skippedPaths };
}

const paths = async (caller: Caller, projectId: Id<"projects">, options: SearchOptions) =>
  (await searchAll(caller, projectId, options)).files.map((f) => f.path).sort();

export const searchCases: CaseSuite = (makeHarness) => {
  describe("search.page", () => {
    it("matches text, case, whole words, regular expressions and globs, and hides deleted folders' files", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Search" });
      const src = await alice.mutation(api.files.createFolder, { projectId, name: "src" });
      const gen = await alice.mutation(api.files.createFolder, { projectId, parentId: src, name: "gen" });
      await alice.mutation(api.files.createMany, {
        projectId,
        parentId: src,
        items: [
          { name: "app.ts", content: "import { Foo } from './foo';\nconst foo = new Foo();\n" },
          { name: "foo.ts", content: "export class Foo {}\n// food for thought\n" },
        ],
      });
      await alice.mutation(api.files.createFile, { projectId, parentId: gen, name: "out.ts", content: "foo foo foo\n" });
      await alice.mutation(api.files.createFile, { projectId, name: "README.md", content: "# Foo\n\nfoo.bar fooXbar\n" });
      const storageId = await uploadAs(h, alice, projectId, new Uint8Array([102, 111, 111]), "application/octet-stream");
      await alice.mutation(api.files.createBinaryFile, { projectId, name: "foo.bin", storageId });

      const all = await searchAll(alice, projectId, { query: "foo" });
      expect(all.files.map((f) => [f.path, f.matches, f.lines]).sort()).toEqual([
        ["README.md", 3, [{ line: 1, column: 2 }, { line: 3, column: 0 }]],
        ["src/app.ts", 4, [{ line: 1, column: 9 }, { line: 2, column: 6 }]],
        ["src/foo.ts", 2, [{ line: 1, column: 13 }, { line: 2, column: 3 }]],
        ["src/gen/out.ts", 3, [{ line: 1, column: 0 }]],
      ]);
      expect(all).toMatchObject({ pages: 1, searched: 4, skipped: 1, skippedPaths: ["foo.bin"] });

      expect(await paths(alice, projectId, { query: "Foo", matchCase: true, wholeWord: true })).toEqual(["README.md", "src/app.ts", "src/foo.ts"]);
      expect(await paths(alice, projectId, { query: "food", wholeWord: true })).toEqual(["src/foo.ts"]);
      expect(await paths(alice, projectId, { query: "foo.bar" })).toEqual(["README.md"]);
      expect((await searchAll(alice, projectId, { query: "foo.bar", regex: true })).files[0].matches).toBe(2);
      expect(await paths(alice, projectId, { query: "^export\\s+class", regex: true })).toEqual(["src/foo.ts"]);
      expect(await paths(alice, projectId, { query: "foo", include: "src", exclude: "gen" })).toEqual(["src/app.ts", "src/foo.ts"]);
      expect(await paths(alice, projectId, { query: "foo", include: "*.md, **/out.ts" })).toEqual(["README.md", "src/gen/out.ts"]);
      expect(await searchAll(alice, projectId, { query: "foo", include: "*.md" })).toMatchObject({ searched: 1, skipped: 0 });

      await expectConvexError(alice.query(api.search.page, { projectId, query: "(foo", regex: true, cursor: null }), "INVALID_ARGUMENT");
      await expectConvexError(alice.query(api.search.page, { projectId, query: "", cursor: null }), "INVALID_ARGUMENT");
      await expectConvexError(h.as("bob").query(api.search.page, { projectId, query: "foo", cursor: null }), "NOT_FOUND");

      // A save is searched at once; a deleted folder's files vanish from results before their purge.
      const readme = (await listedIn(alice, projectId)).find((f) => f.name === "README.md")!;
      await alice.mutation(api.files.updateContent, { fileId: readme._id, content: "nothing here\n" });
      await alice.mutation(api.files.remove, { fileId: gen });
      expect(await paths(alice, projectId, { query: "foo" })).toEqual(["src/app.ts", "src/foo.ts"]);
    });

    it("ends a page after PAGE_MATCHES matches and resumes exactly after it", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Many" });
      const line = "hit ".repeat(50);
      const count = Math.ceil((PAGE_MATCHES * 2.5) / 50);
      await alice.mutation(api.files.createMany, {
        projectId,
        items: Array.from({ length: count }, (_, i) => ({ name: `f${String(i).padStart(3, "0")}.txt`, content: `${line}\n` })),
      });
      const result = await searchAll(alice, projectId, { query: "hit", wholeWord: true });
      expect(result.pages).toBe(3);
      expect(result.files.map((f) => f.path)).toEqual(Array.from({ length: count }, (_, i) => `f${String(i).padStart(3, "0")}.txt`));
      expect(result.files.every((f) => f.matches === 50)).toBe(true);
    });

    it(
      "searches every file of a project past the per-function read limits, page by page",
      async () => {
        const h = await makeHarness();
        const alice = h.as("alice");
        const big = await seedBigProject(h, alice, h.scaleFiles);
        const { projectId } = big;
        const fileCount = [...big.paths].filter((p) => p.endsWith(".ts") || p.endsWith(".md")).length;
        await alice.mutation(api.files.updateContent, { fileId: big.deepFileId, content: "the one needle\n" });

        const needle = await searchAll(alice, projectId, { query: "NEEDLE" });
        expect(needle.files).toEqual([{ path: "big/part-00/file-00000.ts", lines: [{ line: 1, column: 8 }], matches: 1, more: false }]);
        expect(needle.searched).toBe(fileCount);
        expect(needle.skipped).toBe(1); // big/logo.png
        // 520-byte rows at PAGE_BYTES (4 MiB) a page: a 40,000-file project takes several pages, each inside the limits.
        expect(needle.pages).toBeGreaterThanOrEqual(Math.floor((h.scaleFiles * 520) / (4 * 1024 * 1024)));

        const part = await searchAll(alice, projectId, { query: "export const \\w+ = 1;", regex: true, include: "big/part-01" });
        const partFiles = [...big.paths].filter((p) => p.startsWith("big/part-01/")).sort();
        expect(part.files.map((f) => f.path).sort()).toEqual(partFiles);
        expect(part.searched).toBe(partFiles.length);
      },
      600_000,
    );
  });
};
