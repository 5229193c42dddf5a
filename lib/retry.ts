/**
 * The retry policy and the one retry loop: attempts, full-jitter backoff, Retry-After, the deadline.
 *
 * @module
 */
import type { Env, Host } from "./host.ts";
import { ConfigError, type Oidc2AwsError } from "./errors.ts";

/** How oidc2aws retries: attempts, backoff and time limits. */
export interface RetryPolicy {
  /** Attempts in all for transient failures (network, 408, 429, 5xx, throttling). Default 5. */
  maxAttempts: number;
  /** The first backoff step; attempt n waits random(0, 1) × min(maxDelayMs, baseDelayMs × 2^(n-1)). Default 1000. */
  baseDelayMs: number;
  /** The longest single backoff. Default 20000. */
  maxDelayMs: number;
  /** Each HTTP exchange, body included, must finish within this. Default 10000. */
  attemptTimeoutMs: number;
  /** Everything, retries included, must finish within this. Default 60000. */
  totalTimeoutMs: number;
}

/** The default retry policy. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 20000,
  attemptTimeoutMs: 10000,
  totalTimeoutMs: 60000,
});

/** What a retry loop needs: the policy, the clock, and where the time runs out. @internal */
export interface RetryContext {
  policy: RetryPolicy;
  host: Pick<Host, "now" | "sleep" | "random">;
  /** Epoch milliseconds when everything must be done. */
  deadline: number;
  signal?: AbortSignal;
}

/** Builds a retry context from options; `AWS_MAX_ATTEMPTS` (as in the AWS SDKs) sets the default attempts. @internal */
export function retryContext(
  host: Pick<Host, "now" | "sleep" | "random" | "env">,
  policy?: Partial<RetryPolicy>,
  signal?: AbortSignal,
  deadline?: number,
): RetryContext {
  const full = { ...DEFAULT_RETRY, ...maxAttemptsFromEnv(host.env), ...policy };
  return { policy: full, host, deadline: deadline ?? host.now() + full.totalTimeoutMs, signal };
}

/** The timeout for the next exchange: the per-attempt limit, but never past the deadline. @internal */
export function attemptTimeout(context: RetryContext): number {
  return Math.max(1, Math.min(context.policy.attemptTimeoutMs, context.deadline - context.host.now()));
}

/**
 * A failed attempt that another may overcome. Thrown inside {@linkcode retrying} only, which either
 * waits and tries again or throws `giveUp(attempts)`: the error, built once, knowing how many
 * attempts were made.
 * @internal
 */
export class Retry {
  /** A failure worth another attempt from `budget` (transient failures, or fresh tokens), after at least `minimumDelayMs`. */
  constructor(
    readonly giveUp: (attempts: number) => Oidc2AwsError,
    readonly budget: "transient" | "freshToken" = "transient",
    readonly minimumDelayMs = 0,
  ) {}

  /** A retryable error as it is, said to be the last of `attempts` when given up. */
  static of(error: Oidc2AwsError & { retryAfterMs?: number }): Retry {
    return new Retry((attempts) => error.afterAttempts(attempts), "transient", error.retryAfterMs ?? 0);
  }
}

/**
 * Runs `attempt` (with its 1-based number) until it succeeds, throws something other than a
 * {@linkcode Retry}, or a budget, the deadline or the signal says stop. Transient failures get
 * `policy.maxAttempts` attempts in all; fresh-token failures `freshTokenRetries` more attempts.
 * Each wait is full jitter over an exponential step, and at least what the failure asked for.
 * @internal
 */
export async function retrying<T>(
  context: RetryContext,
  attempt: (n: number) => Promise<T>,
  freshTokenRetries = 0,
): Promise<T> {
  const used = { transient: 0, freshToken: 0 };
  const limits = { transient: context.policy.maxAttempts, freshToken: freshTokenRetries + 1 };
  for (let n = 1;; n++) {
    try {
      return await attempt(n);
    } catch (failure) {
      if (!(failure instanceof Retry)) throw failure;
      const count = ++used[failure.budget];
      if (count >= limits[failure.budget] || !(await backoff(context, count, failure.minimumDelayMs))) {
        throw failure.giveUp(n);
      }
    }
  }
}

/**
 * Waits before attempt `attempt + 1` (full jitter, at least `minimumMs` such as a Retry-After).
 * Returns false, without waiting, when the wait would pass the deadline.
 */
async function backoff(context: RetryContext, attempt: number, minimumMs: number): Promise<boolean> {
  const { policy, host } = context;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const delay = Math.max(minimumMs, host.random() * ceiling);
  if (host.now() + delay >= context.deadline) return false;
  await host.sleep(delay, context.signal);
  return true;
}

/** The delay a `Retry-After` header asks for, in milliseconds, if any. @internal */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function maxAttemptsFromEnv(env: Env): Partial<RetryPolicy> {
  const value = env.AWS_MAX_ATTEMPTS;
  if (value === undefined || value === "") return {};
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) {
    throw new ConfigError(
      "ERR_CONFIG_INVALID",
      `AWS_MAX_ATTEMPTS is ${JSON.stringify(value.slice(0, 40))}: use a whole number of at least 1`,
      { key: "AWS_MAX_ATTEMPTS" },
    );
  }
  return { maxAttempts: Number(value) };
}
