import type { JWTPayload } from "jose";
import { InvalidTokenError } from "../errors.js";
import type { ParsedIdentityOptions } from "./options.js";

/** Which claims carry scopes, tenant and roles. */
export interface ClaimMapping {
  /** Claims read for scopes: a string is split on white space, an array is taken as is. */
  scopes: readonly string[];
  /** Claim holding the tenant id. */
  tenant: string;
  /** Claim holding the roles (string or array of strings). */
  roles: string;
}

/** Default mapping: `scope`, `scp`, `permissions`; `tenant`; `roles`. */
export const DEFAULT_CLAIM_MAPPING: ClaimMapping = {
  scopes: ["scope", "scp", "permissions"],
  tenant: "tenant",
  roles: "roles",
};

function stringList(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
  throw new InvalidTokenError("claim", `The "${claim}" claim must be a string or an array of strings`, { claim });
}

/** Reads scopes, tenant and roles out of a verified payload. */
export function readClaims(payload: JWTPayload, mapping: ClaimMapping): { scopes: string[]; roles: string[]; tenant?: string } {
  const scopes = new Set<string>();
  for (const claim of mapping.scopes) for (const scope of stringList(payload, claim)) scopes.add(scope);
  const roles = [...new Set(stringList(payload, mapping.roles))];
  const tenantValue = payload[mapping.tenant];
  if (tenantValue !== undefined && (typeof tenantValue !== "string" || tenantValue === "")) {
    throw new InvalidTokenError("claim", `The "${mapping.tenant}" claim must be a non-empty string`, { claim: mapping.tenant });
  }
  return { scopes: [...scopes], roles, ...(tenantValue !== undefined ? { tenant: tenantValue } : {}) };
}

/** The claim mapping of validated identity options (`claims`), with the defaults for what they leave out. */
export function claimMappingOf(options: Pick<ParsedIdentityOptions, "claims">): ClaimMapping {
  const scopeClaims = options.claims?.scopes;
  return {
    scopes: scopeClaims === undefined ? DEFAULT_CLAIM_MAPPING.scopes : typeof scopeClaims === "string" ? [scopeClaims] : scopeClaims,
    tenant: options.claims?.tenant ?? DEFAULT_CLAIM_MAPPING.tenant,
    roles: options.claims?.roles ?? DEFAULT_CLAIM_MAPPING.roles,
  };
}
