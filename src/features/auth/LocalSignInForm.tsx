import { useId, useRef, useState, type FormEvent } from "react";
import { MAX_SIGN_IN_NAME_LENGTH, normalizeSignInName, signInNameProblem } from "../../../local-backend/src/auth/signInName";
import "./auth.css";

/**
 * The local sign-in page: a name, no password. Validation messages appear under the field; a failure from
 * the backend (unreachable, refused) appears in the same place.
 */
export function LocalSignInForm({ onSignIn }: { onSignIn: (name: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const hintId = useId();
  const inputId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = signInNameProblem(name);
    if (problem) {
      setError(problem);
      inputRef.current?.focus();
      return;
    }
    setPending(true);
    setError(null);
    try {
      await onSignIn(normalizeSignInName(name));
    } catch (err) {
      setError(err instanceof Error ? err.message : "Sign-in failed.");
      setPending(false);
      inputRef.current?.focus();
    }
  }

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={(event) => void submit(event)} noValidate aria-label="Sign in">
        <div className="auth-brand" aria-hidden="true">
          <span className="auth-logo">✦</span> Polaris
        </div>
        <h1 className="auth-title">Sign in</h1>
        <div className="field">
          <label className="field-label" htmlFor={inputId}>
            Your name
          </label>
          <input
            id={inputId}
            ref={inputRef}
            className="input"
            autoFocus
            autoComplete="username"
            value={name}
            maxLength={MAX_SIGN_IN_NAME_LENGTH * 2}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${errorId} ${hintId}` : hintId}
            onChange={(event) => {
              setName(event.target.value);
              if (error) setError(null);
            }}
          />
          {error && (
            <p id={errorId} className="field-error" role="alert">
              {error}
            </p>
          )}
          <p id={hintId} className="field-hint">
            Local sign-in for this machine: no password. Your projects are kept under this name by the backend
            started with <code>npm start</code>.
          </p>
        </div>
        <button type="submit" className="btn btn-primary auth-submit" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
