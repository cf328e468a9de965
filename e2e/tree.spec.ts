import type { Page } from "@playwright/test";
import { expect, test } from "./drivers/fixtures";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { listed } from "../tests/listing";
import { createProject, serverFor, signIn, UI, uniqueUser } from "./drivers";

const Tree = {
  tree: (page: Page) => page.getByRole("tree", { name: "Files" }),
  item: (page: Page, name: string) => page.getByRole("treeitem", { name, exact: true }),
  input: (page: Page, label: "New file name" | "New folder name" | "Rename") =>
    page.getByRole("textbox", { name: label, exact: true }),
};

async function openProject(page: Page, name: string) {
  await UI.projectLink(page, name).click();
  await expect(Tree.tree(page)).toBeVisible();
  await expect(Tree.tree(page)).not.toHaveAttribute("aria-busy", "true");
}

/** Types a name into the inline editor the shortcut opened and waits until the server's row has focus. */
async function newItem(page: Page, kind: "file" | "folder", name: string) {
  await page.keyboard.press(kind === "file" ? "ControlOrMeta+Alt+KeyN" : "ControlOrMeta+Alt+Shift+KeyN");
  const input = Tree.input(page, kind === "file" ? "New file name" : "New folder name");
  await expect(input).toBeFocused();
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
  const item = Tree.item(page, name);
  await expect(item).toBeVisible();
  // A new file opens in the editor, which takes focus once it has loaded (typing goes on in the file): wait for
  // that, or it could take focus back from the row after the step below (seen under load).
  if (kind === "file") await expect(page.locator(".cm-content")).toBeFocused();
  // The new item becomes the tree's focused item (its tab stop); DOM focus follows unless something else
  // (the editor opening a new file, a workspace re-render) took it meanwhile. Land on it as a keyboard user would.
  await expect(item).toHaveAttribute("tabindex", "0");
  await item.focus();
  await expect(item).toBeFocused();
}

test("build a tree with the keyboard, rename, move by drag and drop, and find it after a reload", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Tree");
  await openProject(page, "Tree");

  await Tree.tree(page).focus();
  await newItem(page, "file", "README.md");
  await newItem(page, "folder", "src");
  await expect(Tree.item(page, "src")).toHaveAttribute("aria-level", "1");
  await newItem(page, "file", "main.ts");
  await expect(Tree.item(page, "main.ts")).toHaveAttribute("aria-level", "2");
  await newItem(page, "folder", "lib");
  await expect(Tree.item(page, "lib")).toHaveAttribute("aria-level", "2");

  // An invalid name is explained in place and nothing is created.
  await page.keyboard.press("ControlOrMeta+Alt+KeyN");
  await page.keyboard.type("a/b");
  await page.keyboard.press("Enter");
  await expect(Tree.input(page, "New file name")).toHaveAttribute("aria-invalid", "true");
  await page.keyboard.press("Escape");
  await expect(Tree.input(page, "New file name")).toHaveCount(0);

  // Rename main.ts with F2.
  await Tree.item(page, "main.ts").focus();
  await page.keyboard.press("F2");
  await expect(Tree.input(page, "Rename")).toBeFocused();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("index.ts");
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "index.ts")).toBeVisible();
  await expect(Tree.item(page, "main.ts")).toHaveCount(0);

  // Folders first, then files: src (folder) before README.md at the root, lib before index.ts in src.
  await expect(page.getByRole("treeitem")).toHaveText(["src", "lib", "index.ts", "README.md"]);

  await Tree.item(page, "README.md").dragTo(Tree.item(page, "lib"));
  await expect(Tree.item(page, "README.md")).toHaveAttribute("aria-level", "3");

  await page.reload();
  // The folders expanded before the reload are expanded again: the moved file is in sight at once.
  await expect(Tree.item(page, "README.md")).toHaveAttribute("aria-level", "3");
  await expect(Tree.item(page, "index.ts")).toHaveAttribute("aria-level", "2");
  await expect(Tree.item(page, "src")).toHaveAttribute("aria-expanded", "true");
  await expect(Tree.item(page, "lib")).toHaveAttribute("aria-expanded", "true");
  await Tree.item(page, "src").focus();
  await page.keyboard.press("ArrowLeft");
  await expect(Tree.item(page, "lib")).toHaveCount(0);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(Tree.item(page, "lib")).toBeFocused();
});

