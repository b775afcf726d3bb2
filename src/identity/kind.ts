import type { PrincipalKind } from "./principal.js";

/**
 * The kind of caller a verified token (a JWT's claims or an introspection
 * response) stands for. A token obtained with the client-credentials grant
 * names no person: it is a `service` when its `sub` is its own `client_id`
 * (RFC 9068 §2.2, and the introspection responses of RFC 7662), or when
 * Auth0 marks it with `gty: "client-credentials"`. Every other token is a
 * `user`. API keys always mint `service` principals.
 */
export function principalKindOf(claims: Readonly<Record<string, unknown>>): PrincipalKind {
  const { sub, client_id: clientId, gty } = claims;
  if (typeof clientId === "string" && clientId !== "" && clientId === sub) return "service";
  if (gty === "client-credentials") return "service";
  return "user";
}
