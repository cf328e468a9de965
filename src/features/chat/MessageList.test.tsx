import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAppStore } from "../../store";
import { type ChatMessage, type EarlierMessages, MessageBody, MessageList } from "./MessageList";

afterEach(cleanup);

describe("MessageBody", () => {
  it("places activity lines where the tools ran and marks failures", () => {
    const text = "Let me look.Done, b is 3.";
    render(
      <MessageBody
        text={text}
        activity={[
          { tool: "read_file", target: "src/a.ts", detail: "3 lines", ok: true, offset: 12 },
          { tool: "edit_file", target: "src/a.ts", detail: "old_text was not found", ok: false, offset: 12 },
        ]}
      />,
    );
    const list = screen.getByRole("list", { name: "Assistant actions" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((i) => i.textContent)).toEqual(["✓ Read src/a.ts · 3 lines", "✗ Edited src/a.ts · old_text was not found"]);
    expect(items[1]).toHaveClass("chat-activity-failed");
    const order = Array.from(document.body.querySelectorAll(".chat-markdown, .chat-activity-list")).map((e) => e.textContent);
    expect(order[0]).toBe("Let me look.");
    expect(order[2]).toBe("Done, b is 3.");
  });

  it("shows a trailing ⚠ paragraph as an alert", () => {
    render(<MessageBody text={"Partial answer\n\n⚠ The AI provider refused the API key (401). Check POLARIS_AI_API_KEY."} activity={[]} />);
    expect(screen.getByRole("alert")).toHaveTextContent("refused the API key (401)");
    expect(screen.getByText("Partial answer")).toBeInTheDocument();
  });
});

// jsdom does no layout: give the log a geometry (300 px tall, 100 px per message, plus whatever `extra` holds)
// so the scroll behaviour can be checked.
const VIEW = 300;
const ROW = 100;
const layout = { extra: 0 };
const scrollTops = new WeakMap<Element, number>();
const resizeCallbacks = new Set<() => void>();
const isLog = (el: Element) => el.classList.contains("chat-messages");
const heightOf = (el: Element) => el.querySelectorAll("article").length * ROW + layout.extra;
const saved: [string, PropertyDescriptor | undefined][] = [];

beforeAll(() => {
  const proto = HTMLElement.prototype;
  for (const name of ["scrollHeight", "clientHeight", "scrollTop"]) saved.push([name, Object.getOwnPropertyDescriptor(proto, name)]);
  Object.defineProperty(proto, "scrollHeight", { configurable: true, get(this: Element) { return isLog(this) ? heightOf(this) : 0; } });
  Object.defineProperty(proto, "clientHeight", { configurable: true, get(this: Element) { return isLog(this) ? VIEW : 0; } });
  Object.defineProperty(proto, "scrollTop", {
    configurable: true,
    get(this: Element) {
      return scrollTops.get(this) ?? 0;
    },
    set(this: Element, value: number) {
      scrollTops.set(this, Math.max(0, Math.min(value, heightOf(this) - VIEW)));
    },
  });
  vi.stubGlobal(
    "ResizeObserver",
    class {
      private readonly callback: () => void;
      constructor(callback: () => void) {
        this.callback = () => callback();
      }
      observe() {
        resizeCallbacks.add(this.callback);
      }
      disconnect() {
        resizeCallbacks.delete(this.callback);
      }
    },
  );
});

afterAll(() => {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
    else Reflect.deleteProperty(HTMLElement.prototype, name);
  }
  vi.unstubAllGlobals();
});

afterEach(() => {
  layout.extra = 0;
});

