import { PolicyError } from "langchain-warden";
import { describe, expect, it } from "vitest";
import { budgetWindowMs, parseRate, rateSchema } from "../../src/throttle/rate.js";

describe("rates", () => {
  it.each([
    ["30/min", 30, 60_000],
    ["30/m", 30, 60_000],
    ["5/sec", 5, 1_000],
    ["5/s", 5, 1_000],
    ["10/hour", 10, 3_600_000],
    ["2/h", 2, 3_600_000],
    ["1000/day", 1000, 86_400_000],
    ["1/d", 1, 86_400_000],
    [" 7 / min ", 7, 60_000],
  ])("reads %j", (text, count, windowMs) => {
    expect(parseRate(text)).toEqual({ count, windowMs, text: text.trim() });
    expect(rateSchema.parse(text)).toEqual({ count, windowMs, text: text.trim() });
  });

  it.each(["0/min", "-1/min", "1.5/min", "30/week", "30 per minute", "/min", "30/", "", "30/minutes", "9007199254740993/s"])("refuses %j", (text) => {
    expect(rateSchema.safeParse(text).success).toBe(false);
    expect(() => parseRate(text, "policy.models.default.perUser")).toThrow(PolicyError);
  });

  it("names the path in its error", () => {
    const error = (() => {
      try {
        parseRate("30/fortnight", "policy.models.gpt.global");
      } catch (caught) {
        return caught as PolicyError;
      }
    })();
    expect(error?.code).toBe("WARDEN_POLICY");
    expect(error?.path).toBe("policy.models.gpt.global");
  });

  it("refuses a value that is not a string", () => {
    expect(rateSchema.safeParse(30).success).toBe(false);
    expect(() => parseRate(30 as unknown as string)).toThrow(PolicyError);
  });

  it("gives token budget windows in milliseconds", () => {
    expect(budgetWindowMs).toEqual({ hour: 3_600_000, day: 86_400_000 });
    expect(Object.isFrozen(budgetWindowMs)).toBe(true);
  });
});