test("a new file named right after a new folder's Enter is created inside that folder, with its text", async ({ page }) => {
  // The sync socket passes through the test, which holds the server's answers while the keys are typed: the
  // folder's server id comes after them whatever the machine's speed (as on a loaded machine or a slow link).
  let holding = false;
  const held: (string | Buffer)[] = [];
  let release: () => void = () => {};
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (ws) => {
    const backend = ws.connectToServer();
    ws.onMessage((message) => backend.send(message));
    backend.onMessage((message) => (holding ? held.push(message) : ws.send(message)));
    release = () => {
      holding = false;
      for (const message of held.splice(0)) ws.send(message);
    };
  });
  await signIn(page);
  await createProject(page, "Fast tree");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Fast tree")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "README.md", content: "" });
  await openProject(page, "Fast tree");
  // On a file at the root: its new folder goes to the root, and the new file must follow the folder, not the file.
  await Tree.item(page, "README.md").focus();

  // Typed at once, as a fast person does.
  holding = true;
  await page.keyboard.press("ControlOrMeta+Alt+Shift+KeyN");
  await page.keyboard.type("src");
  await page.keyboard.press("Enter");
  await page.keyboard.press("ControlOrMeta+Alt+KeyN");
  await page.keyboard.type("index.ts");
  await page.keyboard.press("Enter");
  await page.keyboard.type("export {};");
  release();

  await expect(Tree.item(page, "src")).toHaveAttribute("aria-level", "1");
  await expect(Tree.item(page, "index.ts")).toHaveAttribute("aria-level", "2");
  await expect(page.getByRole("treeitem")).toHaveText(["src", "index.ts", "README.md"]);
  const editor = page.getByRole("textbox", { name: "Editor: src/index.ts" });
  await expect(editor).toHaveText("export {};");
  await expect(editor).toBeFocused();
});

test("after a delete, focus goes to the next row and Ctrl+Z, arrows and F2 keep working", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Delete focus");
  await openProject(page, "Delete focus");
  await Tree.tree(page).focus();
  for (const name of ["a.txt", "b.txt", "c.txt"]) await newItem(page, "file", name);

  await Tree.item(page, "b.txt").focus();
  await page.keyboard.press("Delete");
  await expect(page.getByRole("alertdialog", { name: 'Delete "b.txt"?' })).toBeVisible();
  await page.keyboard.press("Tab"); // from Cancel, where the dialog puts focus, to Delete
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "b.txt")).toHaveCount(0);
  await expect(Tree.item(page, "c.txt")).toBeFocused();

  await page.keyboard.press("Delete");
  await page.keyboard.press("Tab"); // from Cancel, where the dialog puts focus, to Delete
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "c.txt")).toHaveCount(0);
  await expect(Tree.item(page, "a.txt")).toBeFocused();

  await page.keyboard.press("ControlOrMeta+z");
  await expect(Tree.item(page, "c.txt")).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(Tree.item(page, "a.txt")).toBeFocused();
  await page.keyboard.press("F2");
  await expect(Tree.input(page, "Rename")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(Tree.item(page, "a.txt")).toBeFocused();
});

test("a deleted folder goes to the trash and Ctrl+Z restores it with what it held", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Trash");
  await openProject(page, "Trash");
  await Tree.tree(page).focus();
  await newItem(page, "folder", "lib");
  await newItem(page, "file", "inner.ts");
  await expect(Tree.item(page, "inner.ts")).toHaveAttribute("aria-level", "2");

  await Tree.item(page, "lib").focus();
  await page.keyboard.press("Delete");
  const confirm = page.getByRole("alertdialog", { name: 'Delete "lib"?' });
  await expect(confirm).toHaveAccessibleDescription(
    /^Folders are deleted with everything in them\. Undo \(Ctrl\+Z\) restores it, with everything in it, for \d+ days\.$/,
  );
  await page.keyboard.press("Tab"); // from Cancel, where the dialog puts focus, to Delete
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "lib")).toHaveCount(0);
  await expect(Tree.item(page, "inner.ts")).toHaveCount(0);

  await page.keyboard.press("ControlOrMeta+z");
  await expect(Tree.item(page, "lib")).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(Tree.item(page, "inner.ts")).toBeVisible();
  // Restored on the server, not guessed by this browser: it survives a reload.
  await page.reload();
  await expect(Tree.item(page, "lib")).toBeVisible();
});

