import { useConvex } from "convex/react";
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { githubOwnerProblem, gitUrlProblem } from "../../../convex/lib/gitUrl";
import { formatCount } from "../../../convex/lib/errors";
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FILES, MAX_IMPORT_TOTAL_BYTES } from "../../../convex/lib/importCheck";
import { ZIP_IN_BROWSER_MAX_FILES, ZIP_IN_BROWSER_MAX_UNCACHED, zipOnServer } from "../../../convex/lib/zipName";
import { Dialog } from "../../lib/Dialog";
import { errorMessage } from "../../lib/errors";
import { useProvidedListing } from "../file-tree/ProjectListingProvider";
import { onServer } from "../editor/saveAll";
import { useLiveWrite, useOutbox, useSyncedQuery } from "../sync";
import { TransferLine, useTransferStatus } from "./TransferLine";
import { uploadArchive } from "./upload";
import "./importExport.css";

// Import / Export of a project: ZIP and Git import, Git and GitHub export, ZIP download, and the tokens for Git
// hosts. The work runs on the server (convex/transferRun.ts); this shows its live status from transfers.status.

const MIB = 1024 * 1024;

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="transfer-section" aria-label={title}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

export function ImportExportDialog({ projectId, projectName, onClose }: { projectId: Id<"projects">; projectName: string; onClose: () => void }) {
  const status = useTransferStatus(projectId);
  const credentials = useSyncedQuery(api.credentials.list, {});
  const listing = useProvidedListing();
  const convex = useConvex();
  const outbox = useOutbox();
  const uploadUrl = useLiveWrite(api.files.generateUploadUrl);
  const importZip = useLiveWrite(api.transfers.importZip);
  const importGit = useLiveWrite(api.transfers.importGit);
  const exportGit = useLiveWrite(api.transfers.exportGit);
  const exportGithub = useLiveWrite(api.transfers.exportGithub);
  const cancel = useLiveWrite(api.transfers.cancel);
  const zipProject = useLiveWrite(api.transfers.zipProject);
  // A ZIP built on the server shows its live line once asked for in this dialog (not an old run's outcome).
  const [zipAsked, setZipAsked] = useState(false);
  const saveCredential = useLiveWrite(api.credentials.save);
  const removeCredential = useLiveWrite(api.credentials.remove);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [gitUrl, setGitUrl] = useState("");
  const [gitRef, setGitRef] = useState("");
  const [exportUrl, setExportUrl] = useState("");
  const [exportBranch, setExportBranch] = useState("");
  const [githubName, setGithubName] = useState("");
  const [githubPrivate, setGithubPrivate] = useState(true);
  const [githubOwner, setGithubOwner] = useState("");
  const [githubBranch, setGithubBranch] = useState("");
  const [host, setHost] = useState("");
  const [username, setUsername] = useState("");
  const [token, setToken] = useState("");
  const ids = { zip: useId(), url: useId(), ref: useId(), exportUrl: useId(), branch: useId(), githubName: useId(), githubPrivate: useId(), githubOwner: useId(), githubBranch: useId(), host: useId(), user: useId(), token: useId() };

  const importing = status?.import?.status === "running";
  const exporting = status?.export?.status === "running";
  const empty = listing.complete && listing.entries !== undefined && listing.entries.length === 0;

  // Every action disables the dialog's buttons while it works, and a disabled button loses focus to the page's
  // body: once done, focus goes back to where the action was started (unless the person moved it meanwhile).
  const focusBeforeBusy = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (busy) return;
    const back = focusBeforeBusy.current;
    focusBeforeBusy.current = null;
    if (back?.isConnected && (document.activeElement === null || document.activeElement === document.body)) back.focus();
  }, [busy]);

  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    const current = document.activeElement;
    focusBeforeBusy.current = current instanceof HTMLElement && current !== document.body ? current : null;
    setBusy(true);
    try {
      await work();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const onZip = (file: File | undefined) => {
    if (file === undefined) return;
    void run(async () => {
      const storageId = await uploadArchive((sha256) => uploadUrl({ projectId, sha256 }), file);
      await importZip({ projectId, storageId, fileName: file.name });
    });
  };

  const onGitImport = (event: FormEvent) => {
    event.preventDefault();
    const problem = gitUrlProblem(gitUrl);
    if (problem !== null) return setError(problem);
    void run(() => importGit({ projectId, url: gitUrl, ref: gitRef.trim() || undefined }));
  };

  const remoteUrl = status?.remote?.url;
  const onGitExport = (event: FormEvent) => {
    event.preventDefault();
    const url = exportUrl.trim() || remoteUrl || "";
    const problem = gitUrlProblem(url);
    if (problem !== null) return setError(problem);
    void run(async () => {
      await onServer(outbox);
      await exportGit({ projectId, url, branch: exportBranch.trim() || undefined });
    });
  };

  const onGithubExport = (event: FormEvent) => {
    event.preventDefault();
    const owner = githubOwner.trim();
    const problem = owner === "" ? null : githubOwnerProblem(owner);
    if (problem !== null) return setError(problem);
    // The server checks the name (checkProjectName) and the branch (checkRef) and says what is wrong with them.
    void run(async () => {
      await onServer(outbox);
      await exportGithub({ projectId, name: githubName.trim() || undefined, private: githubPrivate, owner: owner || undefined, branch: githubBranch.trim() || undefined });
    });
  };

  const onDownload = () => {
    const entries = listing.entries;
    if (!listing.complete || entries === undefined) return setError("The file list is still loading. Try again in a moment.");
    void run(async () => {
      // fflate loads with the first download, not with the workspace.
      const { countUncached, downloadServerZip, downloadZip, zipFileName } = await import("./zipDownload");
      const files = entries.filter((e) => e.type === "file");
      const online = navigator.onLine;
      // A large project, or one the browser would fetch most of, is zipped on the server (zipOnServer).
      const uncached = online && files.length <= ZIP_IN_BROWSER_MAX_FILES ? await countUncached(convex, outbox, files, ZIP_IN_BROWSER_MAX_UNCACHED) : 0;
      let problem: string | null;
      if (zipOnServer({ online, files: files.length, uncached })) {
        setZipAsked(true);
        await onServer(outbox);
        problem = await downloadServerZip(convex, projectId, () => zipProject({ projectId }), zipFileName(projectName));
      } else {
        problem = await downloadZip(convex, outbox, [...entries], undefined, zipFileName(projectName));
      }
      if (problem !== null) setError(problem);
    });
  };

  const onSaveCredential = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await saveCredential({ host, username: username.trim() || undefined, token });
      setToken("");
    });
  };

  return (
    <Dialog title="Import / Export" onClose={onClose} size="wide">
      <div className="transfer-dialog">
        <TransferLine kind="import" view={status?.import ?? null} onCancel={() => void run(() => cancel({ projectId, kind: "import" }))} />
        <TransferLine kind="export" view={status?.export ?? null} onCancel={() => void run(() => cancel({ projectId, kind: "export" }))} />
        {error !== null && (
          <p className="transfer-error" role="alert">
            {error}
          </p>
        )}

        <Section title="Import">
          <p className="transfer-hint">
            Into an empty project. Limits: {formatCount(MAX_IMPORT_FILES)} files, {MAX_IMPORT_FILE_BYTES / MIB} MiB per file,{" "}
            {MAX_IMPORT_TOTAL_BYTES / MIB} MiB in all. {!empty && listing.complete && "This project has files: create a new project to import."}
          </p>
          <label htmlFor={ids.zip}>ZIP file</label>
          <input id={ids.zip} type="file" accept=".zip,application/zip" disabled={busy || importing} onChange={(e) => onZip(e.currentTarget.files?.[0])} />
          <form onSubmit={onGitImport} className="transfer-form">
            <label htmlFor={ids.url}>Git URL</label>
            <input id={ids.url} type="url" value={gitUrl} placeholder="https://github.com/owner/repo.git" onChange={(e) => setGitUrl(e.target.value)} />
            <label htmlFor={ids.ref}>Branch or tag (optional)</label>
            <input id={ids.ref} value={gitRef} placeholder="the default branch" onChange={(e) => setGitRef(e.target.value)} />
            <button type="submit" className="btn" disabled={busy || importing}>
              Import from Git
            </button>
          </form>
        </Section>

        <Section title="Export">
          <form onSubmit={onGitExport} className="transfer-form">
            <label htmlFor={ids.exportUrl}>Repository URL</label>
            <input id={ids.exportUrl} type="url" value={exportUrl} placeholder={remoteUrl ?? "https://git.example.com/me/project.git"} onChange={(e) => setExportUrl(e.target.value)} />
            <label htmlFor={ids.branch}>Branch (optional)</label>
            <input id={ids.branch} value={exportBranch} placeholder={status?.remote?.branch ?? "the default branch"} onChange={(e) => setExportBranch(e.target.value)} />
            <button type="submit" className="btn" disabled={busy || exporting}>
              Export to Git
            </button>
          </form>
          <p className="transfer-hint">One new commit on top of the branch; never a force push. A branch that moved on is reported, not overwritten.</p>
          <form onSubmit={onGithubExport} className="transfer-form" aria-label="Export to GitHub">
            <label htmlFor={ids.githubName}>GitHub repository name</label>
            <input id={ids.githubName} value={githubName} placeholder={projectName} onChange={(e) => setGithubName(e.target.value)} />
            <label htmlFor={ids.githubOwner}>Organization (optional)</label>
            <input id={ids.githubOwner} value={githubOwner} placeholder="your own account" onChange={(e) => setGithubOwner(e.target.value)} />
            <label htmlFor={ids.githubBranch}>GitHub branch (optional)</label>
            <input id={ids.githubBranch} value={githubBranch} placeholder="the repository's default branch" onChange={(e) => setGithubBranch(e.target.value)} />
            <label htmlFor={ids.githubPrivate} className="transfer-check">
              <input id={ids.githubPrivate} type="checkbox" checked={githubPrivate} onChange={(e) => setGithubPrivate(e.target.checked)} /> Private
              repository
            </label>
            <button type="submit" className="btn" disabled={busy || exporting}>
              Export to GitHub
            </button>
          </form>
          <p className="transfer-hint">
            The first export creates the repository in the organization, else in the account of the GitHub token: your account&apos;s
            GitHub connection when you signed in with one and the server is set up for it, else the token saved for github.com
            under Credentials (or for the GitHub Enterprise host the server is set up for); later exports push a new commit to
            that same repository, on the branch given (else the one last pushed).
          </p>
          <p className="transfer-hint">
            Download ZIP builds the archive here from the files this browser has (offline: the ones read before); a project of
            more than {formatCount(ZIP_IN_BROWSER_MAX_FILES)} files, or one this browser has not read most of, is zipped on the
            server.
          </p>
          <button type="button" className="btn" disabled={busy} onClick={onDownload}>
            Download ZIP
          </button>
          {zipAsked && (
            <TransferLine kind="zip" view={status?.zip?.view ?? null} onCancel={() => void cancel({ projectId, kind: "zip" }).catch((e: unknown) => setError(errorMessage(e)))} />
          )}
        </Section>

        <Section title="Credentials">
          <p className="transfer-hint">Tokens stay on the server; they are never shown again.</p>
          <ul className="transfer-credentials">
            {(credentials ?? []).map((c) => (
              <li key={c._id}>
                {c.host}
                {c.username !== undefined && ` (${c.username})`}{" "}
                <button type="button" className="btn btn-small" onClick={() => void run(() => removeCredential({ credentialId: c._id }))}>
                  Remove token for {c.host}
                </button>
              </li>
            ))}
          </ul>
          <form onSubmit={onSaveCredential} className="transfer-form">
            <label htmlFor={ids.host}>Host</label>
            <input id={ids.host} value={host} placeholder="github.com" onChange={(e) => setHost(e.target.value)} />
            <label htmlFor={ids.user}>User name (optional)</label>
            <input id={ids.user} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
            <label htmlFor={ids.token}>Token</label>
            <input id={ids.token} type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
            <button type="submit" className="btn" disabled={busy}>
              Save token
            </button>
          </form>
        </Section>
      </div>
    </Dialog>
  );
}
