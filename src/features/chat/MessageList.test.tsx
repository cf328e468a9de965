import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MessageBody } from "./MessageList";

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
