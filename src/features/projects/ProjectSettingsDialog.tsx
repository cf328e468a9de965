import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { Doc } from "../../../convex/_generated/dataModel";
import { hasRunCommand, MAX_COMMAND_LENGTH, type RunCommands } from "../../../convex/lib/runCommands";
import { Dialog } from "../../lib/Dialog";
import type { ProjectSettings } from "./useProjectActions";

// Run (F5, src/features/run) runs the install command, then the dev command, in the Run terminal on the runner;
// the assistant's prompt does not include them (convex/ai), so the hints say no more than that.
const FIELDS = [
  {
    key: "installCommand",
    label: "Install command",
    placeholder: "npm install",
    hint: "How to install the project's dependencies. Run (F5) runs it first, in the Run terminal.",
  },
  {
    key: "devCommand",
    label: "Dev command",
    placeholder: "npm run dev",
    hint: "How to start the project for development. Run (F5) runs it after the install command.",
  },
] as const;

type AssistantChanges = NonNullable<ProjectSettings["assistantChanges"]>;
const ASSISTANT_CHANGES: { value: AssistantChanges; label: string; hint: string }[] = [
  { value: "apply", label: "Apply at once", hint: "Each answer's changes take effect as it writes them; Undo on the answer's card takes them back." },
  {
    value: "review",
    label: "Wait for my review",
    hint: "Changed files are marked in the tree and the editor until you Keep or Undo each, or the whole answer. The changes are already in the files, so Run and the assistant's next steps see them.",
  },
];

/** Opened by Run when the project has no command to run: Save also starts the Run. */
export interface SettingsForRun {
  /** Commands the project's files suggest (src/features/run/useRunSuggestion.ts), shown in fields left empty. */
  suggestion: Required<RunCommands> | undefined;
  onRun: () => void;
}

/**
 * Edits a project's install and dev commands and how the assistant's changes apply. An empty field clears the
 * command. With `run`, it asks for the commands Run lacks: it opens on the dev command, offers the suggested ones,
 * and its Save runs them.
 */
export function ProjectSettingsDialog({
  project,
  onSave,
  onClose,
  run,
}: {
  project: Doc<"projects">;
  onSave: (settings: ProjectSettings) => void;
  onClose: () => void;
  run?: SettingsForRun;
}) {
  // Only what the person typed is state; an untouched field shows the project's current value, so a row that
  // arrives while the dialog is open (the server's answer after a cached one, a change from another tab) shows.
  // Asked for by Run, a field with no value shows the suggestion, which may arrive after the dialog opened.
  const [edits, setEdits] = useState<Partial<Record<(typeof FIELDS)[number]["key"], string>>>({});
  const values = {
    installCommand: edits.installCommand ?? (project.settings?.installCommand || run?.suggestion?.installCommand || ""),
    devCommand: edits.devCommand ?? (project.settings?.devCommand || run?.suggestion?.devCommand || ""),
  };
  const devField = useRef<HTMLInputElement>(null);
  // A suggestion the person has not touched is selected, so typing replaces it and Enter accepts it.
  const untouchedDev = run !== undefined && edits.devCommand === undefined ? values.devCommand : null;
  useEffect(() => {
    if (untouchedDev !== null && devField.current === document.activeElement) devField.current?.select();
  }, [untouchedDev]);
  const [assistantChanges, setAssistantChanges] = useState<AssistantChanges | undefined>(undefined);
  const changesMode = assistantChanges ?? project.settings?.assistantChanges ?? "apply";
  const [errors, setErrors] = useState<Partial<Record<(typeof FIELDS)[number]["key"], string>>>({});
  const baseId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: typeof errors = {};
    for (const { key, label } of FIELDS) {
      const length = values[key].trim().length;
      if (length > MAX_COMMAND_LENGTH) {
        found[key] = `The ${label.toLowerCase()} has ${length} characters; the limit is ${MAX_COMMAND_LENGTH}.`;
      }
    }
    if (run && Object.keys(found).length === 0 && !hasRunCommand(values)) {
      found.devCommand = "Run needs an install command, a dev command or both: type the command that starts the project.";
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    // The mode is sent only when chosen here, so a change made meanwhile in another window is not overwritten.
    onSave({ installCommand: values.installCommand.trim(), devCommand: values.devCommand.trim(), ...(assistantChanges && { assistantChanges }) });
    onClose();
    run?.onRun();
  }

  return (
    <Dialog
      title={`Settings for ${project.name}`}
      onClose={onClose}
      initialFocusRef={run ? devField : undefined}
      description={
        run &&
        (hasRunCommand(run.suggestion)
          ? "Run needs a command to start the project. These are suggested by its files: check them, then Save and run."
          : "Run needs a command to start the project: type it under Dev command, then Save and run.")
      }
    >
      <form className="settings-form" onSubmit={submit} noValidate>
        {FIELDS.map(({ key, label, placeholder, hint }) => {
          const id = `${baseId}-${key}`;
          const error = errors[key];
          return (
            <div className="field" key={key}>
              <label className="field-label" htmlFor={id}>
                {label}
              </label>
              <input
                ref={key === "devCommand" ? devField : undefined}
                id={id}
                className="input input-mono"
                placeholder={placeholder}
                spellCheck={false}
                autoComplete="off"
                value={values[key]}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
                onChange={(event) => setEdits((e) => ({ ...e, [key]: event.target.value }))}
              />
              <p id={`${id}-hint`} className="field-hint">
                {hint}
              </p>
              {error && (
                <p id={`${id}-error`} className="field-error" role="alert">
                  {error}
                </p>
              )}
            </div>
          );
        })}
        <p className="field-hint">Leave a field empty to clear it.</p>
        <fieldset className="field">
          <legend className="field-label">The assistant's changes</legend>
          {ASSISTANT_CHANGES.map(({ value, label, hint }) => (
            <div key={value}>
              <label>
                <input
                  type="radio"
                  name={`${baseId}-assistant-changes`}
                  value={value}
                  checked={changesMode === value}
                  aria-describedby={`${baseId}-${value}-hint`}
                  onChange={() => setAssistantChanges(value)}
                />{" "}
                {label}
              </label>
              <p id={`${baseId}-${value}-hint`} className="field-hint">
                {hint}
              </p>
            </div>
          ))}
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary">
            {run ? "Save and run" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
