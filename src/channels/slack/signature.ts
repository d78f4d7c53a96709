import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses replays older than this; so does Heed. */
export const MAX_AGE_SECONDS = 5 * 60;

/**
 * Verifies a request from Slack the way Slack signs it: `v0=` + hex HMAC-SHA256, keyed with the
 * signing secret, of `v0:{X-Slack-Request-Timestamp}:{raw body}`; the timestamp must be within 5
 * minutes of now; the comparison is constant-time. Returns why it failed, or `null` when valid.
 */
export function verifySlackSignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowMs: number,
): 'missing' | 'stale' | 'forged' | null {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return 'missing';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_AGE_SECONDS) return 'stale';
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : 'forged';
}

/** Signs a body as Slack would (for tests and tools that call the interactions URL). */
export function signSlackRequest(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}
