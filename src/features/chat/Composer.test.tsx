import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Composer } from "./Composer";

afterEach(cleanup);

describe("Composer", () => {
  it("sends on Enter, inserts a newline on Shift+Enter, and clears after sending", async () => {
    const onSend = vi.fn();
    render(<Composer busy={false} onSend={onSend} onStop={() => {}} />);
    const box = screen.getByRole("textbox", { name: "Message" });
    await userEvent.type(box, "first line{Shift>}{Enter}{/Shift}second line");
    expect(box).toHaveValue("first line\nsecond line");
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.keyboard("{Enter}");
    expect(onSend).toHaveBeenCalledWith("first line\nsecond line");
    expect(box).toHaveValue("");
  });

  it("does not send an empty message", async () => {
    const onSend = vi.fn();
    render(<Composer busy={false} onSend={onSend} onStop={() => {}} />);
    await userEvent.type(screen.getByRole("textbox", { name: "Message" }), "   {Enter}");
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
  });

  it("keeps the text when sending fails", async () => {
    const onSend = vi.fn<(text: string) => Promise<void>>().mockRejectedValue(new Error("offline"));
    render(<Composer busy={false} onSend={(t) => onSend(t).catch(() => Promise.reject(new Error("x")))} onStop={() => {}} />);
    const box = screen.getByRole("textbox", { name: "Message" });
    await userEvent.type(box, "hello{Enter}");
    expect(onSend).toHaveBeenCalled();
    expect(box).toHaveValue("hello");
  });

  it("shows Stop instead of Send while the assistant is answering", async () => {
    const onStop = vi.fn();
    render(<Composer busy onSend={() => {}} onStop={onStop} />);
    expect(screen.queryByRole("button", { name: "Send" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(onStop).toHaveBeenCalledOnce();
  });

  it("offers to share the open file", async () => {
    const onShareChange = vi.fn();
    render(<Composer busy={false} onSend={() => {}} onStop={() => {}} sharedFileName="app.ts" share={false} onShareChange={onShareChange} />);
    await userEvent.click(screen.getByRole("checkbox", { name: /Share app.ts/ }));
    expect(onShareChange).toHaveBeenCalledWith(true);
  });
});