test("two browsers of the same user see each other's tree changes live", async ({ page: a, secondPage: b }) => {
  const user = uniqueUser("tree");
  await signIn(a, user);
  await createProject(a, "Shared tree");
  await openProject(a, "Shared tree");
  await signIn(b, user);
  await openProject(b, "Shared tree");

  await Tree.tree(a).focus();
  await newItem(a, "folder", "shared");
  await expect(Tree.item(b, "shared")).toBeVisible();

  await Tree.tree(b).getByRole("treeitem", { name: "shared" }).focus();
  await b.keyboard.press("F2");
  await b.keyboard.press("ControlOrMeta+a");
  await b.keyboard.type("renamed");
  await b.keyboard.press("Enter");
  await expect(Tree.item(a, "renamed")).toBeVisible();

  await Tree.item(a, "renamed").focus();
  await a.keyboard.press("Delete");
  await expect(a.getByRole("alertdialog")).toBeVisible();
  await a.keyboard.press("Tab"); // from Cancel, where the dialog puts focus, to Delete
  await a.keyboard.press("Enter");
  await expect(Tree.item(b, "renamed")).toHaveCount(0);
});

/** What the synthetic drop holds: a path ending in "/" is a folder; otherwise a file with these bytes. */
const DROPPED_FOLDER: Record<string, number[] | null> = {
  "site/": null,
  "site/index.html": [...new TextEncoder().encode("<p>hé</p>\n")],
  "site/css/": null,
  "site/css/a.css": [...new TextEncoder().encode("a{}")],
  "site/css/b.css": [...new TextEncoder().encode("b{}")],
  "site/css/c.css": [...new TextEncoder().encode("c{}")],
  "site/img/": null,
  "site/img/logo.bin": [137, 80, 78, 71, 0, 0, 0, 13, 255, 254],
  "site/empty/": null,
  "site/bad. ": [...new TextEncoder().encode("refused")],
};

test("a folder dropped from the desktop is imported with its structure and bytes, focus on it", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Dropped");
  await openProject(page, "Dropped");
  const projectId = new URL(page.url()).pathname.split("/").pop() as Id<"projects">;

  // Playwright cannot drop an OS folder: the page builds a DataTransfer whose items return fake
  // FileSystemDirectoryEntry / FileSystemFileEntry objects (readEntries answering two at a time, then empty).
  const drop = await page.evaluateHandle((spec) => {
    type Fake = { isFile: boolean; isDirectory: boolean; name: string; [k: string]: unknown };
    const nodes = new Map<string, Fake & { children?: Fake[] }>();
    for (const [path, bytes] of Object.entries(spec)) {
      const isDirectory = path.endsWith("/");
      const clean = isDirectory ? path.slice(0, -1) : path;
      const name = clean.slice(clean.lastIndexOf("/") + 1);
      const node: Fake & { children?: Fake[] } = isDirectory
        ? { isFile: false, isDirectory: true, name, children: [] }
        : { isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([new Uint8Array(bytes ?? [])], name)) };
      if (isDirectory) {
        node.createReader = () => {
          let next = 0;
          return {
            readEntries: (ok: (e: Fake[]) => void) => {
              const batch = node.children!.slice(next, next + 2);
              next += batch.length;
              setTimeout(() => ok(batch), 0);
            },
          };
        };
      }
      nodes.set(clean, node);
      const parent = clean.includes("/") ? nodes.get(clean.slice(0, clean.lastIndexOf("/"))) : undefined;
      parent?.children!.push(node);
    }
    const data = new DataTransfer();
    data.items.add(new File([], "site"));
    const top = nodes.get("site")!;
    Object.defineProperty(data, "items", { value: [{ kind: "file", type: "", webkitGetAsEntry: () => top }] });
    return data;
  }, DROPPED_FOLDER);
  const zone = page.locator(".file-tree-scroll");
  await zone.dispatchEvent("dragenter", { dataTransfer: drop });
  await zone.dispatchEvent("dragover", { dataTransfer: drop });
  await zone.dispatchEvent("drop", { dataTransfer: drop });

  // The refused name is named in a toast; focus lands on the first created row, the dropped folder.
  await expect(UI.notifications(page)).toContainText('Not imported: "site/bad. " (A name cannot end with a space)');
  await expect(Tree.item(page, "site")).toBeFocused();

  // The server holds the structure and the bytes.
  const backend = await serverFor(page);
  const expected = Object.keys(DROPPED_FOLDER).filter((p) => !p.startsWith("site/bad")).map((p) => p.replace(/\/$/, "")).sort();
  const paths = async () => {
    const entries = await listed(backend, projectId);
    const byId = new Map(entries.map((e) => [e._id as string, e]));
    const pathOf = (e: (typeof entries)[number]): string => (e.parentId ? `${pathOf(byId.get(e.parentId)!)}/${e.name}` : e.name);
    return new Map(entries.map((e) => [pathOf(e), e]));
  };
  await expect.poll(async () => [...(await paths()).keys()].sort(), { timeout: 30_000 }).toEqual(expected);
  const onServer = await paths();
  for (const [path, bytes] of Object.entries(DROPPED_FOLDER)) {
    if (bytes === null || path.startsWith("site/bad")) continue;
    const entry = onServer.get(path)!;
    const file = await backend.query(api.files.get, { fileId: entry._id });
    if (path.endsWith(".bin")) {
      expect(entry.isBinary).toBe(true);
      const response = await fetch(file.url!);
      expect([...new Uint8Array(await response.arrayBuffer())]).toEqual(bytes);
    } else expect(file.content).toBe(new TextDecoder().decode(new Uint8Array(bytes)));
  }

  // Plain files still drop as before (here without entries, as from a browser without the entries API).
  const files = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(["plain\n"], "notes.txt"));
    data.items.add(new File([new Uint8Array([0, 1, 2, 255])], "blob.dat"));
    Object.defineProperty(data, "items", { value: [] });
    return data;
  });
  await zone.dispatchEvent("dragover", { dataTransfer: files });
  await zone.dispatchEvent("drop", { dataTransfer: files });
  // Focus on the first of them in the tree's order (blob.dat sorts before notes.txt).
  await expect(Tree.item(page, "blob.dat")).toBeFocused();
  await expect.poll(async () => [...(await paths()).keys()].filter((p) => !p.includes("/")).sort(), { timeout: 30_000 }).toEqual(["blob.dat", "notes.txt", "site"]);
  const after = await paths();
  expect((await backend.query(api.files.get, { fileId: after.get("notes.txt")!._id })).content).toBe("plain\n");
  const blob = await backend.query(api.files.get, { fileId: after.get("blob.dat")!._id });
  expect([...new Uint8Array(await (await fetch(blob.url!)).arrayBuffer())]).toEqual([0, 1, 2, 255]);
});

