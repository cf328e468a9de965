import type WorkspacePage from "./WorkspacePage";

/** The workspace's route: one rule for the router and for what the app asks for before the page exists. */
export const PROJECT_ROUTE = "/p/:projectId";

type WorkspaceModule = { default: typeof WorkspacePage };
let loadedWorkspace: WorkspaceModule | undefined;

/** The workspace page's code (a lazy chunk): loaded at a project's address, and by the dashboard ahead of need. */
export const loadWorkspacePage = (): Promise<WorkspaceModule> =>
  import("./WorkspacePage").then((module) => (loadedWorkspace = module));

/** The workspace page once its code is in (loadWorkspacePage has resolved), else undefined. */
export const loadedWorkspacePage = (): WorkspaceModule["default"] | undefined => loadedWorkspace?.default;

/**
 * The project id PROJECT_ROUTE gives for `pathname`, else null: for the entry module, which needs it before the
 * router exists. Matches as wouter does ("/p/<id>", a trailing slash allowed, nothing deeper; routes.test.tsx
 * checks it against wouter's own match).
 */
export function projectIdAt(pathname: string): string | null {
  let path = pathname;
  try {
    path = decodeURI(pathname);
  } catch {
    // As wouter: a path that cannot be decoded is matched as it is.
  }
  return /^\/p\/([^/]+?)\/?$/i.exec(path)?.[1] ?? null;
}
