import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { createWarden, LimitsUnavailableError, type PolicyInput } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS, serviceAvailable } from "../support/services.js";

const run = promisify(execFile);
const redisUp = await serviceAvailable("redis");
const REDIS_SERVER = "/usr/bin/redis-server";
const redisServerInstalled = existsSync(REDIS_SERVER);
if (!redisServerInstalled) {
  const message = `${REDIS_SERVER} is not installed`;
  if (process.env.WARDEN_REQUIRE_SERVICES === "1") throw new Error(`${message}, and WARDEN_REQUIRE_SERVICES=1 requires it`);
  console.warn(`skipped: tests that start their own Redis server (${message})`);
}
const WORKER = fileURLToPath(new URL("./fixtures/limit-worker.ts", import.meta.url));

describe.skipIf(!redisUp)("a per-user limit shared by two processes through Redis (127.0.0.1:6379)", () => {
  it("admits at most 10 of 200 concurrent attempts across both, and each refusal is recorded where it happened", async () => {
    const idp = createTestIdentity();
    const token = await idp.issue({ sub: "alice" });
    const prefix = `warden:test:processes:${randomUUID()}:`;
    const worker = () =>
      run(process.execPath, ["--import", "tsx", WORKER, String(REDIS.port), prefix, "100", JSON.stringify(idp.identity), token], {
        timeout: 60_000,
      }).then(({ stdout }) => JSON.parse(stdout.trim().split("\n").at(-1)!) as { admitted: number; refused: number; other: string[]; recorded: number });
    const results = await Promise.all([worker(), worker()]);
    for (const result of results) {
      expect(result.other).toEqual([]);
      expect(result.admitted + result.refused).toBe(100);
      expect(result.recorded).toBe(result.refused);
    }
    const admitted = results.reduce((sum, result) => sum + result.admitted, 0);
    expect(admitted).toBe(10);
    const redis = new Redis({ host: REDIS.host, port: REDIS.port });
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }, 90_000);
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a Redis server of the test's own, keeping nothing on disk; resolves once it answers. */
async function startRedisServer(port: number) {
  const child = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  for (let attempt = 0; attempt < 100; attempt++) {
    if (
      await probe.connect().then(
        () => probe.ping(),
        () => undefined,
      )
    )
      break;
    await sleep(50);
  }
  probe.disconnect();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}

describe.skipIf(!redisServerInstalled)("a Redis server that stops mid-run", () => {
  const servers: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it("fails closed while it is down (nothing runs, each refusal recorded) and recovers by itself when it returns", async () => {
    const port = await freePort();
    servers.push(await startRedisServer(port));
    const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    redis.on("error", () => undefined);
    const idp = createTestIdentity();
    const sink = memorySink();
    const policy: PolicyInput = { models: { default: { scopes: [], perUser: "100/min" } } };
    const warden = createWarden({ identity: idp.identity, policy, audit: { sink }, limits: { redis, timeoutMs: 300 } });
    const provider = scriptedChatModel(() => "ran");
    const llm = warden.model(provider);
    const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));

    await expect(llm.invoke("before", config)).resolves.toMatchObject({ content: "ran" });
    expect(provider.received).toHaveLength(1);

    await servers.pop()!.stop();
    for (let i = 0; i < 3; i++) {
      await expect(llm.invoke("while down", config)).rejects.toBeInstanceOf(LimitsUnavailableError);
    }
    expect(provider.received).toHaveLength(1);
    expect(sink.ofType("limits.unavailable")).toHaveLength(3);
    expect(sink.ofType("limits.unavailable").every((event) => event.outcome === "denied")).toBe(true);

    servers.push(await startRedisServer(port));
    let recovered = false;
    for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
      recovered = await llm.invoke("after", config).then(
        () => true,
        async (error: unknown) => {
          expect(error).toBeInstanceOf(LimitsUnavailableError);
          await sleep(50);
          return false;
        },
      );
    }
    expect(recovered).toBe(true);
    expect(provider.received.length).toBe(2);
    redis.disconnect();
  }, 60_000);
});
