import { afterEach, expect, it, vi } from "vitest";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { file } from "../file-tree/testUtils";

// fuzzysort is a lazy chunk (QuickOpen.tsx): held back here until the test lets it load, so the dialog is used
// while its matcher is still loading.
const gate = vi.hoisted(() => {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open: () => open() };
});
vi.mock("fuzzysort", async (importOriginal) => {
  await gate.opened;
  return importOriginal();
});

const { QuickOpen } = await import("./QuickOpen");

afterEach(cleanup);

it("typing and Enter while the matcher is still loading open the best match once it has loaded", async () => {
  const onOpen = vi.fn();
  const user = userEvent.setup();
  render(<QuickOpen files={[file("readme", "README.md"), file("main", "main.tsx")]} onOpen={onOpen} />);
  await user.keyboard("{Control>}p{/Control}");
  const dialog = screen.getByRole("dialog", { name: "Go to File" });
  await user.keyboard("main{Enter}");
  expect(within(dialog).getByRole("combobox")).toHaveValue("main");
  expect(within(dialog).getByRole("status")).toHaveTextContent("still loading");
  expect(onOpen).not.toHaveBeenCalled();

  gate.open();
  await waitFor(() => expect(onOpen).toHaveBeenCalledWith("main"));
  expect(onOpen).toHaveBeenCalledTimes(1);
});
