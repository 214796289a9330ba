import { randomBytes } from 'node:crypto';

/**
 * `REDIS_URL` for the Redis-backed suites. Unset, those suites are skipped on a
 * developer machine; with `CI` set this throws instead, because a skipped Redis suite in
 * CI would hide a broken driver (`.ci/run` exports REDIS_URL).
 */
export function testRedisUrl(): string | undefined {
  const url = process.env.REDIS_URL || undefined;
  if (!url && process.env.CI) {
    throw new Error(
      'CI is set but REDIS_URL is not: export REDIS_URL=redis://127.0.0.1:6379 (Redis suites must run in CI).',
    );
  }
  return url;
}

/** A key prefix no other test run uses, so suites can share one Redis server. */
export function testRedisKeyPrefix(): string {
  return `cinatra-test-${randomBytes(6).toString('hex')}`;
}
