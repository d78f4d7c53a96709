import type { Activity, ConversationParameters } from '@microsoft/agents-activity';
import {
  type AuthConfiguration,
  type AuthProvider,
  AuthType,
  CardFactory,
  ConnectorClient,
  defaultAuthProviderFactory,
  MessageFactory,
} from '@microsoft/agents-hosting';
import type { TeamsConfig } from '../config.ts';
import type { AdaptiveCard } from './card.ts';

/** The Bot Connector of Teams (the global one; Teams sends the regional one in its activities). */
export const TEAMS_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

/** The scope of Heed's tokens for the Bot Connector (Azure Bot Service). */
const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

/** How long one call to the Bot Connector may take before the delivery attempt fails (and is retried durably). */
const CALL_TIMEOUT_MS = 10_000;

/** Where a card was posted: the conversation and the activity, for updates and replies. */
export interface PostedCard {
  conversation: string;
  activityId: string;
}

/**
 * The SDK's connection settings for Heed's bot: who it is (`appId`, the audience of Teams'
 * requests), its tenant, and how it gets tokens (the client secret through MSAL, or an Entra auth
 * sidecar); `issuers` and `authority` are what the SDK's JWT check trusts besides Bot Framework.
 */
export function teamsAuthConfig(config: TeamsConfig): AuthConfiguration {
  const auth: AuthConfiguration = {
    clientId: config.appId ?? '',
    ...(config.tenant ? { tenantId: config.tenant } : {}),
    ...(config.appPassword ? { clientSecret: config.appPassword, authType: AuthType.ClientSecret } : {}),
    ...(config.sidecarUrl
      ? { authType: AuthType.EntraAuthSideCar, sidecarBaseUrl: config.sidecarUrl, scopes: [BOT_FRAMEWORK_SCOPE] }
      : {}),
    ...(config.authority ? { authority: config.authority } : {}),
    ...(config.issuers?.length ? { issuers: config.issuers } : {}),
    validateIssuer: true,
  };
  // The SDK's JWT check looks the audience up among the connections.
  return { ...auth, connections: new Map([['heed', auth]]) };
}

/**
 * Teams' Bot Connector through the Microsoft 365 Agents SDK (`ConnectorClient`), with tokens from
 * the SDK's provider for the connection (MSAL with the client secret, or the Entra auth sidecar).
 * Proactive: a notice opens (or finds) the 1:1 conversation with the person and posts the card in
 * the same call; a reminder is a reply to the first card; a closed card replaces it in place.
 * Failures throw (the SDK's error): deliveries and closings are retried durably by Heed.
 */
export class TeamsApi {
  readonly #config: TeamsConfig;
  readonly #auth: AuthConfiguration;
  readonly #provider: AuthProvider;
  readonly serviceUrl: string;

  constructor(config: TeamsConfig) {
    this.#config = config;
    this.#auth = teamsAuthConfig(config);
    this.#provider = defaultAuthProviderFactory(this.#auth);
    this.serviceUrl = config.serviceUrl ?? TEAMS_SERVICE_URL;
  }

  /** The SDK's settings (for the JWT check of Teams' requests). */
  get auth(): AuthConfiguration {
    return this.#auth;
  }

  async #client(): Promise<ConnectorClient> {
    return ConnectorClient.createClientWithAuth(this.serviceUrl, this.#auth, this.#provider, BOT_FRAMEWORK_SCOPE);
  }

  /**
   * Posts a card to a person: `POST /v3/conversations` with the person as the member and the card
   * as the first activity (Teams answers with the 1:1 conversation, the same one each time).
   */
  async postToUser(user: string, card: AdaptiveCard, text: string): Promise<PostedCard> {
    const client = await this.#client();
    const parameters: ConversationParameters = {
      isGroup: false,
      agent: { id: `28:${this.#config.appId ?? ''}` },
      members: [{ id: user, aadObjectId: user }],
      ...(this.#config.tenant ? { tenantId: this.#config.tenant } : {}),
      activity: message(card, text),
      channelData: this.#config.tenant ? { tenant: { id: this.#config.tenant } } : {},
    };
    const created = await timed(client.createConversation(parameters), 'createConversation');
    if (!created.id || !created.activityId) throw new Error('Teams created no conversation or activity');
    return { conversation: created.id, activityId: created.activityId };
  }

  /** Posts a card as a reply to an earlier one (a reminder under the first notice). */
  async reply(to: PostedCard, card: AdaptiveCard, text: string): Promise<PostedCard> {
    const client = await this.#client();
    const posted = await timed(client.replyToActivity(to.conversation, to.activityId, message(card, text)), 'reply');
    if (!posted.id) throw new Error('Teams gave no activity id for the reply');
    return { conversation: to.conversation, activityId: posted.id };
  }

  /** Replaces a posted card in place (`PUT /v3/conversations/{id}/activities/{activityId}`). */
  async update(posted: PostedCard, card: AdaptiveCard, text: string): Promise<void> {
    const client = await this.#client();
    const activity = message(card, text);
    activity.id = posted.activityId;
    await timed(client.updateActivity(posted.conversation, posted.activityId, activity), 'updateActivity');
  }
}

/** A message activity carrying the card (the SDK's factories), with `text` for notifications and previews. */
export function message(card: AdaptiveCard, text: string): Activity {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card), text);
}

function timed<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Teams ${what} took longer than ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
