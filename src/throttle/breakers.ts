import type CircuitBreaker from "opossum";
import { CircuitOpenError } from "../errors.js";

/** Settings of a model rule's circuit breaker (`policy.models.<name>.breaker`). */
export interface BreakerSettings {
  /** A call still running after this long fails, and is aborted through its AbortSignal. */
  readonly timeoutMs: number;
  /** Share of failed calls (in the rolling window) at which the circuit opens. */
  readonly errorThresholdPercentage: number;
  /** Calls in the rolling window before the circuit may open at all. */
  readonly volumeThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  readonly resetTimeoutMs: number;
}

/** A change of a breaker's state, as the guard records it. */
export type BreakerTransition = "open" | "half-open" | "close";

/** Error codes opossum gives a call it refused or timed out (never the provider's). */
const OPEN_CODES = new Set(["EOPENBREAKER", "ESEMLOCKED"]);

/** A call cut short by the breaker's timeout. @internal */
export class BreakerTimeoutError extends Error {
  /** Stable code, as opossum's own. */
  readonly code = "ETIMEDOUT";
  constructor(timeoutMs: number) {
    super(`The model call did not finish within ${timeoutMs} ms and was aborted`);
    this.name = "BreakerTimeoutError";
  }
}

type Breaker = CircuitBreaker<[(signal: AbortSignal) => Promise<unknown>, AbortController], unknown>;

let opossum: Promise<typeof CircuitBreaker> | undefined;
/** opossum, imported when the first breaker fires. */
const loadOpossum = (): Promise<typeof CircuitBreaker> => (opossum ??= import("opossum").then((module) => module.default));

/** One rule's breaker: opossum (loaded on its first call), with an AbortController per call. */
export class ModelBreaker {
  private breaker: Breaker | undefined;
  private starting: Promise<Breaker> | undefined;
  private stopped = false;
  private readonly settings: BreakerSettings;
  private readonly onTransition: (state: BreakerTransition) => void;
  private readonly ignore: (error: unknown) => boolean;
  private openedAt = 0;

  /**
   * @param settings - the rule's breaker settings
   * @param onTransition - told of every state change (the guard records it)
   * @param ignore - errors that say nothing of the provider's health (a caller's abort, Warden's own refusals)
   */
  constructor(settings: BreakerSettings, onTransition: (state: BreakerTransition) => void, ignore: (error: unknown) => boolean) {
    this.settings = settings;
    this.onTransition = onTransition;
    this.ignore = ignore;
  }

  /** The opossum breaker, created on the first call. */
  private start(): Promise<Breaker> {
    this.starting ??= loadOpossum().then((CircuitBreakerClass) => {
      const { settings, onTransition, ignore } = this;
      const breaker: Breaker = new CircuitBreakerClass((call: (signal: AbortSignal) => Promise<unknown>, controller: AbortController) => call(controller.signal), {
        timeout: settings.timeoutMs,
        errorThresholdPercentage: settings.errorThresholdPercentage,
        volumeThreshold: settings.volumeThreshold,
        resetTimeout: settings.resetTimeoutMs,
        errorFilter: (error: unknown) => ignore(error),
      });
      breaker.on("open", () => {
        this.openedAt = Date.now();
        onTransition("open");
      });
      breaker.on("halfOpen", () => onTransition("half-open"));
      breaker.on("close", () => onTransition("close"));
      if (this.stopped) breaker.shutdown();
      this.breaker = breaker;
      return breaker;
    });
    return this.starting;
  }

  /** True while calls are refused without trying. */
  get opened(): boolean {
    return this.breaker?.opened ?? false;
  }

  /**
   * Runs `call` through the breaker: refused with {@link CircuitOpenError}
   * while the circuit is open (and while its one half-open trial runs); a call
   * past `timeoutMs` is aborted through the signal it was given and fails.
   */
  async fire<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const breaker = this.breaker ?? (await this.start());
    const controller = new AbortController();
    try {
      return (await breaker.fire(call as (signal: AbortSignal) => Promise<unknown>, controller)) as T;
    } catch (error) {
      // Only opossum's own errors speak for the breaker; a provider's ETIMEDOUT is the provider's.
      const code = error instanceof Error && (breaker.constructor as typeof CircuitBreaker).isOurError(error) ? (error as { code?: unknown }).code : undefined;
      if (typeof code === "string" && OPEN_CODES.has(code)) {
        const retryAfterMs = Math.max(0, this.openedAt + this.settings.resetTimeoutMs - Date.now());
        throw new CircuitOpenError("Circuit open: the model provider is failing; try again later", retryAfterMs);
      }
      if (code === "ETIMEDOUT") {
        controller.abort(new BreakerTimeoutError(this.settings.timeoutMs));
        throw new BreakerTimeoutError(this.settings.timeoutMs);
      }
      throw error;
    }
  }

  /** Stops the breaker's timers. */
  shutdown(): void {
    this.stopped = true;
    this.breaker?.shutdown();
  }
}

/**
 * The breakers of one warden (or standalone guard), one per model rule,
 * created on first use. Breaker state is per instance: each process learns on
 * its own that a provider fails.
 */
export class BreakerSet {
  private readonly breakers = new Map<string, ModelBreaker>();

  /** The breaker of rule `name`, created with `make` on first use. */
  get(name: string, make: () => ModelBreaker): ModelBreaker {
    let breaker = this.breakers.get(name);
    if (breaker === undefined) {
      breaker = make();
      this.breakers.set(name, breaker);
    }
    return breaker;
  }

  /** Stops every breaker's timers. */
  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }
}
