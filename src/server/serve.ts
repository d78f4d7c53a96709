import { randomBytes } from 'node:crypto';
import { type ServerType, serve } from '@hono/node-server';
import type { Heed } from '../human/heed.ts';
import type { Channels } from '../channels/channels.ts';
import { Digest, type DigestOptions } from '../channels/digest.ts';
import type { MembershipLookup } from '../human/principals.ts';
import { type Duration, toMs } from '../time/duration.ts';
import { createApp } from './app.ts';
import { PushDispatcher } from '../a2a/push.ts';
import { DELIVERY_WORKFLOW } from './webhooks/delivery.ts';
import { WebhookDispatcher, type WebhookOptions } from './webhooks/dispatcher.ts';
import { internalRunId } from '../run-ids.ts';
import type { AuthConfig } from './auth.ts';

export interface ServeOptions {
  port?: number;
  /** Default `127.0.0.1`. Without API keys any other host is refused. */
  host?: string;
  auth?: Partial<AuthConfig>;
  groupsOf?: MembershipLookup;
  maxBodyBytes?: number;
  /** Secret for signed one-click links; default: random per process (links die with it). */
  linkSecret?: string;
  /** Public base URL for links (default: the listening URL). */
  publicUrl?: string;
  /**
   * How often live feeds (SSE, open inboxes) look for changes written by *other* processes
   * sharing the store (default 500 ms). This process's own writes are pushed at once.
   */
  feedPollInterval?: Duration;
  /** Outgoing webhooks: endpoints for task events and run ends (see `webhooks/events.ts`), and the secret for task callbacks. */
  webhooks?: WebhookOptions;
  /**
   * Email and Slack (DESIGN.md "Channels"), made before the Heed (its notifiers go into
   * `new Heed({notifiers})`); attached here. Without it, no email, Slack or `/outbox`.
   */
  channels?: Channels;
  /** The daily digest email (`channels/digest.ts`; needs `channels`): config `digest: {hour}` (UTC). */
  digest?: DigestOptions;
  /** With API keys: workflow → principals or groups that may start it (`"*"`: everyone); admins start any. */
  startable?: Readonly<Record<string, readonly string[]>>;
  /** Principals or groups that may emit events (`events`) and send messages to runs (`messages`). */
  permissions?: { events?: readonly string[]; messages?: readonly string[]; metrics?: readonly string[] };
  /** Accept task `callbackUrl`s on loopback and private networks (default: refused). */
  allowPrivateCallbacks?: boolean;
  /** Who the demo agents ask to approve (the inbox's sign-in says so). */
  demoApprovers?: readonly string[];
  /**
   * Reverse proxies in front of the server (addresses or CIDR ranges, e.g. `["10.0.0.0/8"]`):
   * a request from one of them is counted, for limiting refused link attempts, as coming from the
   * right-most `X-Forwarded-For` address that is not one of them. Default: none (the socket's
   * address; the header is ignored). Config key `trustProxy`.
   */
  trustProxy?: readonly string[];
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  port: number;
  /** The routes served, as `METHOD /path/:param` (for the check that the OpenAPI document lists them all). */
  routes: readonly { method: string; path: string }[];
  /** Stops accepting connections, ends open streams, stops the engine. */
  close(): Promise<void>;
}

/**
 * Serves the API, the inbox and the workers in one process: starts `heed` (workers, timers) and
 * an HTTP server. Resolves once it listens.
 * @throws Error when the port is taken, a non-loopback host is asked for without API keys, or
 *   `trustProxy` names something that is not an address or a CIDR range.
 */
export async function startServer(heed: Heed, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const keys = options.auth?.keys ?? new Map<string, string>();
  if (keys.size === 0 && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`Refusing to listen on ${host} without API keys: configure keys, or use 127.0.0.1`);
  }
  let url = options.publicUrl ?? '';
  const linkSecret = options.linkSecret ?? randomBytes(32).toString('hex');
  options.channels?.attach(heed, { linkSecret, baseUrl: () => url });
  const digest =
    options.digest && options.channels
      ? new Digest(heed, options.channels, { ...options.digest, baseUrl: () => url })
      : undefined;
  const { app, hub } = createApp(heed, {
    auth: { keys, admins: options.auth?.admins ?? new Set() },
    groupsOf: options.groupsOf,
    maxBodyBytes: options.maxBodyBytes,
    startable: options.startable,
    permissions: options.permissions,
    allowPrivateCallbacks: options.allowPrivateCallbacks,
    a2aPushNotifications: options.webhooks?.callbackSecret !== undefined,
    demoApprovers: options.demoApprovers,
    linkSecret,
    baseUrl: () => url,
    channels: options.channels,
    trustProxy: options.trustProxy,
    feedPollMs: options.feedPollInterval === undefined ? undefined : toMs(options.feedPollInterval, 'feedPollInterval'),
  });
  const dispatcher = new WebhookDispatcher(heed, {
    ...options.webhooks,
    allowPrivateCallbacks: options.allowPrivateCallbacks ?? false,
  });
  // A2A push notifications: signed deliveries to the callers' URLs, like task callbacks.
  const push =
    options.webhooks?.callbackSecret === undefined
      ? undefined
      : new PushDispatcher(heed, async (delivery) => {
          await heed.startWorkflow(
            DELIVERY_WORKFLOW,
            { ...delivery, signer: 'callback', type: 'a2a.push', data: null },
            { id: internalRunId('webhook', delivery.id) },
          );
        });
  await heed.start();
  await hub.start();
  await dispatcher.start();
  await push?.start();
  await options.channels?.start();
  await digest?.start();
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  url ||= `http://${shownHost}:${port}`;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    routes: app.routes.map(({ method, path }) => ({ method, path })),
    close: async () => {
      hub.stop();
      dispatcher.stop();
      push?.stop();
      options.channels?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await heed.stop();
    },
  };
}
