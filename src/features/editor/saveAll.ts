// Saving every open editor's unsaved text now, for what must see it on the server (Run, which reads the project
// from there; an export to Git, GitHub or a server-made ZIP): the open editor pane registers how, anyone may ask.

const savers = new Set<() => Promise<void>>();

/** Registers how to save an editor pane's unsaved text now; returns the unregistering function. */
export function registerSaveAll(save: () => Promise<void>): () => void {
  savers.add(save);
  return () => savers.delete(save);
}

/** Saves the unsaved text of every open editor now (into the outbox); resolves when each is stored or failed. */
export async function saveAll(): Promise<void> {
  await Promise.all([...savers].map((save) => save()));
}

/**
 * Resolves once the server has everything the person sees: open editors saved now, and every write stored so far
 * answered (confirmed or refused). Offline, it waits for the connection.
 */
export async function onServer(outbox: { settled(): Promise<void> }): Promise<void> {
  await saveAll();
  await outbox.settled();
}
