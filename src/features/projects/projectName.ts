import { checkProjectName } from "../../../convex/model/names";
import { errorMessage } from "../../lib/errors";
import { isTempId } from "../sync";

export { MAX_NAME_LENGTH as MAX_PROJECT_NAME_LENGTH } from "../../../convex/model/names";

/**
 * The same rule the server applies (convex/model/names.ts), run before sending so the message appears in place
 * at once. Returns the problem, or null when the name is acceptable.
 */
export function validateProjectName(raw: string): string | null {
  try {
    checkProjectName(raw);
    return null;
  } catch (error) {
    return errorMessage(error, "This name is not valid.");
  }
}

/** Ids the optimistic create gives a project until the server's id replaces it (see features/sync/ids.ts). */
export function isPendingId(id: string): boolean {
  return isTempId(id);
}
