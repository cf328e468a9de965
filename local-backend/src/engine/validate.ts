import { type Value } from "convex/values";

// Checks Convex values against validator JSON (`exportArgs()`, `exportReturns()`, a schema table's
// `documentType`), producing messages shaped like Convex's own.

export type VJson =
  | { type: "null" | "number" | "bigint" | "boolean" | "string" | "bytes" | "any" | "commitTs" }
  | { type: "literal"; value: unknown }
  | { type: "id"; tableName: string }
  | { type: "array"; value: VJson }
  | { type: "record"; keys: VJson; values: { fieldType: VJson; optional: boolean } }
  | { type: "object"; value: Record<string, { fieldType: VJson; optional: boolean }> }
  | { type: "union"; value: VJson[] };

/** Resolves an id string to the table it belongs to, or null when it is not a valid id. */
export type IdTableResolver = (id: string) => string | null;

export function printValidator(v: VJson): string {
  switch (v.type) {
    case "null":
      return "v.null()";
    case "number":
      return "v.float64()";
    case "bigint":
      return "v.int64()";
    case "boolean":
      return "v.boolean()";
    case "string":
      return "v.string()";
    case "bytes":
      return "v.bytes()";
    case "any":
      return "v.any()";
    case "commitTs":
      return "v.commitTs()";
    case "literal":
      return `v.literal(${JSON.stringify(literalValue(v.value))})`;
    case "id":
      return `v.id(${JSON.stringify(v.tableName)})`;
    case "array":
      return `v.array(${printValidator(v.value)})`;
    case "record":
      return `v.record(${printValidator(v.keys)}, ${printValidator(v.values.fieldType)})`;
    case "object":
      return `v.object({${Object.entries(v.value)
        .map(([k, f]) => `${k}: ${f.optional ? `v.optional(${printValidator(f.fieldType)})` : printValidator(f.fieldType)}`)
        .join(", ")}})`;
    case "union":
      return `v.union(${v.value.map(printValidator).join(", ")})`;
  }
}

function literalValue(json: unknown): unknown {
  if (json !== null && typeof json === "object" && "$integer" in json) {
    const b = Buffer.from((json as { $integer: string }).$integer, "base64");
    return `${b.readBigInt64LE(0)}n`;
  }
  return json;
}

export function printValue(value: Value | undefined): string {
  const out = printValueInner(value, 0);
  return out.length > 1000 ? out.slice(0, 1000) + "..." : out;
}

function printValueInner(value: Value | undefined, depth: number): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
  if (depth > 8) return "...";
  if (Array.isArray(value)) return `[${value.map((x) => printValueInner(x, depth + 1)).join(", ")}]`;
  if (typeof value === "object" && value.constructor !== Object && value.constructor !== undefined) return `[${value.constructor.name}]`;
  return `{${Object.entries(value as Record<string, Value>)
    .map(([k, x]) => `${k}: ${printValueInner(x, depth + 1)}`)
    .join(", ")}}`;
}

function matchesLiteral(value: Value, literal: unknown): boolean {
  if (literal !== null && typeof literal === "object" && "$integer" in literal) {
    if (typeof value !== "bigint") return false;
    const b = Buffer.from((literal as { $integer: string }).$integer, "base64");
    return b.readBigInt64LE(0) === value;
  }
  return value === literal;
}

function isPlainObject(value: Value): value is Record<string, Value> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof ArrayBuffer);
}

/** Returns null when `value` matches, else an error message (without the "XValidationError: " prefix). */
export function validateValue(validator: VJson, value: Value | undefined, resolveIdTable: IdTableResolver): string | null {
  return check(validator, value, "", resolveIdTable);
}

function mismatch(path: string, value: Value | undefined, validator: VJson): string {
  return (
    "Value does not match validator.\n" +
    (path ? `Path: ${path}\n` : "") +
    `Value: ${printValue(value)}\n` +
    `Validator: ${printValidator(validator)}`
  );
}

