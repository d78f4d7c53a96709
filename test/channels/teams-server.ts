/**
 * A local server on 127.0.0.1 that speaks the Bot Framework wire protocol (the part Heed uses),
 * standing in for Teams, the Bot Connector and Entra:
 * - the connector: `POST /v3/conversations` (open the 1:1 conversation with a member and post
 *   its first activity), `POST /v3/conversations/{id}/activities[/{replyTo}]` (post, reply),
 *   `PUT /v3/conversations/{id}/activities/{activityId}` (update in place); each call must carry
 *   the bearer token this server handed out;
 * - Heed's token endpoint: an Entra auth sidecar (`GET /AuthorizationHeaderUnauthenticated/{name}`,
 *   what the SDK's `SidecarAuthProvider` asks), handing out a token it signs;
 * - a token issuer for Teams' own requests: an RSA key, its JWKS at
 *   `{authority}/discovery/v2.0/keys` (where the SDK's JWT check looks for a non-Bot-Framework
 *   issuer), and `press()`, which posts an `adaptiveCard/action` invoke to Heed signed with it.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import jwt from 'jsonwebtoken';

export const APP_ID = '00000000-0000-4000-8000-00000000a99a';
export const TENANT = '11111111-1111-4111-8111-111111111111';

export interface TeamsActivity {
  conversation: string;
  id: string;
  /** The card (the first attachment's content). */
  card: Record<string, unknown>;
  text: string;
  replyToId?: string;
  updates: number;
}

