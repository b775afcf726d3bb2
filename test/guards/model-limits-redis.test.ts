import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createWarden, LimitsUnavailableError, PolicyError, type PolicyInput, RateLimitedError } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS, serviceAvailable } from "../support/services.js";

const redisUp = await serviceAvailable("redis");

describe.skipIf(!redisUp)("model limits shared through Redis (127.0.0.1:6379)", () => {
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis({ host: REDIS.host, port: REDIS.port, maxRetriesPerRequest: 1 });
    clients.push(redis);
    return redis;
  };
  afterAll(async () => {
    await Promise.all(clients.map((redis) => redis.quit()));
  });

  it("three instances together admit exactly the limit of a burst, and record every refusal", async () => {
    const idp = createTestIdentity();
    const prefix = `warden:test:${randomUUID()}:`;
    const policy: PolicyInput = { models: { default: { scopes: [], perUser: "5/min", global: "8/min" } } };
    const instances = [0, 1, 2].map(() => {
      const sink = memorySink();
      const warden = createWarden({ identity: idp.identity, policy, audit: { sink }, limits: { redis: client(), prefix } });
      return { sink, warden, llm: warden.model(scriptedChatModel(() => "ok")) };
    });
    const token = await idp.issue({ sub: "alice" });
    const calls = Array.from({ length: 30 }, async (_, i) => {
      const { warden, llm } = instances[i % 3]!;
      return llm.invoke(`call ${i}`, warden.config(await warden.authenticate(token))).then(
        () => "admitted",
        (error: unknown) => (error instanceof RateLimitedError ? "refused" : error),
      );
    });
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === "admitted")).toHaveLength(5);
    expect(outcomes.filter((o) => o === "refused")).toHaveLength(25);
    const recorded = instances.flatMap((i) => i.sink.ofType("ratelimit.exceeded"));
    expect(recorded).toHaveLength(25);
    // Another user still has room under the global limit (8): three more.
    const { warden, llm } = instances[0]!;
    const bob = warden.config(await warden.authenticate(await idp.issue({ sub: "bob" })));
    for (let i = 0; i < 3; i++) await llm.invoke("b", bob);
    await expect(llm.invoke("b", bob)).rejects.toMatchObject({ limit: { scope: "global" } });
  });

  it("fails closed when Redis does not answer, and lets calls through recorded with failMode open", async () => {
    const idp = createTestIdentity();
    const down = new Redis({ host: "127.0.0.1", port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    down.on("error", () => undefined);
    const policy: PolicyInput = { models: { default: { scopes: [], perUser: "5/min" } } };
    const closedSink = memorySink();
    const closed = createWarden({ identity: idp.identity, policy, audit: { sink: closedSink }, limits: { redis: down, timeoutMs: 200 } });
    const provider = scriptedChatModel(() => "ran");
    const token = await idp.issue({ sub: "alice" });
    const refused = await closed
      .model(provider)
      .invoke("hi", closed.config(await closed.authenticate(token)))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LimitsUnavailableError);
    expect(provider.received).toHaveLength(0);
    expect(closedSink.ofType("limits.unavailable")).toMatchObject([{ outcome: "denied", data: { failMode: "closed" } }]);

    const openSink = memorySink();
    const open = createWarden({ identity: idp.identity, policy, audit: { sink: openSink }, limits: { redis: down, timeoutMs: 200, failMode: "open" } });
    await expect(open.model(provider).invoke("hi", open.config(await open.authenticate(token)))).resolves.toMatchObject({ content: "ran" });
    expect(openSink.ofType("limits.unavailable")).toMatchObject([{ outcome: "success", data: { failMode: "open" } }]);
    down.disconnect();
  });
});

describe("limits options that would have no effect are refused", () => {
  const idp = createTestIdentity();
  it.each([
    ["options.limits.failMode", { failMode: "open" }],
    ["options.limits.prefix", { prefix: "x:" }],
    ["options.limits.timeoutMs", { timeoutMs: 100 }],
  ])("%s without redis", (path, limits) => {
    const attempt = () => createWarden({ identity: idp.identity, policy: { models: { default: { perUser: "1/min" } } }, limits: limits as never });
    expect(attempt).toThrow(PolicyError);
    expect(attempt).toThrow(expect.objectContaining({ path }));
  });

  it("redis when no rule limits anything", () => {
    const fake = { evalsha: async () => 0, eval: async () => 0, smembers: async () => [] };
    const attempt = () => createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: { models: { default: {} } }, limits: { redis: fake } });
    expect(attempt).toThrow(expect.objectContaining({ path: "options.limits.redis" }));
  });
});
