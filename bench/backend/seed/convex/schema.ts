// The project's own schema, so the documents seeded here are exactly what convex/ reads after a restart.
export { default } from "../../../../convex/schema";
