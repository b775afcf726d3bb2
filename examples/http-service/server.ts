/**
 * Starts the HTTP service.
 *
 *   npx tsx --tsconfig tsconfig.check.json examples/http-service/server.ts
 *
 * Environment: PORT (default 8787), HOST (default 127.0.0.1), DATABASE_URL,
 * WARDEN_APPROVALS_SECRET, WARDEN_AUDIT_KEY, AUDIT_FILE, CHECKPOINT_SCHEMA,
 * CHAT_RATE_PER_USER, OIDC_ISSUER + OIDC_AUDIENCE + OIDC_JWKS_URI
 * (see examples/http-service/README.md). Without an IdP it prints bearer
 * tokens of three demo users at start.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createService, settingsFromEnv } from "./service.js";

/** The demo users minted by the local test issuer: who they are and what they may do. */
const DEMO_USERS = [
  { sub: "alice", tenant: "acme", scope: "support:chat orders:read customers:delete", note: "support agent: may ask for deletions" },
  { sub: "bob", tenant: "acme", scope: "support:chat orders:read", note: "support agent: no refunds, no deletions" },
  { sub: "maria", tenant: "acme", roles: ["manager"], note: "shift lead: refunds, approves deletions" },
] as const;

const service = await createService(settingsFromEnv(process.env));
const port = Number(process.env.PORT ?? 8787);
const hostname = process.env.HOST ?? "127.0.0.1";
const server = serve({ fetch: service.app.fetch, port, hostname }, (info: AddressInfo) => {
  const base = `http://${info.address}:${info.port}`;
  console.log(`support service on ${base} (storage: ${service.storage})`);
  if (service.auditPublicKey) console.log(`audit public key: ${JSON.stringify(service.auditPublicKey)}`);
  if (!service.testIdentity) return;
  const idp = service.testIdentity;
  void Promise.all(DEMO_USERS.map(async ({ note, ...claims }) => ({ sub: claims.sub, note, token: await idp.issue(claims, { expiresIn: "8h" }) }))).then((users) => {
    console.log("\nNo IdP configured: demo tokens from a local test issuer (valid 8 hours):");
    for (const { sub, note, token } of users) console.log(`\n${sub} (${note}):\n  export ${sub.toUpperCase()}=${token}`);
    console.log(`\ncurl -s ${base}/chat -H "authorization: Bearer $ALICE" -H 'content-type: application/json' \\`);
    console.log(`  -d '{"threadId":"t1","message":"delete customer cus_42: erasure request from ada.lovelace@example.com"}'`);
    console.log(`curl -s ${base}/approvals -H "authorization: Bearer $MARIA"`);
  });
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
