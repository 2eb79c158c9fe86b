/**
 * Back-off for retryable send failures (SD-8): exponential with "equal jitter", so a burst of
 * failures does not come back as one burst. Pure: the random number is an argument.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseSeconds: 5, maxSeconds: 600 };

/** Seconds to wait after failed attempt number `attempt` (1-based); `random` in [0, 1). */
export function backoffSeconds(policy: RetryPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (ceiling / 2) * random;
}

export function shouldRetry(policy: RetryPolicy, attempt: number): boolean {
  return attempt < policy.maxAttempts;
}
