import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useRef } from "react";
import { describe, expect, it } from "vitest";
import { useFocusHandoff } from "./useFocusHandoff";

function Stop({ field }: { field: React.RefObject<HTMLInputElement | null> }) {
  const ref = useRef<HTMLButtonElement>(null);
  useFocusHandoff(ref, () => field.current);
  return (
    <button ref={ref} type="button">
      Stop
    </button>
  );
}

function Panel({ running }: { running: boolean }) {
  const field = useRef<HTMLInputElement>(null);
  return (
    <>
      <input ref={field} aria-label="Query" />
      {running && <Stop field={field} />}
      <button type="button">Other</button>
    </>
  );
}

describe("useFocusHandoff", () => {
  it("hands focus to the next place when the focused element leaves, so typing goes on there", async () => {
    const { rerender } = render(<Panel running />);
    screen.getByRole("button", { name: "Stop" }).focus();
    rerender(<Panel running={false} />);
    expect(screen.queryByRole("button", { name: "Stop" })).toBeNull();
    expect(screen.getByRole("textbox", { name: "Query" })).toHaveFocus();
    await userEvent.keyboard("more");
    expect(screen.getByRole("textbox", { name: "Query" })).toHaveValue("more");
  });

  it("leaves focus alone when the leaving element did not have it", () => {
    const { rerender } = render(<Panel running />);
    screen.getByRole("button", { name: "Other" }).focus();
    rerender(<Panel running={false} />);
    expect(screen.getByRole("button", { name: "Other" })).toHaveFocus();
  });
});
