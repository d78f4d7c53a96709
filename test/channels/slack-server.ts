/**
 * A local server on 127.0.0.1 that speaks Slack's Web API wire protocol (the part Heed uses):
 * `POST /api/<method>` with a form-encoded or JSON body and a bearer token, answered with
 * `{ok: true, …}` or `{ok: false, error}`. It keeps channels, messages (with threads and
 * metadata), opened views and ephemeral messages, so tests can look at what a person would see.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  updates: number;
}

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  contentType: string;
}

export class FakeSlack {
  readonly token: string;
  readonly calls: SlackCall[] = [];
  readonly messages: SlackMessage[] = [];
  readonly views: { trigger_id: string; view: Record<string, unknown> }[] = [];
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  /** Methods that fail (`{ok:false}`) the next n times. */
  readonly failures = new Map<string, number>();
  /** Methods that never answer (the request hangs until the server stops), e.g. a stalled Slack. */
  readonly stalls = new Set<string>();
  #server: Server | undefined;
  #seq = 0;
  url = '';

  constructor(token = 'xoxb-test-token') {
    this.token = token;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const method = req.url?.split('/').pop()?.split('?')[0] ?? '';
      if (this.stalls.has(method)) {
        this.calls.push({ method, args: {}, contentType: String(req.headers['content-type'] ?? '') });
        return;
      }
      void this.#handle(req).then((body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Top-level messages and replies posted to a channel. */
  inChannel(channel: string): SlackMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async #handle(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const contentType = req.headers['content-type'] ?? '';
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    let args: Record<string, unknown>;
    if (contentType.includes('application/json')) {
      args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } else {
      // Slack's form encoding: nested values (blocks, metadata, view) are JSON strings.
      args = {};
      for (const [key, value] of new URLSearchParams(raw)) {
        args[key] = /^[[{]/.test(value) ? (JSON.parse(value) as unknown) : value;
      }
    }
    this.calls.push({ method, args, contentType });
    if (req.headers.authorization !== `Bearer ${this.token}`) return { ok: false, error: 'invalid_auth' };
    const failing = this.failures.get(method) ?? 0;
    if (failing > 0) {
      this.failures.set(method, failing - 1);
      return { ok: false, error: 'internal_error' };
    }
    switch (method) {
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users)}` } };
      case 'chat.postMessage': {
        const ts = `1700000000.${String(++this.#seq).padStart(6, '0')}`;
        const message: SlackMessage = {
          channel: String(args.channel),
          ts,
          text: String(args.text ?? ''),
          blocks: (args.blocks as Record<string, unknown>[]) ?? [],
          ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
          ...(args.metadata ? { metadata: args.metadata as SlackMessage['metadata'] } : {}),
          updates: 0,
        };
        this.messages.push(message);
        return { ok: true, channel: message.channel, ts, message: { ts, text: message.text } };
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === args.channel && m.ts === args.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.text = String(args.text ?? '');
        message.blocks = (args.blocks as Record<string, unknown>[]) ?? [];
        message.updates++;
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const withMeta = args.include_all_metadata === 'true' || args.include_all_metadata === true;
        const list = this.messages
          .filter((m) => m.channel === args.channel)
          .filter((m) =>
            method === 'conversations.history' ? !m.thread_ts : m.ts === args.ts || m.thread_ts === args.ts,
          )
          .map(({ updates: _, metadata, ...m }) => ({
            type: 'message',
            ...m,
            ...(withMeta && metadata ? { metadata } : {}),
          }));
        return { ok: true, messages: method === 'conversations.history' ? list.reverse() : list, has_more: false };
      }
      case 'views.open':
        this.views.push({ trigger_id: String(args.trigger_id), view: args.view as Record<string, unknown> });
        return { ok: true, view: { id: `V${this.views.length}` } };
      case 'chat.postEphemeral':
        this.ephemerals.push({ channel: String(args.channel), user: String(args.user), text: String(args.text) });
        return { ok: true, message_ts: '1.1' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
