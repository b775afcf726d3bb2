/** Loopback helpers for the HTTP service tests: a real server on 127.0.0.1 and a small fetch client. */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

/** A running server: its base URL and how to stop it. */
export interface Listening {
  base: string;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1, on a free port. */
export function listen(app: Hono<any>): Promise<Listening> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({
        base: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}

/** One answer: status, headers, the parsed JSON body (an error answer's `error` included) and the raw text. */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T & { error?: any };
  text: string;
}

/** Sends one request with a bearer token (when given) and a JSON body (when given). */
export async function send<T = any>(
  base: string,
  method: string,
  path: string,
  init: { token?: string; json?: unknown; body?: string | ReadableStream<Uint8Array>; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) };
  let body: string | ReadableStream<Uint8Array> | undefined = init.body;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  }
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...init.headers },
    ...(body !== undefined ? { body } : {}),
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T & { error?: any }, text };
}
