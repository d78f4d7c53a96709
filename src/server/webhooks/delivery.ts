import { Webhook } from 'standardwebhooks';
import type { Heed } from '../../human/heed.ts';

/** A place webhooks go: `secret` is a Standard Webhooks secret (`whsec_…` or base64). */
export interface WebhookEndpoint {
  url: string;
  secret: string;
  /** Event types to send (`task.created`, `task.ended`, `task.escalated`, `run.succeeded`, …); default all. */
  events?: readonly string[];
}

/** What a delivery run carries (durably, so no secret: it is looked up when sending). */
export interface DeliveryInput {
  /** `webhook-id`: the same on every attempt, so receivers can drop duplicates. */
  id: string;
  url: string;
  /** Which secret signs it: an endpoint index, or `callback` for a task's callbackUrl. */
  signer: string;
  type: string;
  data: unknown;
  at: number;
}

export const DELIVERY_WORKFLOW = 'heed.webhook';
const MAX_ATTEMPTS = 8;
/** 10 s, 30 s, 1.5 min, … capped at 1 h: about 3 hours in all. */
const backoffMs = (attempt: number) => Math.min(3_600_000, 10_000 * 3 ** (attempt - 1));

/**
 * Registers the delivery workflow: each attempt is a step (its HTTP status recorded), and the
 * wait between attempts is a durable sleep, so a restart neither loses nor repeats a delivery
 * beyond the at-least-once a webhook receiver must expect. The run's `delivery` status shows the
 * state: `retrying`, `delivered` or `failed`, attempts and the last response.
 */
export function registerDelivery(heed: Heed, secrets: (signer: string) => string | undefined): void {
  heed.workflow(DELIVERY_WORKFLOW, async (ctx, input: DeliveryInput) => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await ctx.step(`attempt:${attempt}`, () => post(input, secrets(input.signer)), { retries: 0 });
      const state = outcome.ok ? 'delivered' : attempt < MAX_ATTEMPTS ? 'retrying' : 'failed';
      await ctx.setStatus('delivery', {
        state,
        attempts: attempt,
        lastStatus: outcome.status,
        lastError: outcome.error,
        url: input.url,
      });
      if (outcome.ok) return { state, attempts: attempt, status: outcome.status };
      if (attempt < MAX_ATTEMPTS) await ctx.sleep(backoffMs(attempt));
    }
    return { state: 'failed', attempts: MAX_ATTEMPTS };
  }, { internal: true });
}

/** One attempt: a signed POST; any 2xx is a success. Never throws: failures are results. */
async function post(
  input: DeliveryInput,
  secret: string | undefined,
): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  if (!secret) return { ok: false, status: null, error: `no secret for ${input.signer}` };
  const body = JSON.stringify({ type: input.type, timestamp: new Date(input.at).toISOString(), data: input.data });
  const timestamp = new Date();
  try {
    const response = await fetch(input.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': input.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(input.id, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    await response.body?.cancel();
    return { ok: response.ok, status: response.status, error: response.ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
}
