import { useLayoutEffect, useMemo, useRef } from "react";
import type { MessageOutline } from "../../../convex/lib/validators";
import { Markdown } from "./Markdown";
import { useBottomAnchor } from "./useBottomAnchor";
import { answerChangedFiles, ChangeCard } from "../review/ChangeCard";
import { useStreamingText } from "./useStreamingText";
import { useAppStore, useShallow } from "../../store";

/**
 * A message as the chat shows it: its outline (messages:outline) and its text (messages:body, or the answer's
 * chunks this tab streamed), or `streaming` when the text is the answer's stream (ChatView, streamedAnswers.ts).
 */
export type ChatMessage = MessageOutline & { content: string; streaming?: boolean };
type Activity = NonNullable<ChatMessage["activity"]>[number];

const TOOL_VERBS: Record<string, string> = {
  list_files: "Listed",
  read_file: "Read",
  create_file: "Created",
  create_folder: "Created folder",
  edit_file: "Edited",
  write_file: "Wrote",
  move_file: "Moved",
  delete_file: "Deleted",
};

/**
 * Before the first message: what the assistant can do, or, when the deployment has no provider, that it cannot
 * answer yet and how an operator connects one (the same variables its answer would list).
 */
function EmptyChat() {
  const { missing, model } = useAppStore(useShallow((s) => ({ missing: s.aiProviderMissing, model: s.aiModel })));
  if (missing) {
    return (
      <div className="chat-empty">
        <p>
          <strong>No AI provider is configured</strong> on this server, so the assistant cannot answer yet.
        </p>
        <p>
          Set <code>POLARIS_AI_MODEL</code> and <code>POLARIS_AI_BASE_URL</code> (or <code>POLARIS_AI_API_KEY</code>)
          as function environment variables, e.g. <code>npm run backend -- env set POLARIS_AI_MODEL llama3.1</code>.
          docs/ai.md covers OpenAI, OpenRouter, Ollama, LM Studio and vLLM. This note goes away by itself once a
          provider is set.
        </p>
      </div>
    );
  }
  return (
    <p className="chat-empty">
      Ask about your project, or ask for a change: the assistant can read and edit files.
      {model !== null && <> It answers with {model}.</>}
    </p>
  );
}

export function ActivityLine({ activity }: { activity: Activity }) {
  return (
    <li className={`chat-activity${activity.ok ? "" : " chat-activity-failed"}`}>
      <span aria-hidden="true">{activity.ok ? "✓" : "✗"}</span> {TOOL_VERBS[activity.tool] ?? activity.tool}{" "}
      <code>{activity.target}</code>
      {activity.detail && <span className="chat-activity-detail"> · {activity.detail}</span>}
    </li>
  );
}

/** Splits the text at the activity offsets so tool lines appear where they happened. */
function segments(text: string, activity: Activity[]) {
  const out: ({ kind: "text"; text: string } | { kind: "activity"; items: Activity[] })[] = [];
  let at = 0;
  for (const item of [...activity].sort((a, b) => a.offset - b.offset)) {
    const cut = Math.min(Math.max(item.offset, at), text.length);
    if (cut > at) out.push({ kind: "text", text: text.slice(at, cut) });
    at = cut;
    const previous = out[out.length - 1];
    if (previous?.kind === "activity") previous.items.push(item);
    else out.push({ kind: "activity", items: [item] });
  }
  if (at < text.length) out.push({ kind: "text", text: text.slice(at) });
  return out;
}

/** A trailing "⚠ …" paragraph (written by the server on failures) is shown as an error. */
function splitError(text: string): [string, string | null] {
  const match = /(?:^|\n\n)(⚠ [^\n]*)\s*$/.exec(text);
  return match ? [text.slice(0, match.index), match[1]] : [text, null];
}

export function MessageBody({ text, activity }: { text: string; activity: Activity[] }) {
  const [body, error] = splitError(text);
  return (
    <>
      {segments(body, activity).map((segment, i) =>
        segment.kind === "text" ? (
          <Markdown key={i} text={segment.text} />
        ) : (
          <ul key={i} className="chat-activity-list" aria-label="Assistant actions">
            {segment.items.map((item, j) => (
              <ActivityLine key={j} activity={item} />
            ))}
          </ul>
        ),
      )}
      {error && (
        <p className="chat-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function AssistantMessage({ message }: { message: ChatMessage }) {
  // While an answer streams its text lives in chunks; once final it is folded into `content`.
  const streaming =
    message.streaming === true || message.status === "processing" || (message.status === "cancelled" && message.content === "");
  const streamed = useStreamingText(message._id, streaming);
  const text = streaming ? (streamed ?? "") : message.content;
  return (
    <article className="chat-message chat-message-assistant" aria-label="Assistant" data-status={message.status ?? "completed"}>
      <MessageBody text={text} activity={message.activity ?? []} />
      {answerChangedFiles(message.activity) && <ChangeCard messageId={message._id} answering={message.status === "processing"} />}
      {message.status === "processing" && (
        <p className="chat-thinking" aria-live="polite">
          {text.length === 0 ? "Thinking…" : "Writing…"}
        </p>
      )}
      {message.status === "cancelled" && <p className="chat-cancelled">Stopped.</p>}
    </article>
  );
}

/**
 * Not `disabled` while loading: disabling the focused button would drop keyboard focus to the page. When the
 * last older page is in, the button goes away; if it had focus, `onGoneWithFocus` moves focus into the log.
 */
function LoadEarlierButton({ loading, onLoad, onGoneWithFocus }: { loading: boolean; onLoad: () => void; onGoneWithFocus: () => void }) {
  const button = useRef<HTMLButtonElement>(null);
  const gone = useRef(onGoneWithFocus);
  gone.current = onGoneWithFocus;
  useLayoutEffect(() => {
    const node = button.current;
    // Layout cleanups run before React removes the button, while it still holds focus.
    return () => {
      if (node !== null && node === document.activeElement) gone.current();
    };
  }, []);
  return (
    <button
      ref={button}
      type="button"
      className="chat-load-earlier"
      aria-disabled={loading}
      onClick={() => {
        if (!loading) onLoad();
      }}
    >
      {loading ? "Loading earlier messages…" : "Load earlier messages"}
    </button>
  );
}

export interface EarlierMessages {
  /** "more": older messages exist and can be loaded; "loading": they are on their way; "none": this is all. */
  state: "more" | "loading" | "none";
  load: () => void;
}

/** The conversation, oldest first; `earlier` offers the older messages not loaded yet. */
export function MessageList({ messages, earlier }: { messages: ChatMessage[]; earlier?: EarlierMessages }) {
  const keys = useMemo(() => messages.map((m) => m._id as string), [messages]);
  const { scroller, content, onScroll } = useBottomAnchor(keys);
  if (messages.length === 0) {
    return <EmptyChat />;
  }
  return (
    <div className="chat-messages" role="log" aria-label="Messages" ref={scroller} onScroll={onScroll} tabIndex={-1}>
      <div className="chat-messages-content" ref={content}>
        {earlier !== undefined && earlier.state !== "none" && (
          <LoadEarlierButton
            loading={earlier.state === "loading"}
            onLoad={earlier.load}
            onGoneWithFocus={() => scroller.current?.focus({ preventScroll: true })}
          />
        )}
        {messages.map((message) =>
          message.role === "user" ? (
            <article key={message._id} className="chat-message chat-message-user" aria-label="You">
              <p className="chat-user-text">{message.content}</p>
            </article>
          ) : (
            <AssistantMessage key={message._id} message={message} />
          ),
        )}
      </div>
    </div>
  );
}
