import type { JWTPayload } from "jose";

/**
 * A verified caller. Immutable, and minted only by a token verifier: a
 * hand-built object with the same fields is refused by every guard.
 */
export interface Principal {
  /** Subject: the user's stable id (`sub` claim). */
  readonly sub: string;
  /** Tenant the user belongs to, when the token carries one. */
  readonly tenant?: string;
  /** Scopes granted by the token. */
  readonly scopes: readonly string[];
  /** Roles granted by the token; the policy may expand them into scopes. */
  readonly roles: readonly string[];
  /** Expiry of the token, epoch milliseconds (`Infinity` when it has no `exp`). */
  readonly expiresAt: number;
  /** The verified token payload, deeply frozen. */
  readonly claims: Readonly<JWTPayload>;
}

/** The fields a verifier fills in when it mints a principal. */
export interface PrincipalFields {
  sub: string;
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
