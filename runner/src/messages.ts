// Checks what a browser sends before the runner acts on it: a socket is a public door, so a frame that is not one
// of the protocol's messages with fields of the right types is answered with what was wrong, never acted on.
import type { ClientMessage } from "./protocol.js";

/** Longest terminal input in one message (characters): a paste, not a file upload. */
export const MAX_INPUT_CHARS = 256 * 1024;

type Fields = Record<string, "string" | "number">;

const SHAPES: Record<ClientMessage["t"], Fields> = {
  hello: { projectId: "string", token: "string" },
  token: { token: "string" },
  open: { cols: "number", rows: "number" },
  input: { term: "string", data: "string" },
  resize: { term: "string", cols: "number", rows: "number" },
  close: { term: "string" },
  run: {},
  stop: {},
  restart: {},
};

/** The message in `text`, or a sentence saying what is wrong with it. */
export function parseClientMessage(text: string): { message: ClientMessage } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "The runner received a message that is not JSON." };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: "The runner received a message that is not an object with a type (t)." };
  }
  const record = value as Record<string, unknown>;
  const type = record.t;
  if (typeof type !== "string" || !Object.hasOwn(SHAPES, type)) {
    return { error: `The runner does not know the message type ${JSON.stringify(type ?? null)}.` };
  }
  for (const [field, kind] of Object.entries(SHAPES[type as ClientMessage["t"]])) {
    if (typeof record[field] !== kind || (kind === "number" && !Number.isFinite(record[field]))) {
      return { error: `The runner's "${type}" message needs ${field} to be a ${kind}.` };
    }
  }
  if (type === "input" && (record.data as string).length > MAX_INPUT_CHARS) {
    return { error: `Terminal input is limited to ${MAX_INPUT_CHARS.toLocaleString("en")} characters per message.` };
  }
  return { message: record as unknown as ClientMessage };
}
