/**
 * The file name of the ZIP download of `name` (a project or a folder): characters other than letters, digits, `.`,
 * `_` and `-` become `-`. Shared by the browser's ZIP and the server's (transfers.zipProject).
 */
export function zipFileName(name: string): string {
  return `${name.replace(/[^\w.-]+/g, "-") || "project"}.zip`;
}

/**
 * Whether the ZIP download of a whole project is built on the server: only online, and when the project has more
 * files than the browser should fetch one by one (ZIP_IN_BROWSER_MAX_FILES), or more of them than
 * ZIP_IN_BROWSER_MAX_UNCACHED are not in the browser's cache (each would be one more request). Offline, the browser
 * zips what it has and names what it left out.
 */
export const ZIP_IN_BROWSER_MAX_FILES = 1000;
export const ZIP_IN_BROWSER_MAX_UNCACHED = 200;
export function zipOnServer(p: { online: boolean; files: number; uncached: number }): boolean {
  return p.online && (p.files > ZIP_IN_BROWSER_MAX_FILES || p.uncached > ZIP_IN_BROWSER_MAX_UNCACHED);
}
