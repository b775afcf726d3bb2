import { connect } from "node:net";

/** Connection settings of the services the distributed-path tests use. */
export const POSTGRES_URL = process.env.WARDEN_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS = { host: "127.0.0.1", port: 6379 };

function reachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Whether a service is up. When it is not, the caller's tests are skipped with
 * a message saying why — unless WARDEN_REQUIRE_SERVICES=1 (set by CI), where a
 * missing service is a failure.
 */
export async function serviceAvailable(name: "postgres" | "redis"): Promise<boolean> {
  const [host, port] = name === "postgres" ? [new URL(POSTGRES_URL).hostname, Number(new URL(POSTGRES_URL).port || 5432)] : [REDIS.host, REDIS.port];
  const up = await reachable(host, port);
  if (!up) {
    const message = `${name} is not reachable on ${host}:${port}`;
    if (process.env.WARDEN_REQUIRE_SERVICES === "1") throw new Error(`${message}, and WARDEN_REQUIRE_SERVICES=1 requires it`);
    console.warn(`skipped: ${name} tests (${message})`);
  }
  return up;
}
