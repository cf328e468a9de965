import { useEffect, useRef, useState, type RefObject } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { focusFileTree, focusIsNowhere } from "../file-tree/rowDom";
import { loadDismissedImport, saveDismissedImport } from "../../store/persistence";
import { useLiveWrite } from "../sync";
import { TransferLine, useTransferStatus } from "./TransferLine";
import "./importExport.css";

// The workspace's import banner, above the panes, while the project's import runs (files done of total, Cancel)
// and after it failed or was cancelled (why; Dismiss). A project opened from "Import project…" lands here with
// focus on Cancel, the one thing to do meanwhile; when the import ends, focus that was on the banner moves to the
// file tree (completed) or to Dismiss (failed), never to the page's body. A dismissed failure stays dismissed
// after a reload.

type ImportStatus = "importing" | "completed" | "failed" | undefined;

export function ImportBanner({ projectId, importStatus }: { projectId: Id<"projects">; importStatus: ImportStatus }) {
  const shown = importStatus === "importing" || importStatus === "failed";
  // Whether focus was inside the banner when it last had it: removing the focused element fires no blur.
  const hadFocus = useRef(false);
  useEffect(() => {
    if (!shown && hadFocus.current && focusIsNowhere()) focusFileTree();
    if (!shown) hadFocus.current = false;
  }, [shown]);
  return shown ? <ImportBannerShown key={projectId} projectId={projectId} hadFocus={hadFocus} /> : null;
}

function ImportBannerShown({ projectId, hadFocus }: { projectId: Id<"projects">; hadFocus: RefObject<boolean> }) {
  const status = useTransferStatus(projectId);
  const cancel = useLiveWrite(api.transfers.cancel);
  const view = status?.import ?? null;
  // Kept across reloads (store/persistence.ts): a dismissed failure stays dismissed until another import ends.
  const [dismissed, setDismissed] = useState<number | null>(() => loadDismissedImport(projectId));
  const root = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const dismissRef = useRef<HTMLButtonElement>(null);
  const running = view?.status === "running";

  // When the banner appears or its import ends, its button takes focus from nowhere, from the (empty) tree or from
  // the banner itself: Cancel while it runs, Dismiss beside the reason once it failed. Focus elsewhere (the chat,
  // a dialog) is left where the person put it.
  const ended = view !== null && !running;
  useEffect(() => {
    if (view === null) return;
    const active = document.activeElement;
    if (focusIsNowhere() || active?.closest('[role="tree"]') || root.current?.contains(active)) (running ? cancelRef : dismissRef).current?.focus();
    // Only when it appears and when it ends, not at each progress step.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view === null, running, ended]);

  if (view === null || (dismissed !== null && dismissed === view.updatedAt)) return null;
  return (
    <div
      ref={root}
      className="import-banner"
      onFocus={() => (hadFocus.current = true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget) && event.relatedTarget !== null) hadFocus.current = false;
      }}
    >
      <TransferLine
        kind="import"
        view={view}
        cancelRef={cancelRef}
        onCancel={() => void cancel({ projectId, kind: "import" }).catch((e: unknown) => notify(`Could not cancel: ${errorMessage(e)}`, "error"))}
      />
      {!running && (
        <button ref={dismissRef} type="button" className="btn btn-small" onClick={() => {
            setDismissed(view.updatedAt);
            saveDismissedImport(projectId, view.updatedAt);
            hadFocus.current = false;
            focusFileTree();
          }}>
          Dismiss
        </button>
      )}
    </div>
  );
}
