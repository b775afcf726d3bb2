import { createHash } from "node:crypto";
import { Document } from "@langchain/core/documents";
import { Embeddings } from "@langchain/core/embeddings";
import { FakeVectorStore } from "@langchain/core/utils/testing";
import { createWarden, type Principal } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";

/**
 * Deterministic embeddings: each lower-cased word is hashed into one of
 * `dimensions` buckets (a bag of words), and the vector is normalised.
 * Texts sharing words are close; the same text always embeds the same.
 */
export class HashingEmbeddings extends Embeddings {
  constructor(private readonly dimensions = 256) {
    super({});
  }

  embed(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      const bucket = createHash("sha256").update(word).digest().readUInt32BE(0) % this.dimensions;
      vector[bucket]! += 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.embed(text));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embed(text);
  }
}

/** The in-memory vector store LangChain ships with @langchain/core (type `memory`, filter function): MemoryVectorStore's own code. */
export async function memoryStore(documents: Document[]): Promise<FakeVectorStore> {
  const store = new FakeVectorStore(new HashingEmbeddings());
  await store.addDocuments(documents);
  return store;
}

/** Claims a test principal's token carries. */
export interface PrincipalClaims {
  sub: string;
  tenant?: string;
  roles?: string[];
  [claim: string]: unknown;
}

/**
 * Real principals: tokens signed by an in-memory identity provider and
 * verified by a warden, as an application gets them.
 */
export function principals(): { principal(claims: PrincipalClaims): Promise<Principal>; close(): Promise<void> } {
  const idp = createTestIdentity();
  const warden = createWarden({ identity: idp.identity, policy: {}, audit: { sink: memorySink() } });
  return {
    principal: async (claims) => warden.authenticate(await idp.issue(claims)),
    close: () => warden.close(),
  };
}

/** Tenant ids t0 … t(n-1). */
export const tenants = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i}`);

/** A document with metadata. */
export const doc = (pageContent: string, metadata: Record<string, unknown>): Document => new Document({ pageContent, metadata });
