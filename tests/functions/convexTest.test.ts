import { describe } from "vitest";
import { allSuites } from "./cases";
import { makeConvexTestHarness } from "./convexTest";

for (const [name, suite] of Object.entries(allSuites)) {
  describe(`convex-test: ${name}`, () => suite(makeConvexTestHarness));
}