function check(v: VJson, value: Value | undefined, path: string, resolveIdTable: IdTableResolver): string | null {
  switch (v.type) {
    case "any":
      return value === undefined ? mismatch(path, value, v) : null;
    case "null":
      return value === null ? null : mismatch(path, value, v);
    case "number":
      return typeof value === "number" ? null : mismatch(path, value, v);
    case "bigint":
    case "commitTs":
      return typeof value === "bigint" || (typeof value === "object" && value !== null && value.constructor?.name === "CommitTsPlaceholder")
        ? null
        : mismatch(path, value, v);
    case "boolean":
      return typeof value === "boolean" ? null : mismatch(path, value, v);
    case "string":
      return typeof value === "string" ? null : mismatch(path, value, v);
    case "bytes":
      return value instanceof ArrayBuffer ? null : mismatch(path, value, v);
    case "literal":
      return value !== undefined && matchesLiteral(value, v.value) ? null : mismatch(path, value, v);
    case "id": {
      if (typeof value !== "string") return mismatch(path, value, v);
      const table = resolveIdTable(value);
      if (table !== v.tableName) {
        return (
          `Value does not match validator.\n` +
          (path ? `Path: ${path}\n` : "") +
          `Value: ${printValue(value)}\n` +
          `Validator: ${printValidator(v)}\n` +
          (table === null ? `The value is not a valid document id.` : `The id belongs to table "${table}", not "${v.tableName}".`)
        );
      }
      return null;
    }
    case "array": {
      if (!Array.isArray(value)) return mismatch(path, value, v);
      for (let i = 0; i < value.length; i++) {
        const err = check(v.value, value[i], `${path}[${i}]`, resolveIdTable);
        if (err) return err;
      }
      return null;
    }
    case "record": {
      if (value === undefined || !isPlainObject(value)) return mismatch(path, value, v);
      for (const [k, x] of Object.entries(value)) {
        const keyErr = check(v.keys, k, `${path}.${k}`, resolveIdTable);
        if (keyErr) return keyErr;
        const err = check(v.values.fieldType, x, `${path}.${k}`, resolveIdTable);
        if (err) return err;
      }
      return null;
    }
    case "object": {
      if (value === undefined || !isPlainObject(value)) return mismatch(path, value, v);
      for (const k of Object.keys(value)) {
        if (value[k] !== undefined && !Object.hasOwn(v.value, k)) {
          return (
            `Object contains extra field \`${k}\` that is not in the validator.\n` +
            (path ? `Path: ${path}\n` : "") +
            `Object: ${printValue(value)}\n` +
            `Validator: ${printValidator(v)}`
          );
        }
      }
      for (const [k, field] of Object.entries(v.value)) {
        // Own fields only: an optional field named like an Object.prototype member ("toString") may be absent.
        const x = Object.hasOwn(value, k) ? value[k] : undefined;
        if (x === undefined) {
          if (field.optional) continue;
          return (
            `Object is missing the required field \`${k}\`. Consider wrapping the field validator in \`v.optional(...)\` if this is expected.\n` +
            (path ? `Path: ${path}\n` : "") +
            `Object: ${printValue(value)}\n` +
            `Validator: ${printValidator(v)}`
          );
        }
        const err = check(field.fieldType, x, `${path}.${k}`, resolveIdTable);
        if (err) return err;
      }
      return null;
    }
    case "union": {
      for (const member of v.value) {
        if (check(member, value, path, resolveIdTable) === null) return null;
      }
      return mismatch(path, value, v);
    }
  }
}

/**
 * A fast check of a value still in its JSON form (as a function's arguments and return value cross the runtime):
 * true only when `jsonToConvex(json)` would succeed and `validateValue(validator, jsonToConvex(json))` would return
 * null. False means "not shown here": the caller decodes the value and runs `validateValue`, which gives the verdict
 * and the message. Sound, not complete: it answers false for what it does not look into (bigints, bytes, records,
 * special floats, objects under `v.any()`), so every verdict and every message stays `validateValue`'s.
 *
 * Written here rather than taken from a library because it must agree exactly with `validateValue` and Convex's
 * `jsonToConvex`. It spares decoding a result into a copy only to validate it, and the message paths built for
 * every element on the way: for a listing bucket of 1,000 entries those were most of the query's own CPU time.
 */
export function matchesJson(v: VJson, json: unknown, resolveIdTable: IdTableResolver): boolean {
  switch (v.type) {
    case "any":
      return json === null || typeof json === "boolean" || typeof json === "number" || typeof json === "string";
    case "null":
      return json === null;
    case "number":
      return typeof json === "number";
    case "boolean":
      return typeof json === "boolean";
    case "string":
      return typeof json === "string";
    case "literal":
      return json !== null && typeof json !== "object" && json === v.value;
    case "id":
      return typeof json === "string" && resolveIdTable(json) === v.tableName;
    case "array": {
      if (!Array.isArray(json)) return false;
      for (let i = 0; i < json.length; i++) if (!matchesJson(v.value, json[i], resolveIdTable)) return false;
      return true;
    }
    case "object": {
      if (json === null || typeof json !== "object" || Array.isArray(json)) return false;
      const fields = objectFields(v);
      if (fields === null) return false;
      const object = json as Record<string, unknown>;
      let present = 0;
      for (const k in object) {
        const field = fields.get(k);
        // An unknown key, or one Convex would refuse as a field name ("$integer" and the like): not shown here.
        if (field === undefined) return false;
        if (!matchesJson(field.fieldType, object[k], resolveIdTable)) return false;
        present++;
      }
      if (present === fields.size) return true;
      for (const [k, field] of fields) if (!field.optional && !Object.hasOwn(object, k)) return false;
      return true;
    }
    case "union":
      for (const member of v.value) if (matchesJson(member, json, resolveIdTable)) return true;
      return false;
    default:
      return false;
  }
}

type ObjectValidator = Extract<VJson, { type: "object" }>;
type Field = ObjectValidator["value"][string];
const fieldsOf = new WeakMap<ObjectValidator, Map<string, Field> | null>();

/**
 * An object validator's fields by name, or null when one of the names is not one Convex accepts as a field name
 * (such a validator is left to the slow path).
 */
function objectFields(v: ObjectValidator): Map<string, Field> | null {
  let fields = fieldsOf.get(v);
  if (fields === undefined) {
    fields = new Map();
    for (const [k, field] of Object.entries(v.value)) {
      // Convex's rule for field names (convex/values validateObjectField): at most 1,024 characters, no leading
      // "$", printable ASCII only.
      if (k.length > 1024 || k.startsWith("$") || !/^[\x20-\x7e]*$/.test(k)) {
        fields = null;
        break;
      }
      fields.set(k, field);
    }
    fieldsOf.set(v, fields);
  }
  return fields;
}
