import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { Link } from "wouter";
import { Dialog } from "../../lib/Dialog";
import { formatDateTime, formatRelativeTime } from "../../lib/time";
import { isPendingId, MAX_PROJECT_NAME_LENGTH, validateProjectName } from "./projectName";
import "./projects.css";

export interface ProjectSummary {
  _id: string;
  name: string;
  updatedAt: number;
  _creationTime?: number;
}

/**
 * What tells a project apart from others of the same name (when it was created), or "" when its name is its own:
 * shown beside the name and part of the names of its link, buttons and delete dialog.
 */
export function projectSuffixes(projects: readonly ProjectSummary[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const p of projects) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const p of projects) {
    out.set(p._id, (count.get(p.name) ?? 0) > 1 ? `created ${formatDateTime(p._creationTime ?? p.updatedAt)}` : "");
  }
  return out;
}

const fullName = (project: ProjectSummary, suffix: string) => (suffix ? `${project.name} (${suffix})` : project.name);

export interface ProjectsViewProps {
  /** undefined while loading. Already sorted newest first. */
  projects: ProjectSummary[] | undefined;
  onCreate: (name: string) => void;
  onRename: (id: string, name: string) => void;
  onDelete: (id: string) => void;
  /** More ways to start a project, beside the heading (the dashboard's "Import project…"). */
  actions?: ReactNode;
}

/**
 * The dashboard's project list. Pure view: data and write handlers come in as props (the container wires them
 * to Convex with optimistic updates, so a handler's effect shows in the next frame and its failure in a toast).
 */
export function ProjectsView({ projects, onCreate, onRename, onDelete, actions }: ProjectsViewProps) {
  const [renamingId, setRenamingId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ProjectSummary | null>(null);
  const [focusAfterDelete, setFocusAfterDelete] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const suffixes = projectSuffixes(projects ?? []);
  const createInputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();

  // After a delete, focus moves to the neighbouring project (or the create field), never to <body>.
  useEffect(() => {
    if (focusAfterDelete === null) return;
    const link = listRef.current?.querySelector<HTMLElement>(
      `[data-project-id="${CSS.escape(focusAfterDelete)}"] .project-open`,
    );
    (link ?? createInputRef.current)?.focus();
    setFocusAfterDelete(null);
  }, [focusAfterDelete, projects]);

  // When the dashboard opens with focus nowhere (after sign-in, or coming back from a project), put it on the
  // newest project, or on the create field when there is none, so the keyboard works from the first key press.
  const loaded = projects !== undefined;
  useEffect(() => {
    if (!loaded) return;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const first = listRef.current?.querySelector<HTMLElement>(".project-open");
    (first ?? createInputRef.current)?.focus();
  }, [loaded]);

  function confirmDelete(project: ProjectSummary) {
    const list = projects ?? [];
    const index = list.findIndex((p) => p._id === project._id);
    const neighbour = list[index + 1] ?? list[index - 1];
    setDeleting(null);
    onDelete(project._id);
    setFocusAfterDelete(neighbour?._id ?? "");
  }

  return (
    <section className="projects" aria-labelledby={headingId}>
      <div className="projects-heading">
        <h1 id={headingId}>Your projects</h1>
        {projects && projects.length > 0 && (
          <span className="muted">
            {projects.length} project{projects.length === 1 ? "" : "s"}
          </span>
        )}
        {actions}
      </div>
      <CreateProjectForm inputRef={createInputRef} onCreate={onCreate} />
      {projects === undefined ? (
        <p className="projects-status muted" aria-busy="true">
          Loading projects…
        </p>
      ) : projects.length === 0 ? (
        <p className="projects-status muted">No projects yet. Name your first project above and press Enter.</p>
      ) : (
        <ul ref={listRef} className="project-list" aria-label="Projects">
          {projects.map((project) => (
            <ProjectRow
              key={project._id}
              project={project}
              suffix={suffixes.get(project._id) ?? ""}
              renaming={renamingId === project._id}
              onStartRename={() => setRenamingId(project._id)}
              onEndRename={() => setRenamingId(null)}
              onRename={(name) => onRename(project._id, name)}
              onRequestDelete={() => setDeleting(project)}
            />
          ))}
        </ul>
      )}
      {projects && projects.length > 0 && (
        <p className="projects-hint muted">
          <kbd>F2</kbd> renames and <kbd>Delete</kbd> deletes the focused project.
        </p>
      )}
      {deleting && (
        <DeleteProjectDialog
          project={deleting}
          suffix={suffixes.get(deleting._id) ?? ""}
          onCancel={() => setDeleting(null)}
          onConfirm={() => confirmDelete(deleting)}
        />
      )}
    </section>
  );
}

function CreateProjectForm({
  inputRef,
  onCreate,
}: {
  inputRef: React.RefObject<HTMLInputElement | null>;
  onCreate: (name: string) => void;
}) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const errorId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const problem = validateProjectName(name);
    if (problem) {
      setError(problem);
      inputRef.current?.focus();
      return;
    }
    onCreate(name.trim());
    setName("");
    setError(null);
  }

  return (
    <form className="project-create" onSubmit={submit} noValidate aria-label="Create a project">
      <label htmlFor={inputId} className="visually-hidden">
        New project name
      </label>
      <div className="project-create-row">
        <input
          id={inputId}
          ref={inputRef}
          className="input"
          placeholder="New project name"
          value={name}
          maxLength={MAX_PROJECT_NAME_LENGTH + 50}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(event) => {
            setName(event.target.value);
            if (error) setError(null);
          }}
          onKeyDown={(event) => {
            if (event.key === "Escape" && (name || error)) {
              setName("");
              setError(null);
            }
          }}
        />
        <button type="submit" className="btn btn-primary">
          Create project
        </button>
      </div>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function ProjectRow({
  project,
  suffix,
  renaming,
  onStartRename,
  onEndRename,
  onRename,
  onRequestDelete,
}: {
  project: ProjectSummary;
  suffix: string;
  renaming: boolean;
  onStartRename: () => void;
  onEndRename: () => void;
  onRename: (name: string) => void;
  onRequestDelete: () => void;
}) {
  const pending = isPendingId(project._id);
  const openRef = useRef<HTMLAnchorElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (!renaming && returnFocus.current) {
      returnFocus.current = false;
      openRef.current?.focus();
    }
  }, [renaming]);

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>) {
    if (renaming || pending) return;
    if (event.key === "F2") {
      event.preventDefault();
      onStartRename();
    } else if (event.key === "Delete") {
      event.preventDefault();
      onRequestDelete();
    }
  }

  return (
    <li className="project-row" data-project-id={project._id} aria-busy={pending || undefined} onKeyDown={onKeyDown}>
      {renaming ? (
        <RenameProjectInput
          initialName={project.name}
          onCommit={(name, viaKeyboard) => {
            returnFocus.current = viaKeyboard;
            if (name !== project.name) onRename(name);
            onEndRename();
          }}
          onCancel={(viaKeyboard) => {
            returnFocus.current = viaKeyboard;
            onEndRename();
          }}
        />
      ) : pending ? (
        <span className="project-open project-pending">{project.name}</span>
      ) : (
        <Link ref={openRef} href={`/p/${project._id}`} className="project-open">
          {project.name}
          {suffix && <span className="project-suffix muted"> ({suffix})</span>}
        </Link>
      )}
      <span className="project-meta muted" title={pending ? undefined : formatDateTime(project.updatedAt)}>
        {pending ? "Creating…" : `Edited ${formatRelativeTime(project.updatedAt)}`}
      </span>
      {!renaming && (
        <span className="project-actions">
          <button
            type="button"
            className="btn btn-ghost btn-small"
            disabled={pending}
            aria-label={`Rename ${fullName(project, suffix)}`}
            title="Rename (F2)"
            onClick={onStartRename}
          >
            Rename
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-small project-delete"
            disabled={pending}
            aria-label={`Delete ${fullName(project, suffix)}`}
            title="Delete (Delete)"
            onClick={onRequestDelete}
          >
            Delete
          </button>
        </span>
      )}
    </li>
  );
}

