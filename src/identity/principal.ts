import type { JWTPayload } from "jose";

/**
 * What kind of caller a principal is: a `user` (a person, through their
 * identity provider's token) or a `service` (a program, through an API key or
 * a client-credentials token). A rule can require one kind (`callers`), and an
 * approval is only ever given by a user.
 */
export type PrincipalKind = "user" | "service";

/**
 * A verified caller. Immutable, and minted only by a token verifier: a
 * hand-built object with the same fields is refused by every guard.
 */
export interface Principal {
  /** Subject: the caller's stable id (`sub` claim, or the API key's `sub`). */
  readonly sub: string;
  /** A `user` or a `service`; see {@link PrincipalKind}. */
  readonly kind: PrincipalKind;
  /** Tenant the user belongs to, when the token carries one. */
  readonly tenant?: string;
  /** Scopes granted by the token. */
  readonly scopes: readonly string[];
  /** Roles granted by the token; the policy may expand them into scopes. */
  readonly roles: readonly string[];
  /** Expiry of the token, epoch milliseconds (`Infinity` when it has no `exp`). */
  readonly expiresAt: number;
  /**
   * The verified payload, deeply frozen: a JWT's claims, an introspection
   * response, or for an API key `{ sub, tenant?, scope, roles, key_id, iat, exp? }`.
   */
  readonly claims: Readonly<JWTPayload>;
}

/** The fields a verifier fills in when it mints a principal. */
export interface PrincipalFields {
  sub: string;
  kind: PrincipalKind;
  tenant?: string;
  scopes: string[];
  roles: string[];
  expiresAt: number;
  claims: JWTPayload;
}

const minted = new WeakMap<object, symbol>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Mints a principal. Only verifiers call this; `issuerKey` identifies the
 * verifier so a guard can require principals of its own identity provider.
 * @internal
 */
export function mintPrincipal(fields: PrincipalFields, issuerKey: symbol): Principal {
  const principal: Principal = {
    sub: fields.sub,
    kind: fields.kind,
    ...(fields.tenant !== undefined ? { tenant: fields.tenant } : {}),
    scopes: Object.freeze([...fields.scopes]),
    roles: Object.freeze([...fields.roles]),
    expiresAt: fields.expiresAt,
    claims: deepFreeze(structuredClone(fields.claims)),
  };
  Object.defineProperty(principal, "toJSON", {
    value: () => ({ sub: principal.sub, tenant: principal.tenant }),
    enumerable: false,
  });
  Object.freeze(principal);
  minted.set(principal, issuerKey);
  return principal;
}

/** True when `value` is a principal minted by a Warden verifier (any verifier). */
export function isPrincipal(value: unknown): value is Principal {
  return typeof value === "object" && value !== null && minted.has(value);
}

/** The verifier key a principal was minted by, or `undefined` for a look-alike. @internal */
export function principalIssuerKey(value: unknown): symbol | undefined {
  return typeof value === "object" && value !== null ? minted.get(value) : undefined;
}
