// Initial JavaScript of the app, gzip: the entry chunk plus every chunk it imports statically (what the browser
// must fetch before the first screen), built with the project's own vite.config.ts. The editor (CodeMirror), the
// workspace, the chat and Clerk must stay out of it. Reference, built in the same run: a bare React 19 app
// (react-dom/client rendering one element), the floor any React SPA pays.
import { build } from "vite";
import { build as esbuild } from "esbuild";
import { gzipSync } from "node:zlib";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { updateSection } from "../docs.mjs";

const outDir = mkdtempSync(join(tmpdir(), "polaris-bundle-"));
const chunks = new Map();
try {
  await build({
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, sourcemap: false },
    plugins: [
      {
        name: "record-chunks",
        generateBundle(_options, bundle) {
          for (const item of Object.values(bundle)) {
            if (item.type !== "chunk") continue;
            chunks.set(item.fileName, {
              isEntry: item.isEntry,
              imports: item.imports,
              modules: Object.keys(item.modules),
              gzip: gzipSync(item.code).length,
            });
          }
        },
      },
    ],
  });

  const entry = [...chunks.entries()].find(([, c]) => c.isEntry)?.[0];
  if (!entry) throw new Error("bench/bundle: the build produced no entry chunk");
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
  };
  visit(entry);
  const initialGzip = [...initial].reduce((sum, name) => sum + chunks.get(name).gzip, 0);
  const totalGzip = [...chunks.values()].reduce((sum, c) => sum + c.gzip, 0);
  const initialModules = [...initial].flatMap((name) => chunks.get(name).modules);
  const lazyOnly = ["@codemirror", "@clerk", "react-markdown", "/features/editor/", "/features/chat/"];
  const leaked = lazyOnly.filter((needle) => initialModules.some((m) => m.includes(needle)));

  const refDir = mkdtempSync(join(tmpdir(), "polaris-bundle-ref-"));
  const ref = await esbuild({
    stdin: {
      contents: `import { createRoot } from "react-dom/client"; import { createElement } from "react";
        createRoot(document.getElementById("root")).render(createElement("p", null, "hello"));`,
      resolveDir: process.cwd(),
      loader: "js",
    },
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    define: { "process.env.NODE_ENV": '"production"' },
  });
  rmSync(refDir, { recursive: true, force: true });
  const refGzip = gzipSync(ref.outputFiles[0].contents).length;

  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const rows = [
    ["Initial JavaScript (entry + static imports), gzip", kb(initialGzip), kb(refGzip), "≤ 150 KB", initialGzip <= 150 * 1024 ? "yes" : "no"],
    ["All JavaScript chunks, gzip", kb(totalGzip), "", "", ""],
    ["Lazy-only code found in the initial chunks", leaked.length ? leaked.join(", ") : "none", "", "none", leaked.length ? "no" : "yes"],
  ];
  const table = [
    "| Measure | Polaris | Bare React 19 app (same run) | Target | Met |",
    "| --- | ---: | ---: | --- | --- |",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
  console.log(table);
  const date = new Date().toISOString().slice(0, 10);
  await updateSection(
    "Bundle",
    `Run on ${date} by \`node bench/bundle/run.mjs\` (also part of \`npm run bench\`): a production build with the
project's vite.config.ts. "Initial" is the entry chunk and every chunk it imports statically (${initial.size}
chunks), which the browser needs before the first screen; CodeMirror, the workspace, the chat and Clerk are
loaded on demand and are checked to stay out of it. The reference is a bare React 19 app bundled with esbuild
(minified) in the same run: the floor of any React SPA.

${table}
`,
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