function userMessage(n: number): ChatMessage {
  return {
    _id: `m${n}` as Id<"messages">,
    _creationTime: n,
    role: "user",
    content: `message ${n}`,
    status: "completed",
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => userMessage(from + i));
const log = () => screen.getByRole("log", { name: "Messages" });
const scrollTo = (top: number) => {
  log().scrollTop = top;
  fireEvent.scroll(log());
};

describe("MessageList scrolling", () => {
  it("opens at the newest message and follows new messages and a growing answer while at the bottom", () => {
    const { rerender } = render(<MessageList messages={range(1, 6)} />);
    expect(log().scrollTop).toBe(6 * ROW - VIEW);
    rerender(<MessageList messages={range(1, 8)} />);
    expect(log().scrollTop).toBe(8 * ROW - VIEW);
    layout.extra = 250;
    act(() => resizeCallbacks.forEach((callback) => callback()));
    expect(log().scrollTop).toBe(8 * ROW + 250 - VIEW);
  });

  it("leaves the view alone while the reader is scrolled up", () => {
    const { rerender } = render(<MessageList messages={range(1, 6)} />);
    scrollTo(50);
    rerender(<MessageList messages={range(1, 7)} />);
    layout.extra = 250;
    act(() => resizeCallbacks.forEach((callback) => callback()));
    expect(log().scrollTop).toBe(50);
  });

  it("keeps the messages in view in place when earlier ones load above them", () => {
    const { rerender } = render(<MessageList messages={range(11, 16)} />);
    scrollTo(40);
    expect(screen.getByText("message 11")).toBeInTheDocument();
    rerender(<MessageList messages={range(1, 16)} />);
    // Ten rows came in above: the view moved down by exactly their height.
    expect(log().scrollTop).toBe(40 + 10 * ROW);
  });

  it("keeps its place when earlier messages arrive before the browser delivered the reader's scroll event", () => {
    const { rerender } = render(<MessageList messages={range(11, 16)} />);
    expect(log().scrollTop).toBe(6 * ROW - VIEW);
    // Scrolled to the top, and the scroll event is still on its way (the browser sends it with the next frame).
    log().scrollTop = 0;
    rerender(<MessageList messages={range(1, 16)} />);
    expect(log().scrollTop).toBe(10 * ROW);
  });

  it("starts another conversation at its newest message", () => {
    const { rerender } = render(<MessageList messages={range(1, 6)} />);
    scrollTo(0);
    rerender(<MessageList messages={range(21, 30)} />);
    expect(log().scrollTop).toBe(10 * ROW - VIEW);
  });
});

describe("Load earlier messages", () => {
  it("is reached by keyboard, shows progress, and hands focus to the log when nothing older is left", async () => {
    const load = vi.fn();
    const earlier = (state: EarlierMessages["state"]): EarlierMessages => ({ state, load });
    const { rerender } = render(<MessageList messages={range(11, 12)} earlier={earlier("more")} />);
    const button = screen.getByRole("button", { name: "Load earlier messages" });
    await userEvent.tab();
    expect(button).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(load).toHaveBeenCalledTimes(1);

    rerender(<MessageList messages={range(11, 12)} earlier={earlier("loading")} />);
    const busy = screen.getByRole("button", { name: "Loading earlier messages…" });
    expect(busy).toHaveFocus();
    expect(busy).toHaveAttribute("aria-disabled", "true");
    await userEvent.keyboard("{Enter}");
    expect(load).toHaveBeenCalledTimes(1);

    rerender(<MessageList messages={range(1, 12)} earlier={earlier("none")} />);
    expect(screen.queryByRole("button", { name: /earlier messages/ })).toBeNull();
    expect(log()).toHaveFocus();
    expect(screen.getByText("message 1")).toBeInTheDocument();
  });

  it("is not offered when the whole conversation is loaded", () => {
    render(<MessageList messages={range(1, 3)} earlier={{ state: "none", load: () => {} }} />);
    expect(screen.queryByRole("button", { name: /earlier messages/ })).toBeNull();
  });
});

describe("an empty conversation", () => {
  afterEach(() => useAppStore.setState({ aiProviderMissing: false, aiModel: null }));

  it("says the assistant cannot answer and how to connect a provider when the server has none, and names the model when it has one", () => {
    useAppStore.getState().setAiProvider({ configured: false, model: null });
    const { rerender } = render(<MessageList messages={[]} />);
    expect(screen.getByText(/No AI provider is configured/)).toBeInTheDocument();
    expect(screen.getByText(/env set POLARIS_AI_MODEL/)).toBeInTheDocument();

    act(() => useAppStore.getState().setAiProvider({ configured: true, model: "llama3.1" }));
    rerender(<MessageList messages={[]} />);
    expect(screen.queryByText(/No AI provider is configured/)).not.toBeInTheDocument();
    expect(screen.getByText(/It answers with llama3\.1\./)).toBeInTheDocument();
  });
});
