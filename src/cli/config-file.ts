import { readFileSync } from 'node:fs';
import type { ChannelsConfig } from '../channels/config.ts';
import { DEFAULT_DEMO_APPROVERS, DEMO_APPROVAL_TIMING } from '../demo/approvers.ts';
import type { DefaultPolicyRules } from '../human/policies/policy-set.ts';
import type { ApprovalPolicy } from '../human/policies/policy.ts';
import type { RetentionOptions } from '../retention/options.ts';
import type { WebhookOptions } from '../server/webhooks/dispatcher.ts';

/** What `--config FILE` may hold (JSON), for `heed serve` and `heed worker` alike. */
export interface HeedConfig extends ChannelsConfig {
  /** API key → principal. Also `HEED_API_KEYS="key1=user:alice,key2=user:bob"`. */
  keys?: Record<string, string>;
  admins?: string[];
  /** principal → groups it belongs to. */
  groups?: Record<string, string[]>;
  /** Secret for one-click links (also HEED_LINK_SECRET); default: kept in a file beside the store. */
  linkSecret?: string;
  /** Outgoing webhooks: `{endpoints: [{url, secret, events?}], callbackSecret}` (also HEED_WEBHOOK_SECRET). */
  webhooks?: WebhookOptions;
  /** With API keys: workflow → principals or groups that may start it (`"*"`: everyone). Admins start any. */
  startable?: Record<string, string[]>;
  /** Who may emit events and send messages to runs (admins always may): `{events: [...], messages: [...]}`. */
  permissions?: { events?: string[]; messages?: string[]; metrics?: string[] };
  /** Accept task `callbackUrl`s on loopback and private networks (default false). */
  allowPrivateCallbacks?: boolean;
  /** The demo workflows: who approves their transfers and refunds (default `["user:ops"]`). */
  demo?: { approvers?: string[] };
  /**
   * Approval policies, first match wins (see docs/policies.md). Agents' and HTTP
   * callers' requests that none matches go to the `admins` (without admins: `demo.approvers`).
   */
  policies?: ApprovalPolicy[];
  /** Reverse proxies (addresses, CIDR ranges) whose `X-Forwarded-For` names the client (default: none). */
  trustProxy?: string[];
  /**
   * How long what has ended is kept before it is pruned, e.g. `{"finishedRuns": "30d", "progress":
   * "1d", "deliveries": "30d", "tasks": false}` (see `RetentionOptions`; defaults: finished runs
   * 30 days, progress 7 days, deliveries 30 days, tasks kept); `false` keeps everything. Every
   * process (`serve`, each `worker`) sweeps: give them all the same.
   */
  retention?: RetentionOptions | false;
  /** The daily digest email of what waits for each person, at `hour` o'clock UTC (needs SMTP). */
  digest?: { hour: number };
}

/**
 * The policy settings of `new Heed` for a config: its `policies`, and who decides what an agent or
 * an HTTP caller asks that no policy governs: the admins, or without admins the demo's approvers
 * (the `npm start` setup, where `user:ops` and `user:alice` decide, never whoever asked, and
 * silence rejects after an hour). Every process that creates tasks (`serve` and each `worker`)
 * derives the same from the same config.
 */
export function policiesOf(config: HeedConfig): {
  policies: ApprovalPolicy[];
  defaultApprovers: string[];
  defaultPolicy: DefaultPolicyRules;
} {
  const admins = config.admins ?? [];
  return {
    policies: config.policies ?? [],
    defaultApprovers: admins.length > 0 ? admins : (config.demo?.approvers ?? [...DEFAULT_DEMO_APPROVERS]),
    // Without admins (the demo), nothing waits forever: unanswered, the default's tasks are
    // rejected after an hour unless the request asks for another deadline.
    defaultPolicy: admins.length > 0 ? {} : { deadline: { default: DEMO_APPROVAL_TIMING.deadline } },
  };
}

/**
 * Reads `--config FILE` (none: an empty configuration).
 * @throws Error naming the file when it cannot be read or is not a JSON object.
 */
export function readConfigFile(path: string | undefined): HeedConfig {
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`--config ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`--config ${path}: not a JSON object`);
  }
  return parsed as HeedConfig;
}
