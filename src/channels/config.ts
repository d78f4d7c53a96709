import type { WorkingHours } from '../human/working-time.ts';

/**
 * A person Heed can reach (DESIGN.md "Channels"): display name, email address, Slack user id,
 * Teams user; the time zone they are in and their working hours, which the reminders and
 * escalations of a `businessHours` policy wait for (docs/working-hours.md).
 */
export interface Person {
  name?: string;
  email?: string;
  slack?: string;
  /** The person's Microsoft Entra (AAD) object id, as Teams names them (`from.aadObjectId`). */
  teams?: string;
  /** IANA time zone, e.g. `Europe/Paris`. */
  timeZone?: string;
  /** e.g. `{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:30"}` (needs `timeZone`). */
  workingHours?: WorkingHours;
}

/**
 * Microsoft Teams through the Microsoft 365 Agents SDK (see docs/teams.md). Heed is an Azure Bot:
 * `appId` is its Entra app registration; tokens for the Bot Connector come from Entra with
 * `appPassword` (client secret) in `tenant`, or from an Entra auth sidecar (`sidecarUrl`).
 */
export interface TeamsConfig {
  /** The bot's Microsoft App ID (the audience of Teams' requests, the client id of Heed's). */
  appId?: string;
  /** The app registration's client secret (also `HEED_TEAMS_APP_PASSWORD`). */
  appPassword?: string;
  /** The Entra tenant id of a single-tenant bot. */
  tenant?: string;
  /** The Bot Connector of the tenant's region (default `https://smba.trafficmanager.net/teams/`). */
  serviceUrl?: string;
  /** Entra authority (default `https://login.microsoftonline.com`); also where signing keys of Entra-issued tokens are found. */
  authority?: string;
  /** More token issuers to trust (besides Bot Framework's and the tenant's). */
  issuers?: string[];
  /** An Entra auth sidecar on this host or network that hands out Heed's tokens instead of `appPassword`. */
  sidecarUrl?: string;
}

/**
 * The channel part of `heed serve --config` (names fixed by DESIGN.md). Without `email.smtp` or
 * `slack.token`, that channel's notices go to the local outbox (`/outbox`).
 */
export interface ChannelsConfig {
  /** Public base URL of the service, for links in notices. */
  publicUrl?: string;
  /** principal → the person. */
  people?: Record<string, Person>;
  /** principal → the groups it belongs to. */
  groups?: Record<string, string[]>;
  email?: { smtp?: string; from?: string };
  slack?: { token?: string; signingSecret?: string; apiUrl?: string; channels?: Record<string, string> };
  teams?: TeamsConfig;
}

/** The config with the environment applied (`HEED_SMTP_URL`, `HEED_EMAIL_FROM`, `HEED_SLACK_*`, `HEED_TEAMS_APP_PASSWORD`, `HEED_PUBLIC_URL`). */
export function channelsConfig(config: ChannelsConfig, env: NodeJS.ProcessEnv = process.env): ChannelsConfig {
  const pick = (name: string, fallback: string | undefined) => env[name] || fallback;
  const publicUrl = pick('HEED_PUBLIC_URL', config.publicUrl);
  const smtp = pick('HEED_SMTP_URL', config.email?.smtp);
  const from = pick('HEED_EMAIL_FROM', config.email?.from);
  const token = pick('HEED_SLACK_TOKEN', config.slack?.token);
  const signingSecret = pick('HEED_SLACK_SIGNING_SECRET', config.slack?.signingSecret);
  const apiUrl = pick('HEED_SLACK_API_URL', config.slack?.apiUrl);
  const appPassword = pick('HEED_TEAMS_APP_PASSWORD', config.teams?.appPassword);
  return {
    ...(publicUrl ? { publicUrl } : {}),
    people: config.people ?? {},
    groups: config.groups ?? {},
    email: { ...(smtp ? { smtp } : {}), ...(from ? { from } : {}) },
    slack: {
      ...(token ? { token } : {}),
      ...(signingSecret ? { signingSecret } : {}),
      ...(apiUrl ? { apiUrl } : {}),
      channels: config.slack?.channels ?? {},
    },
    ...(config.teams ? { teams: { ...config.teams, ...(appPassword ? { appPassword } : {}) } } : {}),
  };
}
