/**
 * jose, imported on first use: an app pays for loading it when it first
 * verifies a token, not when it imports Warden.
 */
type Jose = typeof import("jose");

let loaded: Jose | undefined;
let loading: Promise<Jose> | undefined;

/** jose, once loaded (the same module object every time). */
export async function loadJose(): Promise<Jose> {
  if (loaded !== undefined) return loaded;
  loading ??= import("jose").then((module) => (loaded = module));
  return loading;
}

/** jose if it is loaded already, else `undefined` (lets a hot path skip an `await`). */
export function loadedJose(): Jose | undefined {
  return loaded;
}
