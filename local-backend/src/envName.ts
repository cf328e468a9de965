// Function environment variable names, one rule for `env set` on the command line, the admin HTTP endpoint and the
// engine. It is what Convex itself accepts: its backend's EnvVarName pattern `^[a-zA-Z_][a-zA-Z0-9_]*$` (a leading
// underscore included, though its docs say "start with a letter"), at most 40 characters, the limit Convex
// documents, so a name set here can be set on a Convex deployment too.

export const MAX_ENV_NAME_LENGTH = 40;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The rule in words, for error messages. */
export const ENV_NAME_RULE = `use letters, digits and underscores (at most ${MAX_ENV_NAME_LENGTH}), not starting with a digit`;

export function isEnvName(name: string): boolean {
  return name.length <= MAX_ENV_NAME_LENGTH && ENV_NAME.test(name);
}
