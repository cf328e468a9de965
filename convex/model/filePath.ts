// How a file's path is spelled everywhere (the assistant's tools, tab titles, the tree, the apply dialog): its
// ancestors' names from the project root down, then its own, joined by "/". Pure: the server and the SPA import it.
// A parent that cannot be found ends the walk (the path then starts at the highest known ancestor), and so does
// MAX_PATH_DEPTH: a guard against a cycle, which only a broken optimistic guess could create (the server refuses to
// move a folder into itself).

export const MAX_PATH_DEPTH = 1024;

export interface PathNode<Id extends string = string> {
  name: string;
  parentId?: Id;
}

/** The `/`-joined path of `node`; `parentOf` looks a parent up by id (undefined or null when it is unknown). */
export function filePath<Id extends string>(node: PathNode<Id>, parentOf: (parentId: Id) => PathNode<Id> | null | undefined): string {
  const names = [node.name];
  let current: PathNode<Id> | null | undefined = node;
  for (let depth = 0; current.parentId !== undefined && depth < MAX_PATH_DEPTH; depth++) {
    current = parentOf(current.parentId);
    if (!current) break;
    names.push(current.name);
  }
  return names.reverse().join("/");
}
