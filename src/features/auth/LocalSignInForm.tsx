import { useId, useRef, useState, type FormEvent } from "react";
import { MAX_SIGN_IN_NAME_LENGTH, normalizeSignInName, signInNameProblem } from "../../../local-backend/src/auth/signInName";
import "./auth.css";

/** A sign-in the backend did not accept (unreachable, refused): the name tried and why. */
export interface SignInFailure {
  name: string;
  message: string;
  /** Counts failures: the form is keyed by it, so each one comes back fresh, focused, with its message. */
  attempt: number;
}

/**
 * The local sign-in page: a name, no password. Validation messages appear under the field. A valid name signs in
 * at once (the app replaces this form while the token is on its way); if the backend then fails the sign-in, the
 * form comes back with the name and the reason in the same place.
 */
export function LocalSignInForm({ onSignIn, failure = null }: { onSignIn: (name: string) => void; failure?: SignInFailure | null }) {
  const [name, setName] = useState(failure?.name ?? "");
  const [error, setError] = useState<string | null>(failure?.message ?? null);
  const inputRef = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const hintId = useId();
  const inputId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const problem = signInNameProblem(name);
    if (problem) {
      setError(problem);
      inputRef.current?.focus();
      return;
    }
    onSignIn(normalizeSignInName(name));
  }

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate aria-label="Sign in">
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
        <button type="submit" className="btn btn-primary auth-submit">
          Sign in
        </button>
      </form>
    </main>
  );
}