test("a drop over an import's limits is refused whole, naming the file; a large drop's Cancel stops it and says how far it got", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Limits");
  await openProject(page, "Limits");
  const projectId = new URL(page.url()).pathname.split("/").pop() as Id<"projects">;
  const backend = await serverFor(page);
  const zone = page.locator(".file-tree-scroll");
  /** Plain dropped files (no entries API): `sizes` maps names to byte counts (a .bin is binary, the rest text). */
  const dropFiles = async (sizes: Record<string, number>) => {
    const data = await page.evaluateHandle((spec) => {
      const transfer = new DataTransfer();
      for (const [name, size] of Object.entries(spec)) {
        transfer.items.add(new File([name.endsWith(".bin") ? new Uint8Array(size).fill(255) : "x".repeat(size)], name));
      }
      Object.defineProperty(transfer, "items", { value: [] });
      return transfer;
    }, sizes);
    await zone.dispatchEvent("dragover", { dataTransfer: data });
    await zone.dispatchEvent("drop", { dataTransfer: data });
  };

  // One file over 32 MiB: the drop is refused before anything is written, and the toast names the file.
  await dropFiles({ "a.txt": 3, "huge.bin": 32 * 1024 * 1024 + 1 });
  await expect(UI.notifications(page)).toContainText('Nothing was imported: "huge.bin" is too large: 33,554,433 bytes, over the limit of 33,554,432 bytes per file.');
  expect(await listed(backend, projectId)).toEqual([]);

  // 60 files, the first (in the tree's order) a binary whose upload the test holds until it has pressed Cancel:
  // the drop stops before its next write, keeps the one file written and says so.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let uploads = 0;
  await page.route("**/api/storage/upload**", async (route) => {
    uploads++;
    await held;
    await route.fallback();
  });
  const sizes: Record<string, number> = { "a.bin": 4 };
  for (let i = 1; i < 60; i++) sizes[`t${String(i).padStart(2, "0")}.txt`] = 5;
  await dropFiles(sizes);
  const importing = UI.notifications(page).getByRole("listitem").filter({ hasText: "Importing 60 files…" });
  await expect.poll(() => uploads).toBe(1);
  await importing.getByRole("button", { name: "Cancel" }).click();
  release();
  await expect(UI.notifications(page)).toContainText("Import stopped: 1 of 60 files were imported, the rest was not.");
  await expect(Tree.item(page, "a.bin")).toBeVisible();
  expect((await listed(backend, projectId)).map((e) => e.name)).toEqual(["a.bin"]);
});
