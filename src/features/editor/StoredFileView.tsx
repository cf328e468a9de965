import { lazy, Suspense, useEffect, useState } from "react";
import type { FileData } from "./documentSession";
import { extensionOf, IMAGE_EXTENSIONS } from "./languages";

const ReadOnlyText = lazy(() => import("./TextEditor").then((m) => ({ default: m.ReadOnlyText })));

// Stored files up to this size are checked for text and shown read-only; larger ones are only downloadable.
const MAX_READONLY_TEXT_BYTES = 8 * 1024 * 1024;

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Text means: valid UTF-8 without NUL bytes in its first 8 KB (the heuristic git uses). */
export function decodeText(bytes: Uint8Array): string | null {
  if (bytes.subarray(0, 8192).includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

type StoredFile = Extract<FileData, { kind: "stored" }>;

/** A file whose bytes live in storage: an image, read-only text over the inline limit, or a download. */
export function StoredFileView({ file, path }: { file: StoredFile; path: string }) {
  if (!file.url) {
    return <p className="editor-message">The data of “{file.name}” is missing from storage. Upload the file again.</p>;
  }
  if (IMAGE_EXTENSIONS.has(extensionOf(file.name))) {
    // SVG too goes through <img>, never inline markup, so scripts inside it cannot run in the app.
    return (
      <div className="editor-image">
        <img src={file.url} alt={file.name} />
        <span>
          {file.name} · {formatSize(file.size)}
        </span>
      </div>
    );
  }
  return <StoredContent key={file.url} file={file} url={file.url} path={path} />;
}

type Sniff = { kind: "checking" } | { kind: "text"; text: string } | { kind: "binary" } | { kind: "error"; message: string };

function StoredContent({ file, url, path }: { file: StoredFile; url: string; path: string }) {
  const [sniff, setSniff] = useState<Sniff>(() =>
    file.size > MAX_READONLY_TEXT_BYTES ? { kind: "binary" } : { kind: "checking" },
  );
  useEffect(() => {
    if (file.size > MAX_READONLY_TEXT_BYTES) return;
    let cancelled = false;
    fetch(url)
      .then(async (response) => {
        if (!response.ok) throw new Error(`the server answered ${response.status}`);
        const text = decodeText(new Uint8Array(await response.arrayBuffer()));
        if (!cancelled) setSniff(text === null ? { kind: "binary" } : { kind: "text", text });
      })
      .catch((error: unknown) => {
        if (!cancelled) setSniff({ kind: "error", message: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      cancelled = true;
    };
  }, [url, file.size]);

  if (sniff.kind === "checking") return <p className="editor-message">Loading {file.name}…</p>;
  if (sniff.kind === "text") {
    return (
      <>
        <div className="editor-banner" role="note">
          <span className="editor-banner-text">
            This file is larger than the editor's inline text limit (about 1 MiB), so it is open read-only.
          </span>
        </div>
        <Suspense fallback={<p className="editor-message">Loading editor…</p>}>
          <ReadOnlyText text={sniff.text} fileName={file.name} path={path} />
        </Suspense>
      </>
    );
  }
  return (
    <div className="editor-message">
      <p>
        {sniff.kind === "error"
          ? `Could not load “${file.name}” (${sniff.message}).`
          : `“${file.name}” is a binary file (${formatSize(file.size)}).`}
      </p>
      <a className="btn" href={url} download={file.name}>
        Download
      </a>
    </div>
  );
}
