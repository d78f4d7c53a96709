import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import type { Heed } from '../../human/heed.ts';
import { checkLiteralCallbackHost, publicOnlyLookup } from '../callback-url.ts';

/** A place webhooks go: `secret` is a Standard Webhooks secret (`whsec_…` or base64). */
export interface WebhookEndpoint {
  url: string;
  secret: string;
  /**
   * Event types to send, among the webhook events (`task.created`, `task.escalated`, `task.ended`,
   * `run.succeeded`, `run.failed`, `run.cancelled`; see `events.ts`); default all of those.
   */
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
  /**
   * The exact body to send instead of the `{type, timestamp, data}` envelope (e.g. an A2A push
   * notification, whose body the A2A protocol defines); signed all the same.
   */
  body?: string;
  /** Headers besides the signature's, e.g. `X-A2A-Notification-Token` (a content type replaces JSON's). */
  headers?: Record<string, string>;
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
export function registerDelivery(
  heed: Heed,
  secrets: (signer: string) => string | undefined,
  options: { allowPrivateCallbacks?: boolean } = {},
): void {
  // A task's callbackUrl is the caller's: its address is checked again at each attempt (it may
  // resolve elsewhere now). Configured endpoints are the operator's and go where they say.
  const guarded = (input: DeliveryInput) => input.signer === 'callback' && !options.allowPrivateCallbacks;
  heed.workflow(
    DELIVERY_WORKFLOW,
    async (ctx, input: DeliveryInput) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const outcome = await ctx.step(`attempt:${attempt}`, () => post(input, secrets(input.signer), guarded(input)), {
          retries: 0,
        });
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
    },
    { internal: true },
  );
}

/**
 * One attempt: a signed POST; any 2xx is a success. Never throws: failures are results. With
 * `publicOnly`, a loopback or private address (literal, or what the host resolves to when
 * connecting) is refused without sending anything.
 */
async function post(
  input: DeliveryInput,
  secret: string | undefined,
  publicOnly: boolean,
): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  if (!secret) return { ok: false, status: null, error: `no secret for ${input.signer}` };
  const body =
    input.body ?? JSON.stringify({ type: input.type, timestamp: new Date(input.at).toISOString(), data: input.data });
  const timestamp = new Date();
  try {
    const url = new URL(input.url);
    if (publicOnly) checkLiteralCallbackHost(url);
    const status = await send(
      url,
      {
        'content-type': 'application/json',
        ...input.headers,
        'webhook-id': input.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(input.id, timestamp, body),
      },
      body,
      publicOnly,
    );
    const ok = status >= 200 && status < 300;
    return { ok, status, error: ok ? null : `HTTP ${status}` };
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
}

/**
 * POSTs `body` and resolves with the response status (the body is dropped), within 15 s.
 * `node:http(s)` rather than `fetch`: its `lookup` option lets the connection go to exactly the
 * address {@link publicOnlyLookup} checked.
 */
function send(url: URL, headers: Record<string, string>, body: string, publicOnly: boolean): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: 15_000,
        ...(publicOnly ? { lookup: publicOnlyLookup } : {}),
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}
