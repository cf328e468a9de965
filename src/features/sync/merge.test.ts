import { describe, expect, it } from "vitest";
import { mergeThreeWay } from "./merge";

describe("mergeThreeWay", () => {
  const base = "one\ntwo\nthree\nfour\nfive\n";

  it("combines edits to different lines", () => {
    const mine = "ONE\ntwo\nthree\nfour\nfive\n";
    const theirs = "one\ntwo\nthree\nfour\nFIVE\n";
    expect(mergeThreeWay(base, mine, theirs)).toEqual({ kind: "clean", text: "ONE\ntwo\nthree\nfour\nFIVE\n" });
  });

  it("keeps both versions between markers when the same line changed differently", () => {
    const result = mergeThreeWay(base, "one\nmine\nthree\nfour\nfive\n", "one\ntheirs\nthree\nfour\nfive\n");
    expect(result.kind).toBe("conflict");
    expect(result.text).toBe("one\n<<<<<<< mine\nmine\n=======\ntheirs\n>>>>>>> theirs\nthree\nfour\nfive\n");
  });

  it("treats the same change on both sides as no conflict", () => {
    const both = "one\ntwo\n3\nfour\nfive\n";
    expect(mergeThreeWay(base, both, both)).toEqual({ kind: "clean", text: both });
    const mine = "one\ntwo\n3\nfour\nfive\nsix\n";
    expect(mergeThreeWay(base, mine, both)).toEqual({ kind: "clean", text: mine });
  });

  it("takes the only side that changed", () => {
    expect(mergeThreeWay(base, base, "x\n")).toEqual({ kind: "clean", text: "x\n" });
    expect(mergeThreeWay(base, "y\n", base)).toEqual({ kind: "clean", text: "y\n" });
  });

  it("cannot merge without a base unless both texts agree", () => {
    expect(mergeThreeWay(undefined, "a", "a")).toEqual({ kind: "clean", text: "a" });
    expect(mergeThreeWay(undefined, "a", "b")).toEqual({
      kind: "conflict",
      text: "<<<<<<< mine\na\n=======\nb\n>>>>>>> theirs\n",
    });
  });
});
