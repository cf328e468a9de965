import { convexToJson, type Value } from "convex/values";
import { getFunctionName, type FunctionReference } from "convex/server";

/** `module:function`, the way the Convex client names a function (".js" and a missing name normalised). */
export function canonicalPath(pathOrRef: string | FunctionReference<any, any>): string {
  const path = typeof pathOrRef === "string" ? pathOrRef : getFunctionName(pathOrRef);
  const pieces = path.split(":");
  let moduleName = pieces.length === 1 ? pieces[0] : pieces.slice(0, -1).join(":");
  const functionName = pieces.length === 1 ? "default" : pieces[pieces.length - 1];
  if (moduleName.endsWith(".js")) moduleName = moduleName.slice(0, -3);
  return `${moduleName}:${functionName}`;
}

/** Stable key of one query subscription, the same shape the Convex client uses internally. */
export function queryToken(path: string, args: Record<string, unknown>): string {
  return JSON.stringify({ udfPath: canonicalPath(path), args: convexToJson(args as Record<string, Value>) });
}
