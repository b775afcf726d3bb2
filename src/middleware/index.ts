/**
 * Warden as LangChain `createAgent` middleware: the same guards as
 * `warden.model()` and `warden.tools()` for an agent whose model and tools are
 * not wrapped.
 *
 * @module langchain-warden/middleware
 */

export type { WardenMiddlewareOptions } from "./middleware.js";
export { WARDEN_MIDDLEWARE_NAME, wardenMiddleware } from "./middleware.js";
export { wardenContextSchema } from "./run-principal.js";
