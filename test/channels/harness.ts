/**
 * A Heed with real channels on a virtual clock: a real SMTP server, a local Slack Web API
 * server, the HTTP service on an ephemeral port. Everything is stopped after each test.
 */
import { afterEach } from 'vitest';
import { Channels, type ChannelsOptions } from '../../src/channels/channels.ts';
import type { ChannelsConfig } from '../../src/channels/config.ts';
import { signSlackRequest } from '../../src/channels/slack/signature.ts';
import { type RunningServer, type ServeOptions, startServer } from '../../src/server/serve.ts';
import type { HeedOptions } from '../../src/index.ts';
import { testEngine } from '../helpers.ts';
import { FakeSlack } from './slack-server.ts';
import { TestSmtp } from './smtp.ts';
import { APP_ID, FakeTeams, TENANT } from './teams-server.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export const PEOPLE = {
  'user:alice': { name: 'Alice Doe', email: 'alice@example.com', slack: 'U0ALICE' },
  'user:bob': { name: 'Bob Roe', email: 'bob@example.com', slack: 'U0BOB' },
  'user:carol': { name: 'Carol Poe', email: 'carol@example.com', slack: 'U0CAROL' },
};

/** The Teams users (Entra object ids) of PEOPLE, with `teams: true`. */
export const TEAMS_USERS: Record<string, string> = {
  'user:alice': 'aad-0a11ce00-0000-4000-8000-000000000001',
  'user:bob': 'aad-0b0b0000-0000-4000-8000-000000000002',
  'user:carol': 'aad-0ca40100-0000-4000-8000-000000000003',
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

export interface Harness {
  heed: ReturnType<typeof testEngine>['heed'];
  clock: ReturnType<typeof testEngine>['clock'];
  channels: Channels;
  server: RunningServer;
  smtp: TestSmtp | undefined;
  slack: FakeSlack | undefined;
  /** The local Bot Framework server (Teams, its connector, the token issuer), with `teams: true`. */
  teams: FakeTeams | undefined;
  /** Sends a Slack interaction payload, signed as Slack signs it (or as told). */
  interact(payload: unknown, sign?: { secret?: string; timestamp?: number }): Promise<Response>;
  /** Waits (real time) until the closer closed every Slack copy, or `check` holds. */
  until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false): Promise<T>;
}

/** The value, or a failed test when it is missing. */
export function must<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`missing ${what}`);
  return value;
}

export async function harness(
  options: {
    email?: boolean;
    slack?: boolean;
    /** Microsoft Teams against a local Bot Framework server (default off). */
    teams?: boolean;
    slackChannels?: Record<string, string>;
    config?: Partial<ChannelsConfig>;
    channels?: ChannelsOptions;
    /** API keys and admins (default: development mode, no keys). */
    auth?: ServeOptions['auth'];
    /** More options of the Heed (policies, …). */
    heed?: Partial<HeedOptions>;
    /** More options of the server (the digest, …). */
    serve?: Partial<ServeOptions>;
  } = {},
): Promise<Harness> {
  const smtp = options.email === false ? undefined : await new TestSmtp().start();
  const slack = options.slack === false ? undefined : await new FakeSlack().start();
  const teams = options.teams ? await new FakeTeams().start() : undefined;
  const config: ChannelsConfig = {
    people: PEOPLE,
    groups: { 'user:alice': ['group:approvers'], 'user:carol': ['group:approvers'] },
    ...(smtp ? { email: { smtp: smtp.url, from: 'Heed <heed@example.com>' } } : {}),
    ...(slack
      ? {
          slack: {
            token: slack.token,
            signingSecret: SIGNING_SECRET,
            apiUrl: slack.url,
            channels: options.slackChannels ?? {},
          },
        }
      : { slack: { signingSecret: SIGNING_SECRET } }),
    ...(teams
      ? {
          people: Object.fromEntries(
            Object.entries(PEOPLE).map(([p, person]) => [p, { ...person, teams: TEAMS_USERS[p] }]),
          ),
          teams: {
            appId: APP_ID,
            tenant: TENANT,
            serviceUrl: teams.serviceUrl,
            authority: teams.authority,
            issuers: [teams.issuer],
            sidecarUrl: teams.url,
          },
        }
      : {}),
    ...options.config,
  };
  const channels = new Channels(config, options.channels);
  const groups = config.groups ?? {};
  const { heed, clock } = testEngine({
    notifiers: channels.notifiers,
    groupsOf: (p) => groups[p] ?? [],
    ...options.heed,
  });
  const server = await startServer(heed, {
    ...(options.auth ? { auth: options.auth } : {}),
    channels,
    linkSecret: 'a-link-secret-for-the-tests-0123456789',
    groupsOf: (p) => groups[p] ?? [],
    ...options.serve,
  });
  cleanups.push(async () => {
    await server.close();
    await smtp?.stop();
    await slack?.stop();
    await teams?.stop();
  });
  const interact = (payload: unknown, sign: { secret?: string; timestamp?: number } = {}) => {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = sign.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(`${server.url}/v1/channels/slack/interactions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signSlackRequest(sign.secret ?? SIGNING_SECRET, timestamp, body),
      },
      body,
    });
  };
  const until = async <T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      await heed.idle();
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  return { heed, clock, channels, server, smtp, slack, teams, interact, until };
}

/** A Slack button press on a message, as Slack sends it. */
export function buttonPress(
  user: string,
  message: { channel: string; ts: string; blocks: Record<string, unknown>[] },
  outcome: string,
) {
  const actions = message.blocks.find((b) => b.type === 'actions') as {
    elements: { action_id: string; value: string }[];
  };
  const button = actions.elements.find((e) => e.action_id === `heed:answer:${outcome}`);
  if (!button) throw new Error(`no ${outcome} button`);
  return {
    type: 'block_actions',
    user: { id: user },
    trigger_id: `trigger-${user}-${outcome}`,
    channel: { id: message.channel },
    container: { type: 'message', channel_id: message.channel, message_ts: message.ts },
    actions: [{ action_id: button.action_id, value: button.value, type: 'button' }],
  };
}
