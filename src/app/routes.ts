/** The workspace's route: one rule for the router and for what the app asks for before the page exists. */
export const PROJECT_ROUTE = "/p/:projectId";

/** The workspace page's code (a lazy chunk): loaded at a project's address, and by the dashboard ahead of need. */
export const loadWorkspacePage = () => import("./WorkspacePage");
