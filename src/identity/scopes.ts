/**
 * Scope matching. Scopes are `:`-separated segments (`orders:read`). A granted
 * scope may use `*` as a whole segment: in the middle it matches exactly one
 * segment, at the end one or more (`orders:*` grants `orders:read` and
 * `orders:refund:large`, not `orders`). A lone `*` grants every scope.
 * Required scopes are literal.
 */
export function scopeGrants(granted: string, required: string): boolean {
  if (granted === required) return true;
  if (!granted.includes("*")) return false;
  const g = granted.split(":");
  const r = required.split(":");
  for (let i = 0; i < g.length; i++) {
    const segment = g[i];
    if (segment === "*" && i === g.length - 1) return r.length > i;
    if (i >= r.length) return false;
    if (segment !== "*" && segment !== r[i]) return false;
  }
  return g.length === r.length;
}

/** True when some scope of `granted` grants `required`. */
export function hasScope(granted: Iterable<string>, required: string): boolean {
  for (const scope of granted) if (scopeGrants(scope, required)) return true;
  return false;
}

/** The required scopes that `granted` does not cover. */
export function missingScopes(granted: Iterable<string>, required: readonly string[]): string[] {
  const list = [...granted];
  return required.filter((scope) => !hasScope(list, scope));
}
