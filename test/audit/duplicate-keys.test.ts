import { describe, expect, it } from "vitest";
import { hasDuplicateKeys } from "../../src/audit/duplicate-keys.js";

describe("hasDuplicateKeys", () => {
  it.each([
    ['{"a":1,"a":2}', "at the top"],
    ['{"x":{"b":1,"c":{"d":[1,{"e":1,"e":2}]}}}', "in an object inside an array"],
    ['{"actor":1,"\\u0061ctor":2}', "spelled with an escape"],
    ['{ "a" : 1 , "a" : 2 }', "with white space"],
    ['[{"k":"v"},{"k":"v","k":"w"}]', "in the second object of an array"],
  ])("finds a key named twice %s (%s)", (text) => {
    JSON.parse(text);
    expect(hasDuplicateKeys(text)).toBe(true);
  });

  it.each([
    ['{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', "the same key in different objects"],
    ['{"a":"\\"a\\":1,{\\"a\\":2}","b":"a"}', "keys and braces inside strings"],
    ['{"a":"x\\\\","b":"a"}', "a string ending in an escaped backslash"],
    ['{"a":[],"b":{},"c":["a","a"]}', "empty containers and repeated array items"],
    ['{"\\u0061":1,"b":2}', "an escaped key that repeats nothing"],
  ])("passes %s (%s)", (text) => {
    JSON.parse(text);
    expect(hasDuplicateKeys(text)).toBe(false);
  });
});