function RenameProjectInput({
  initialName,
  onCommit,
  onCancel,
}: {
  initialName: string;
  onCommit: (name: string, viaKeyboard: boolean) => void;
  onCancel: (viaKeyboard: boolean) => void;
}) {
  const [name, setName] = useState(initialName);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const done = useRef(false);
  const errorId = useId();

  useEffect(() => {
    inputRef.current?.select();
  }, []);

  function commit(viaKeyboard: boolean) {
    const problem = validateProjectName(name);
    if (problem) {
      if (viaKeyboard) {
        setError(problem);
        return;
      }
      done.current = true;
      onCancel(false);
      return;
    }
    done.current = true;
    onCommit(name.trim(), viaKeyboard);
  }

  return (
    <span className="project-rename">
      <input
        ref={inputRef}
        className="input"
        autoFocus
        aria-label={`New name for ${initialName}`}
        value={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => {
          setName(event.target.value);
          if (error) setError(null);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            commit(true);
          } else if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            done.current = true;
            onCancel(true);
          }
        }}
        onBlur={() => {
          // Clicking elsewhere keeps a valid edit (like a file manager) and drops an invalid one.
          if (!done.current) commit(false);
        }}
      />
      {error && (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

function DeleteProjectDialog({
  project,
  suffix,
  onCancel,
  onConfirm,
}: {
  project: ProjectSummary;
  suffix: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      title="Delete project?"
      description={
        <>
          <strong>{fullName(project, suffix)}</strong> and all its files and conversations will be deleted. This cannot be undone.
        </>
      }
      role="alertdialog"
      onClose={onCancel}
      initialFocusRef={cancelRef}
    >
      <div className="dialog-actions">
        <button ref={cancelRef} type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" onClick={onConfirm}>
          Delete project
        </button>
      </div>
    </Dialog>
  );
}
