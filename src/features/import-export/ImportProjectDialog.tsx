import { useId, useRef, useState, type DragEvent, type FormEvent } from "react";
import { useLocation } from "wouter";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { formatCount } from "../../../convex/lib/errors";
import { gitUrlProblem, importProjectName } from "../../../convex/lib/gitUrl";
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FILES, MAX_IMPORT_TOTAL_BYTES } from "../../../convex/lib/importCheck";
import { Dialog } from "../../lib/Dialog";
import { errorMessage } from "../../lib/errors";
import { useLiveWrite } from "../sync";
import { uploadArchive } from "./upload";
import "./importExport.css";

// "Import project…" on the dashboard: a Git URL (optionally a branch or tag) or a ZIP archive (picked, or dropped
// on the dialog) becomes a NEW project (transfers.importProject creates it and starts the import in one
// transaction). The project opens at once; its import banner (ImportBanner) shows the progress, Cancel and, when
// it fails, why.

const MIB = 1024 * 1024;

/** The ZIP among dropped files, or why there is none. */
function droppedZip(files: FileList): File | string {
  if (files.length !== 1) return files.length === 0 ? "Drop a ZIP file here." : "Drop one ZIP file at a time.";
  return files[0];
}

export function ImportProjectDialog({ onClose }: { onClose: () => void }) {
  const [, navigate] = useLocation();
  const uploadUrl = useLiveWrite(api.transfers.archiveUploadUrl);
  const importProject = useLiveWrite(api.transfers.importProject);
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [ref, setRef] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const urlRef = useRef<HTMLInputElement>(null);
  const ids = { name: useId(), url: useId(), ref: useId(), zip: useId(), error: useId() };

  const start = async (what: string, source: () => Promise<Parameters<typeof importProject>[0]["source"]>, focusOnError: () => void) => {
    setError(null);
    setBusy(what);
    try {
      const projectId: Id<"projects"> = await importProject({ name: name.trim() || undefined, source: await source() });
      onClose();
      navigate(`/p/${projectId}`);
    } catch (e) {
      setBusy(null);
      setError(errorMessage(e));
      focusOnError();
    }
  };

  const onGit = (event: FormEvent) => {
    event.preventDefault();
    const problem = url.trim() === "" ? "Enter the repository's URL." : gitUrlProblem(url);
    if (problem !== null) {
      setError(problem);
      urlRef.current?.focus();
      return;
    }
    void start(`Starting the import of ${url.trim()}…`, () => Promise.resolve({ kind: "git" as const, url: url.trim(), ref: ref.trim() || undefined }), () => urlRef.current?.focus());
  };

  const zipInput = useRef<HTMLInputElement>(null);
  const onZip = (file: File) => {
    void start(
      `Uploading ${file.name}…`,
      async () => ({ kind: "zip", storageId: await uploadArchive((sha256) => uploadUrl({ sha256 }), file), fileName: file.name }),
      () => zipInput.current?.focus(),
    );
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (busy !== null) return;
    const file = droppedZip(event.dataTransfer.files);
    if (typeof file === "string") setError(file);
    else onZip(file);
  };

  const placeholder = url.trim() !== "" ? importProjectName(url) : "the repository's or archive's name";

  return (
    <Dialog title="Import project" onClose={onClose} initialFocusRef={urlRef}>
      <div
        className={`transfer-dialog import-drop${dragging ? " import-drop-active" : ""}`}
        onDragOver={(event) => {
          if (!event.dataTransfer.types.includes("Files")) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <p className="transfer-hint">
          Into a new project. Limits: {formatCount(MAX_IMPORT_FILES)} files, {MAX_IMPORT_FILE_BYTES / MIB} MiB per file,{" "}
          {MAX_IMPORT_TOTAL_BYTES / MIB} MiB in all.
        </p>
        <form onSubmit={onGit} className="transfer-form" aria-label="Import from Git" noValidate>
          <label htmlFor={ids.url}>Git URL</label>
          <input
            id={ids.url}
            ref={urlRef}
            type="url"
            value={url}
            placeholder="https://github.com/owner/repo.git"
            aria-invalid={error !== null && busy === null ? true : undefined}
            aria-describedby={error !== null ? ids.error : undefined}
            onChange={(e) => setUrl(e.target.value)}
          />
          <label htmlFor={ids.ref}>Branch or tag (optional)</label>
          <input id={ids.ref} value={ref} placeholder="the default branch" onChange={(e) => setRef(e.target.value)} />
          <label htmlFor={ids.name}>Project name (optional)</label>
          <input id={ids.name} value={name} placeholder={placeholder} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn btn-primary" disabled={busy !== null}>
            Import from Git
          </button>
        </form>
        <div className="transfer-form">
          <label htmlFor={ids.zip}>Or a ZIP file</label>
          <input
            id={ids.zip}
            ref={zipInput}
            type="file"
            accept=".zip,application/zip"
            disabled={busy !== null}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file !== undefined) onZip(file);
            }}
          />
        </div>
        <p className="transfer-hint">{dragging ? "Drop the ZIP file to import it." : "You can also drop a ZIP file on this dialog."}</p>
        {busy !== null && (
          <p className="transfer-line" role="status">
            {busy}
          </p>
        )}
        {error !== null && (
          <p id={ids.error} className="transfer-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}

/** The dashboard's "Import project…" button and its dialog. */
export function ImportProjectButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small projects-import" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Import project…
      </button>
      {open && <ImportProjectDialog onClose={() => setOpen(false)} />}
    </>
  );
}
