/**
 * Warden as LangChain `createAgent` middleware: the same guards as
 * `warden.model()` and `warden.tools()` for an agent whose model and tools are
 * not wrapped.
 *
 * @module langchain-warden/middleware
 */
export { wardenMiddleware, WARDEN_MIDDLEWARE_NAME } from "./middleware.js";
export type { WardenMiddlewareOptions } from "./middleware.js";
export { wardenContextSchema } from "./run-principal.js";
