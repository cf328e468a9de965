import { useRef, useState, type KeyboardEvent, type RefObject } from "react";

export interface ComposerProps {
  busy: boolean;
  /** Offline the assistant cannot answer: the box keeps a draft, and Enter sends nothing until the connection is back. */
  offline?: boolean;
  onSend: (text: string) => Promise<void> | void;
  onStop: () => void;
  /** Name of the open file when there is one: offers to share it with the assistant. */
  sharedFileName?: string | null;
  share?: boolean;
  onShareChange?: (share: boolean) => void;
  /** The message box, for the pane to put focus in (after "New conversation"). */
  inputRef?: RefObject<HTMLTextAreaElement | null>;
}

/** The message box: Enter sends, Shift+Enter starts a new line; a Stop button replaces Send while answering. */
export function Composer({ busy, offline = false, onSend, onStop, sharedFileName, share = false, onShareChange, inputRef }: ComposerProps) {
  const [text, setText] = useState("");
  const ownRef = useRef<HTMLTextAreaElement>(null);
  const boxRef = inputRef ?? ownRef;
  const [sending, setSending] = useState(false);
  const send = async () => {
    const content = text.trim();
    if (content.length === 0 || sending || offline) return;
    setSending(true);
    try {
      await onSend(content);
      setText("");
    } catch {
      // The caller reports the failure; the text stays so nothing typed is lost.
    } finally {
      setSending(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };
  return (
    <form
      className="chat-composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <textarea
        ref={boxRef}
        className="input chat-input"
        aria-label="Message"
        placeholder="Ask the assistant… (Enter to send, Shift+Enter for a new line)"
        aria-describedby={offline ? "chat-offline-note" : undefined}
        value={text}
        rows={3}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {offline && (
        <p id="chat-offline-note" className="chat-offline-note" role="status">
          Offline: write your question now and send it when the connection is back.
        </p>
      )}
      <div className="chat-composer-bar">
        {sharedFileName ? (
          <label className="chat-share">
            <input type="checkbox" checked={share} onChange={(event) => onShareChange?.(event.target.checked)} /> Share{" "}
            <code>{sharedFileName}</code>
          </label>
        ) : (
          <span />
        )}
        {busy ? (
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => {
              // The button gives way to Send once the answer stops: the message box is where typing goes on.
              boxRef.current?.focus();
              onStop();
            }}
          >
            Stop
          </button>
        ) : (
          <button type="submit" className="btn btn-small btn-primary" disabled={sending || offline || text.trim().length === 0}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
