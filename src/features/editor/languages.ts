import type { Extension } from "@codemirror/state";

/** The file's extension, lower-cased, without the dot ("" when there is none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * The CodeMirror language support for a file name, or null for plain text. Each language package is its own
 * dynamic import so only the languages of files actually opened are downloaded.
 */
export async function loadLanguage(name: string): Promise<Extension | null> {
  switch (extensionOf(name)) {
    case "js":
    case "mjs":
    case "cjs":
      return (await import("@codemirror/lang-javascript")).javascript();
    case "jsx":
      return (await import("@codemirror/lang-javascript")).javascript({ jsx: true });
    case "ts":
    case "mts":
    case "cts":
      return (await import("@codemirror/lang-javascript")).javascript({ typescript: true });
    case "tsx":
      return (await import("@codemirror/lang-javascript")).javascript({ jsx: true, typescript: true });
    case "json":
      return (await import("@codemirror/lang-json")).json();
    case "css":
      return (await import("@codemirror/lang-css")).css();
    case "html":
    case "htm":
      return (await import("@codemirror/lang-html")).html();
    case "md":
    case "markdown":
      return (await import("@codemirror/lang-markdown")).markdown();
    case "py":
      return (await import("@codemirror/lang-python")).python();
    default:
      return null;
  }
}

const languageNames: Record<string, string> = {
  js: "JavaScript",
  mjs: "JavaScript",
  cjs: "JavaScript",
  jsx: "JavaScript JSX",
  ts: "TypeScript",
  mts: "TypeScript",
  cts: "TypeScript",
  tsx: "TypeScript JSX",
  json: "JSON",
  css: "CSS",
  html: "HTML",
  htm: "HTML",
  md: "Markdown",
  markdown: "Markdown",
  py: "Python",
};

export function languageName(name: string): string {
  return languageNames[extensionOf(name)] ?? "Plain text";
}

/** Shown as images (through <img>, never inline markup). */
export const IMAGE_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "ico"]);

/**
 * What the status bar calls a file: its language when it opens in the text editor; for a file whose bytes live in
 * storage (uploads, text over the editor's limit), what it is: "PNG image", "Markdown · read-only", "Stored file".
 */
export function fileKindLabel(name: string, kind: "text" | "stored"): string {
  if (kind === "text") return languageName(name);
  const extension = extensionOf(name);
  if (IMAGE_EXTENSIONS.has(extension)) return `${extension.toUpperCase()} image`;
  const language = languageNames[extension];
  return language ? `${language} · read-only` : "Stored file";
}
