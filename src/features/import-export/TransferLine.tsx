import type { Ref } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { formatCount } from "../../../convex/lib/errors";
import { useSyncedQuery } from "../sync";

// One line of a transfer's live state (transfers.status): while it runs, its phase, files done of total and a
// Cancel; once it ended, how (and why, when it failed). Shown by the Import / Export dialog and the workspace's
// import banner.

export function useTransferStatus(projectId: Id<"projects">) {
  return useSyncedQuery(api.transfers.status, { projectId });
}

export type TransferView = NonNullable<NonNullable<ReturnType<typeof useTransferStatus>>["import"]>;

export function TransferLine({
  kind,
  view,
  onCancel,
  cancelRef,
}: {
  kind: "import" | "export" | "zip";
  view: TransferView | null;
  onCancel: () => void;
  cancelRef?: Ref<HTMLButtonElement>;
}) {
  if (view === null) return null;
  const label = kind === "import" ? "Import" : kind === "export" ? "Export" : "ZIP download";
  if (view.status === "running") {
    const progress = view.total > 0 ? `${formatCount(view.done)} of ${formatCount(view.total)} files` : "";
    return (
      <div className="transfer-line" role="status">
        <span>
          {label} of {view.source}: {view.cancelRequested ? "cancelling…" : `${view.phase ?? "working"}…`} {progress}
        </span>
        {view.total > 0 && <progress max={view.total} value={view.done} aria-label={`${label} progress`} />}
        {!view.cancelRequested && (
          <button ref={cancelRef} type="button" className="btn btn-small" onClick={onCancel}>
            Cancel {kind === "zip" ? "ZIP download" : kind}
          </button>
        )}
      </div>
    );
  }
  const text = `${label} of ${view.source} ${view.status}${view.message ? `: ${view.message}` : "."}`;
  return (
    <p className={`transfer-line transfer-${view.status}`} role={view.status === "failed" ? "alert" : "status"}>
      {text}
    </p>
  );
}
