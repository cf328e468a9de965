import { useState } from "react";
import { useApplyCode } from "./applyContext";

/** A fenced code block of an answer, shown as plain text, with Copy and Apply-to-file actions. */
export function CodeBlock({ code, language }: { code: string; language: string }) {
  const apply = useApplyCode();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <figure className="chat-code">
      <figcaption className="chat-code-bar">
        <span className="chat-code-lang">{language || "text"}</span>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
        {apply && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => apply(code, language)}>
            Apply to file
          </button>
        )}
      </figcaption>
      <pre>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