export class FakeTeams {
  readonly calls: { method: string; path: string; authorization: string | undefined }[] = [];
  /** Every activity posted, in order (updates change them in place). */
  readonly activities: TeamsActivity[] = [];
  /** The member each 1:1 conversation was opened with. */
  readonly conversations = new Map<string, string>();
  /** Tokens handed out to Heed by the sidecar endpoint. */
  readonly issued: string[] = [];
  readonly #key: KeyObject;
  readonly #jwk: Record<string, unknown>;
  readonly #kid = randomUUID();
  #server: Server | undefined;
  #seq = 0;
  url = '';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#key = privateKey;
    this.#jwk = { ...publicKey.export({ format: 'jwk' }), kid: this.#kid, use: 'sig', alg: 'RS256', kty: 'RSA' };
  }

  /** The Entra authority the SDK is configured with: its JWKS is served here. */
  get authority(): string {
    return `${this.url}/${TENANT}`;
  }

  /** The issuer of the tokens this server signs. */
  get issuer(): string {
    return `${this.url}/${TENANT}/v2.0`;
  }

  /** The connector's base URL (Heed's `teams.serviceUrl`). */
  get serviceUrl(): string {
    return `${this.url}/`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** A token as Teams' requests carry it, signed by this issuer (or as told, to test refusals). */
  sign(claims: Record<string, unknown> = {}, options: { key?: KeyObject; kid?: string } = {}): string {
    return jwt.sign(
      { aud: APP_ID, iss: this.issuer, tid: TENANT, serviceurl: this.serviceUrl, ...claims },
      options.key ?? this.#key,
      {
        algorithm: 'RS256',
        keyid: options.kid ?? this.#kid,
        ...('exp' in claims ? {} : { expiresIn: '5m' }),
      },
    );
  }

  /** The activities of one conversation (top level and replies). */
  inConversation(conversation: string): TeamsActivity[] {
    return this.activities.filter((a) => a.conversation === conversation);
  }

  /** The conversation opened with a member (their Entra object id). */
  conversationWith(user: string): string | undefined {
    return [...this.conversations].find(([, member]) => member === user)?.[0];
  }

  /**
   * Presses a card's `Action.Execute` button as `user` (Entra object id) would in Teams: posts
   * the `adaptiveCard/action` invoke to Heed's messaging endpoint with a bearer token.
   */
  async press(
    heedUrl: string,
    user: string,
    activity: TeamsActivity,
    outcome: string,
    token: string | null = this.sign(),
    inputs: Record<string, string> = {},
  ): Promise<Response> {
    const actions = (activity.card.actions as { type: string; verb?: string; data?: { outcome?: string } }[]) ?? [];
    const button = actions.find((a) => a.type === 'Action.Execute' && a.data?.outcome === outcome);
    if (!button) throw new Error(`no ${outcome} button`);
    const invoke = {
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `invoke-${++this.#seq}`,
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      from: { id: `29:${user}`, aadObjectId: user, name: user },
      recipient: { id: `28:${APP_ID}` },
      conversation: { id: activity.conversation, conversationType: 'personal', tenantId: TENANT },
      replyToId: activity.id,
      // Teams merges the card's input values into the action's data.
      value: {
        action: { type: 'Action.Execute', verb: button.verb, data: { ...button.data, ...inputs } },
        trigger: 'manual',
      },
    };
    return fetch(`${heedUrl}/v1/channels/teams/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(invoke),
    });
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    this.calls.push({ method, path, authorization: req.headers.authorization });
    if (path === `/${TENANT}/discovery/v2.0/keys`) return { status: 200, body: { keys: [this.#jwk] } };
    if (path.startsWith('/AuthorizationHeaderUnauthenticated/')) {
      const token = this.sign({ aud: 'https://api.botframework.com', appid: APP_ID });
      this.issued.push(token);
      return { status: 200, body: { authorizationHeader: `Bearer ${token}` } };
    }
    if (!path.startsWith('/v3/conversations')) return { status: 404, body: { error: { code: 'NotFound' } } };
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (!bearer || !this.issued.includes(bearer)) {
      return { status: 401, body: { message: 'Authorization has been denied for this request.' } };
    }
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent); // v3, conversations, id, activities, activityId
    if (method === 'POST' && parts.length === 2) {
      const member = (body.members as { id: string }[] | undefined)?.[0]?.id;
      if (!member) return { status: 400, body: { error: { code: 'BadArgument', message: 'no members' } } };
      const conversation = this.conversationWith(member) ?? `a:1${randomUUID()}`;
      this.conversations.set(conversation, member);
      const posted = this.#post(conversation, body.activity as Record<string, unknown>);
      return { status: 201, body: { id: conversation, activityId: posted.id, serviceUrl: this.serviceUrl } };
    }
    const conversation = parts[2] ?? '';
    if (!this.conversations.has(conversation))
      return { status: 404, body: { error: { code: 'ConversationNotFound' } } };
    if (method === 'POST' && parts.length === 4)
      return { status: 201, body: { id: this.#post(conversation, body).id } };
    const target = this.activities.find((a) => a.conversation === conversation && a.id === parts[4]);
    if (!target) return { status: 404, body: { error: { code: 'ActivityNotFound' } } };
    if (method === 'POST' && parts.length === 5) {
      return { status: 201, body: { id: this.#post(conversation, body, target.id).id } };
    }
    if (method === 'PUT' && parts.length === 5) {
      target.card = cardOf(body);
      target.text = String(body.text ?? '');
      target.updates++;
      return { status: 200, body: { id: target.id } };
    }
    return { status: 405, body: { error: { code: 'MethodNotAllowed' } } };
  }

  #post(conversation: string, activity: Record<string, unknown>, replyToId?: string): TeamsActivity {
    const posted: TeamsActivity = {
      conversation,
      id: `1:${++this.#seq}`,
      card: cardOf(activity),
      text: String(activity.text ?? ''),
      ...(replyToId ? { replyToId } : {}),
      updates: 0,
    };
    this.activities.push(posted);
    return posted;
  }
}

function cardOf(activity: Record<string, unknown>): Record<string, unknown> {
  const attachment = (
    activity.attachments as { contentType: string; content: Record<string, unknown> }[] | undefined
  )?.[0];
  if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive') return {};
  return attachment.content;
}
