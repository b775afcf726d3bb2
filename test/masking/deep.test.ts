import { describe, expect, it } from "vitest";
import { createMasker } from "../../src/masking/index.js";

class Doc {
  constructor(
    public pageContent: string,
    public metadata: Record<string, unknown>,
  ) {}
  describe(): string {
    return `${this.pageContent.length} chars`;
  }
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
};

describe("maskDeep", () => {
  const masker = createMasker();

  it("masks strings, keys and numbers in nested objects and arrays, keeps the shape and leaves other values alone", () => {
    const input = {
      "ana@example.com": "key kept",
      user: { email: "ana@example.com", age: 41, active: true, tags: ["vip", "10.1.2.3"], none: null, missing: undefined },
      rows: [[1, "4242 4242 4242 4242"], { nested: [{ deep: "SSN 123-45-6789" }] }],
      count: 3n,
    };
    const { value, findings } = masker.maskDeep(input);
    expect(value).toEqual({
      "[EMAIL]": "key kept",
      user: { email: "[EMAIL]", age: 41, active: true, tags: ["vip", "[IPV4]"], none: null, missing: undefined },
      rows: [[1, "[CREDIT_CARD]"], { nested: [{ deep: "SSN [SSN]" }] }],
      count: 3n,
    });
    expect(findings.map((f) => [f.type, f.path, f.start, f.end])).toEqual([
      ["email", [], 0, 15],
      ["email", ["user", "email"], 0, 15],
      ["ipv4", ["user", "tags", 1], 0, 8],
      ["credit_card", ["rows", 0, 1], 0, 19],
      ["ssn", ["rows", 1, "nested", 0, "deep"], 4, 15],
    ]);
  });

  it("never modifies its input (frozen input works, and is equal afterwards)", () => {
    const input = deepFreeze({ a: ["ana@example.com", { b: "10.1.2.3" }], c: "plain" });
    const before = structuredClone(input);
    const { value } = masker.maskDeep(input);
    expect(input).toEqual(before);
    expect(value).not.toBe(input);
    expect((value as typeof input).a).not.toBe(input.a);
  });

  it("reproduces cycles and shared references in the copy", () => {
    const shared = { email: "ana@example.com" };
    const input: Record<string, unknown> = { first: shared, second: shared, list: [] as unknown[] };
    input.self = input;
    (input.list as unknown[]).push(input, shared);
    const { value, findings } = masker.maskDeep(input);
    const copy = value as Record<string, unknown> & { list: unknown[] };
    expect(copy.self).toBe(copy);
    expect(copy.first).toBe(copy.second);
    expect(copy.list[0]).toBe(copy);
    expect(copy.list[1]).toBe(copy.first);
    expect(copy.first).toEqual({ email: "[EMAIL]" });
    expect(findings).toHaveLength(1);
    expect(input.self).toBe(input);
    expect(shared.email).toBe("ana@example.com");
  });

  it("copies class instances with their prototype, and maps, sets and errors with masked strings", () => {
    const doc = new Doc("Call (415) 555-2671", { source: "crm", owner: "ana@example.com" });
    const map = new Map<unknown, unknown>([
      ["k", "ana@example.com"],
      [2, ["10.1.2.3"]],
    ]);
    const set = new Set(["ana@example.com", "plain"]);
    const date = new Date(0);
    const bytes = new Uint8Array([1, 2, 3]);
    const error = new Error("failed for ana@example.com");
    const { value } = masker.maskDeep({ doc, map, set, date, bytes, error, fn: Math.max });
    expect(value.doc).toBeInstanceOf(Doc);
    expect(value.doc.pageContent).toBe("Call [PHONE]");
    expect(value.doc.metadata).toEqual({ source: "crm", owner: "[EMAIL]" });
    expect(value.doc.describe()).toBe("12 chars");
    expect([...value.map]).toEqual([
      ["k", "[EMAIL]"],
      [2, ["[IPV4]"]],
    ]);
    expect([...value.set]).toEqual(["[EMAIL]", "plain"]);
    expect(value.date).toBe(date);
    expect(value.bytes).toBe(bytes);
    expect(value.error).toBeInstanceOf(Error);
    expect(value.error.message).toBe("failed for [EMAIL]");
    expect(String(value.error.stack)).not.toContain("ana@example.com");
    expect(value.fn).toBe(Math.max);
    expect(doc.pageContent).toBe("Call (415) 555-2671");
  });

  it("masks top-level strings and passes primitives through", () => {
    expect(masker.maskDeep("ana@example.com").value).toBe("[EMAIL]");
    expect(masker.maskDeep(42).value).toBe(42);
    expect(masker.maskDeep(null).value).toBe(null);
  });

  it("keeps an own __proto__ key as data", () => {
    const input = JSON.parse('{"__proto__": {"email": "ana@example.com"}, "x": 1}') as Record<string, unknown>;
    const { value } = masker.maskDeep(input);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ email: "[EMAIL]" });
  });

  it("applies reveal and block to every string", () => {
    const blocking = createMasker({ rules: { credit_card: "block" } });
    expect(() => blocking.maskDeep({ a: ["ok", "4242 4242 4242 4242"] })).toThrow(/blocked/i);
    expect(blocking.maskDeep({ a: "4242 4242 4242 4242 ana@example.com" }, { reveal: ["credit_card"] }).value).toEqual({ a: "4242 4242 4242 4242 [EMAIL]" });
  });
});
