import { createWarden, InvalidTokenError } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";

function setup() {
  const idp = createTestIdentity();
  const warden = createWarden({ identity: idp.identity, audit: { sink: memorySink() }, policy: { tools: {} } });
  return { idp, warden };
}

describe("default claim names", () => {
  it("reads scopes from scope, scp and permissions, the tenant from tenant and the roles from roles", async () => {
    const { idp, warden } = setup();
    const principal = await warden.authenticate(
      await idp.issue({ sub: "alice", scope: "orders:read orders:write", scp: ["billing:read"], permissions: ["reports:view"], tenant: "acme", roles: ["support", "auditor"] }),
    );
    expect([...principal.scopes].sort()).toEqual(["billing:read", "orders:read", "orders:write", "reports:view"]);
    expect(principal.tenant).toBe("acme");
    expect(principal.roles).toEqual(["support", "auditor"]);
  });

  it("takes each default scope claim on its own", async () => {
    const { idp, warden } = setup();
    for (const claim of ["scope", "scp", "permissions"]) {
      const principal = await warden.authenticate(await idp.issue({ sub: "alice", [claim]: "orders:read" }));
      expect(principal.scopes, claim).toEqual(["orders:read"]);
    }
  });

  it("reads nothing from claims it was not told about", async () => {
    const { idp, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "alice", scopes: "orders:read", tid: "acme", role: "admin" }));
    expect(principal.scopes).toEqual([]);
    expect(principal.tenant).toBeUndefined();
    expect(principal.roles).toEqual([]);
  });
});

describe("null claims", () => {
  it("count as absent for scopes and roles", async () => {
    const { idp, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "alice", scope: null, scp: null, permissions: null, roles: null }));
    expect(principal.scopes).toEqual([]);
    expect(principal.roles).toEqual([]);
  });

  it("still refuse a scope claim of another type", async () => {
    const { idp, warden } = setup();
    const error = await warden.authenticate(await idp.issue({ sub: "alice", scope: 42 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).reason).toBe("claim");
  });
});
