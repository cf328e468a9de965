import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { getFunctionName } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { useAppStore } from "../../store";
import { getSelection } from "../editor-ai/selection";
import { isTempId, useLiveWrite, useOutbox, usePaginatedSyncedQuery, useSyncedQueries, useSyncedQuery } from "../sync";
import { ApplyCodeContext } from "./applyContext";
import { ApplyDialog } from "./ApplyDialog";
import { Composer } from "./Composer";
import { ConversationBar } from "./ConversationBar";
import { type ChatMessage, type EarlierMessages, MessageList } from "./MessageList";
import { useTextSources } from "./useTextSources";
import "./chat.css";

// The newest page is re-sent whole whenever a message in it changes (an answer starts, runs a tool, ends); the
// backend splits it once it holds twice this many, so each re-send stays bounded however long the conversation,
// and it holds no text (messages:outline; each message's text is its own messages:body, sent once).
const FIRST_PAGE_MESSAGES = 10;
const EARLIER_PAGE_MESSAGES = 20;

/** The assistant pane: conversation picker, messages (streamed live) and the composer. */
export default function ChatView({ projectId }: { projectId: Id<"projects"> }) {
  const conversations = useSyncedQuery(api.conversations.list, { projectId });
  const [chosen, setChosen] = useState<Id<"conversations"> | null>(null);
  const activeId =
    conversations?.find((c) => c._id === chosen)?._id ?? conversations?.[0]?._id ?? null;
  // The history comes in pages; offline (also after a reload) the newest messages seen before are shown.
  const paged = usePaginatedSyncedQuery(api.messages.outline, activeId ? { conversationId: activeId } : "skip", {
    initialNumItems: FIRST_PAGE_MESSAGES,
  });
  // An answer's text comes from its stream while it is written and, once it ended, from the chunks this tab
  // streamed when it holds them all (streamedAnswers.ts): only other messages are read with messages:body. The
  // stream's last chunk usually arrives in the same update as the outline that ends the answer, and when it does
  // not, the answer's source changes once the missing chunk is read (useTextSources.ts).
  const sources = useTextSources(paged.results);
  const bodyArgs = useMemo(
    () => paged.results.flatMap((m, i) => (sources[i].from === "body" ? [{ messageId: m._id }] : [])),
    [paged.results, sources],
  );
  const bodies = useSyncedQueries(api.messages.body, bodyArgs);
  // A message shows once its text is here (one round trip after it joins the list), never as an empty bubble.
  const messages = useMemo(() => {
    const shown: ChatMessage[] = [];
    let read = 0;
    paged.results.forEach((m, i) => {
      const source = sources[i];
      if (source.from === "stream") shown.push({ ...m, content: "", streaming: true });
      else if (source.from === "held") shown.push({ ...m, content: source.text });
      else {
        const body = bodies[read++];
        if (body) shown.push({ ...m, content: body.content });
      }
    });
    return shown.reverse();
  }, [paged.results, sources, bodies]);
  // What messages:body would answer, in the cache too, so the answer shows offline after a reload as if read.
  const outbox = useOutbox();
  useEffect(() => {
    const held = paged.results.flatMap((m, i) => {
      const source = sources[i];
      return source.from === "held" ? [{ path: getFunctionName(api.messages.body), args: { messageId: m._id }, value: { content: source.text } }] : [];
    });
    if (held.length > 0) outbox.cache.setLiveMany(held);
  }, [outbox, paged.results, sources]);
  const bodiesLoading = paged.results.length > 0 && messages.length === 0;
  const { status, loadMore } = paged;
  const earlier = useMemo<EarlierMessages>(
    () => ({
      state: status === "CanLoadMore" ? "more" : status === "LoadingMore" ? "loading" : "none",
      load: () => loadMore(EARLIER_PAGE_MESSAGES),
    }),
    [status, loadMore],
  );

  // Live writes, not kept in the outbox: LIVE_WRITES in features/sync/write.ts says why for each.
  const createConversation = useLiveWrite(api.conversations.create);
  const renameConversation = useLiveWrite(api.conversations.rename);
  const removeConversation = useLiveWrite(api.conversations.remove);
  const send = useLiveWrite(api.messages.send);
  const cancel = useLiveWrite(api.messages.cancel);
  const shareContext = useLiveWrite(api.ai.context.share);

  const offline = useAppStore((s) => s.syncStatus.phase === "offline");
  const activeFileId = useAppStore((s) => (s.tabsProjectId === projectId ? s.activeFileId : null));
  const activeFile = useSyncedQuery(api.files.get, activeFileId ? { fileId: activeFileId } : "skip");
  // A file created offline is shared once the server knows it: a temporary id never reaches a server function.
  const shareable = activeFileId !== null && !isTempId(activeFileId) && activeFile !== undefined ? activeFile : null;
  const [share, setShare] = useState(true);
  const [applying, setApplying] = useState<string | null>(null);
  const messageBox = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setChosen(null);
  }, [projectId]);

  const run = useCallback(async <T,>(what: Promise<T>): Promise<T> => {
    try {
      return await what;
    } catch (error) {
      notify(errorMessage(error), "error");
      throw error;
    }
  }, []);

  const processing = messages.findLast((m) => m.role === "assistant" && m.status === "processing");

  const onSend = async (content: string) => {
    let conversationId = activeId;
    if (conversationId === null) {
      conversationId = await createConversation({ projectId });
      setChosen(conversationId);
    }
    const sharing = share && shareable !== null;
    const selection = sharing ? getSelection() : null;
    await run(
      shareContext({
        conversationId,
        fileId: sharing ? shareable._id : undefined,
        selection:
          selection && selection.fileId === activeFileId && selection.to > selection.from
            ? { from: selection.from, to: selection.to }
            : undefined,
      }),
    );
    await run(send({ conversationId, content }));
  };

  return (
    <ApplyCodeContext.Provider value={(code) => setApplying(code)}>
      <section className="chat-pane" aria-label="Assistant">
        <ConversationBar
          conversations={conversations ?? []}
          activeId={activeId}
          onSelect={setChosen}
          onCreate={() => {
            // The question comes next: focus left on "New" would make every space typed create another one.
            messageBox.current?.focus();
            run(createConversation({ projectId })).then(setChosen, () => {});
          }}
          onRename={(conversationId, title) => {
            run(renameConversation({ conversationId, title })).catch(() => {});
          }}
          onDelete={(conversationId) => {
            run(removeConversation({ conversationId })).then(() => setChosen(null), () => {});
          }}
        />
        {conversations === undefined || (activeId !== null && (status === "LoadingFirstPage" || bodiesLoading)) ? (
          // Nothing cached for this conversation (never opened here): say so offline instead of loading forever.
          <p className="chat-empty" role="status">
            {offline ? "You are offline, and this conversation was not opened here before: it shows when the connection is back." : "Loading…"}
          </p>
        ) : (
          <MessageList messages={messages} earlier={earlier} />
        )}
        <Composer
          offline={offline}
          // Stop needs the server; offline a cached answer may still read "processing" from before.
          busy={processing !== undefined && !offline}
          onSend={onSend}
          onStop={() => {
            if (processing) run(cancel({ messageId: processing._id })).catch(() => {});
          }}
          sharedFileName={shareable ? shareable.name : null}
          share={share}
          onShareChange={setShare}
          inputRef={messageBox}
        />
      </section>
      {applying !== null && (
        <ApplyDialog
          projectId={projectId}
          code={applying}
          defaultFileId={activeFileId}
          onClose={() => setApplying(null)}
          fallbackFocus={() => messageBox.current}
        />
      )}
    </ApplyCodeContext.Provider>
  );
}
