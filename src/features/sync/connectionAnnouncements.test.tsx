import { act, cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Announcer } from "../../app/Announcer";
import { useAppStore } from "../../store";
import { initialSyncStatus } from "../../store/syncSlice";
import type { SyncStatusInfo } from "./types";
import { SyncStatus } from "./SyncStatus";

afterEach(() => {
  cleanup();
  useAppStore.setState({ syncStatus: initialSyncStatus, announcement: null });
});

function phase(status: Partial<SyncStatusInfo>) {
  act(() => useAppStore.setState({ syncStatus: { ...initialSyncStatus, ...status } }));
}

describe("connection announcements", () => {
  it("says going offline, coming back and the end of a sync in the live region, and nothing on mount", () => {
    const { getByRole } = render(
      <>
        <SyncStatus />
        <Announcer />
      </>,
    );
    const region = getByRole("status", { name: "Announcements" });
    expect(region).toBeEmptyDOMElement();
    phase({ phase: "offline", pending: 2 });
    expect(region).toHaveTextContent("You are offline.");
    phase({ phase: "syncing", pending: 2 });
    expect(region).toHaveTextContent("Back online. Sending your changes…");
    phase({ phase: "online", pending: 0 });
    expect(region).toHaveTextContent("All changes are synced.");
  });

  it("says nothing when an autosave made online is sent, so typing is not interrupted at every pause", () => {
    const { getByRole } = render(
      <>
        <SyncStatus />
        <Announcer />
      </>,
    );
    const region = getByRole("status", { name: "Announcements" });
    for (let i = 0; i < 3; i++) {
      phase({ phase: "syncing", pending: 1 });
      phase({ phase: "online", pending: 0 });
    }
    expect(region).toBeEmptyDOMElement();
    // A pause's end is a catch-up, said once it is sent; the next autosave again is not.
    phase({ phase: "error", pending: 1, lastError: "The server refused a change." });
    expect(region).toHaveTextContent("Sync paused: The server refused a change.");
    phase({ phase: "syncing", pending: 1 });
    phase({ phase: "online", pending: 0 });
    expect(region).toHaveTextContent("All changes are synced.");
    const said = useAppStore.getState().announcement?.id;
    phase({ phase: "syncing", pending: 1 });
    phase({ phase: "online", pending: 0 });
    expect(useAppStore.getState().announcement?.id, "no new announcement").toBe(said);
  });
});
