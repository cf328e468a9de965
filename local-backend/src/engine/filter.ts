import { compareValues, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { getField } from "./keys.js";

// Evaluates the expression trees serialized by convex/server filter_builder_impl.ts.

export function decodeMaybeUndefined(json: JSONValue): Value | undefined {
  if (json !== null && typeof json === "object" && !Array.isArray(json)) {
    const keys = Object.keys(json);
    if (keys.length === 1 && keys[0] === "$undefined") return undefined;
  }
  return jsonToConvex(json);
}

function arith(op: string, l: Value | undefined, r: Value | undefined): Value {
  if (typeof l === "number" && typeof r === "number") {
    switch (op) {
      case "$add":
        return l + r;
      case "$sub":
        return l - r;
      case "$mul":
        return l * r;
      case "$div":
        return l / r;
      case "$mod":
        return l % r;
    }
  }
  if (typeof l === "bigint" && typeof r === "bigint") {
    switch (op) {
      case "$add":
        return BigInt.asIntN(64, l + r);
      case "$sub":
        return BigInt.asIntN(64, l - r);
      case "$mul":
        return BigInt.asIntN(64, l * r);
      case "$div":
        if (r === 0n) throw new Error("Division by zero in a filter expression.");
        return l / r;
      case "$mod":
        if (r === 0n) throw new Error("Division by zero in a filter expression.");
        return l % r;
    }
  }
  throw new Error(
    `Filter expression ${op.slice(1)}(...) needs two numbers (float64) or two bigints (int64), got ${typeof l} and ${typeof r}.`,
  );
}

export function evaluate(expr: JSONValue, doc: Record<string, Value>): Value | undefined {
  if (expr === null || typeof expr !== "object" || Array.isArray(expr)) {
    throw new Error(`Malformed filter expression: ${JSON.stringify(expr)}`);
  }
  const [op] = Object.keys(expr);
  const arg = (expr as Record<string, JSONValue>)[op];
  const pair = () => {
    const items = arg as JSONValue[];
    return [evaluate(items[0], doc), evaluate(items[1], doc)] as const;
  };
  switch (op) {
    case "$literal":
      return decodeMaybeUndefined(arg);
    case "$field":
      return getField(doc, arg as string);
    case "$eq": {
      const [l, r] = pair();
      return compareValues(l, r) === 0;
    }
    case "$neq": {
      const [l, r] = pair();
      return compareValues(l, r) !== 0;
    }
    case "$lt": {
      const [l, r] = pair();
      return compareValues(l, r) < 0;
    }
    case "$lte": {
      const [l, r] = pair();
      return compareValues(l, r) <= 0;
    }
    case "$gt": {
      const [l, r] = pair();
      return compareValues(l, r) > 0;
    }
    case "$gte": {
      const [l, r] = pair();
      return compareValues(l, r) >= 0;
    }
    case "$add":
    case "$sub":
    case "$mul":
    case "$div":
    case "$mod": {
      const [l, r] = pair();
      return arith(op, l, r);
    }
    case "$neg": {
      const x = evaluate(arg, doc);
      if (typeof x === "number") return -x;
      if (typeof x === "bigint") return BigInt.asIntN(64, -x);
      throw new Error(`Filter expression neg(...) needs a number or bigint, got ${typeof x}.`);
    }
    case "$and":
      return (arg as JSONValue[]).every((e) => evaluate(e, doc) === true);
    case "$or":
      return (arg as JSONValue[]).some((e) => evaluate(e, doc) === true);
    case "$not":
      return evaluate(arg, doc) !== true;
    default:
      throw new Error(`Unknown filter operator ${op}`);
  }
}
