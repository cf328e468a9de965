/** The workspace's route: one rule for the router and for what the app asks for before the page exists. */
export const PROJECT_ROUTE = "/p/:projectId";
