import { displayName } from '../../human/principal-names.ts';
import type { ChannelsConfig, Person } from '../config.ts';

/** Where one notice goes: the principal it is for and its address on the channel. */
export type Address =
  | { kind: 'email'; principal: string; to: string }
  | { kind: 'slack-user'; principal: string; user: string }
  | { kind: 'slack-channel'; principal: string; channel: string }
  | { kind: 'teams-user'; principal: string; user: string };

/** The channels the directory has addresses for. */
export type AddressChannel = 'email' | 'slack' | 'teams';

/** A stable text form of an address, used in delivery keys. */
export function addressKey(address: Address): string {
  switch (address.kind) {
    case 'email':
      return address.to;
    case 'slack-user':
    case 'teams-user':
      return address.user;
    case 'slack-channel':
      return address.channel;
  }
}

/**
 * The people directory (config `people`, `groups`, `slack.channels`): who a principal is on each
 * channel. `email:` principals are mailed directly; `user:` principals through `people`; a group
 * reaches its members, and on Slack its channel when it has one (instead of each member's DM).
 * With `loose` (the offline outbox), a principal without an address is still shown a notice,
 * addressed by its principal, so the demo shows what each person would receive.
 */
export class People {
  readonly #people: Record<string, Person>;
  readonly #groups: Record<string, string[]>;
  readonly #slackChannels: Record<string, string>;

  constructor(config: ChannelsConfig) {
    this.#people = config.people ?? {};
    this.#groups = config.groups ?? {};
    this.#slackChannels = config.slack?.channels ?? {};
  }

  /** The name the directory gives a principal, or `undefined`. */
  known(principal: string): string | undefined {
    return this.#people[principal]?.name || undefined;
  }

  /** How a principal is named to people: the directory's name, or one made from the principal (`displayName`). */
  name(principal: string): string {
    return displayName(principal, (p) => this.known(p));
  }

  /** Every principal the directory names, with its name (no addresses). */
  names(): { principal: string; name: string }[] {
    return Object.entries(this.#people)
      .filter(([, person]) => Boolean(person.name))
      .map(([principal, person]) => ({ principal, name: person.name as string }));
  }

  /** Principals that belong to `group` (config `groups`). */
  members(group: string): string[] {
    return Object.entries(this.#groups)
      .filter(([, groups]) => groups.includes(group))
      .map(([principal]) => principal);
  }

  /** The principal a Slack user id belongs to, or `undefined` (an unknown user cannot answer). */
  principalOfSlackUser(user: string): string | undefined {
    return Object.entries(this.#people).find(([, person]) => person.slack === user)?.[0];
  }

  /** The principal a Teams user (Entra object id, `from.aadObjectId`) belongs to, or `undefined`. */
  principalOfTeamsUser(aadObjectId: string): string | undefined {
    const id = aadObjectId.toLowerCase();
    return Object.entries(this.#people).find(([, person]) => person.teams?.toLowerCase() === id)?.[0];
  }

  /** The addresses that reach `principals` on `channel`, without duplicates (first principal wins). */
  resolve(principals: readonly string[], channel: AddressChannel, loose = false): Address[] {
    const out = new Map<string, Address>();
    const add = (address: Address | undefined) => {
      if (address && !out.has(addressKey(address))) out.set(addressKey(address), address);
    };
    for (const principal of principals) {
      if (principal.startsWith('group:')) {
        const slackChannel = this.#slackChannels[principal];
        if (channel === 'slack' && slackChannel) {
          add({ kind: 'slack-channel', principal, channel: slackChannel });
          continue;
        }
        const members = this.members(principal);
        for (const member of members) add(this.#one(member, channel, loose));
        if (members.length === 0) add(this.#one(principal, channel, loose));
        continue;
      }
      add(this.#one(principal, channel, loose));
    }
    return [...out.values()];
  }

  #one(principal: string, channel: AddressChannel, loose: boolean): Address | undefined {
    const person = this.#people[principal];
    // Teams has no outbox: a person without a Teams id is not reached there.
    if (channel === 'teams') return person?.teams ? { kind: 'teams-user', principal, user: person.teams } : undefined;
    if (channel === 'email') {
      const to = principal.startsWith('email:') ? principal.slice('email:'.length) : person?.email;
      if (to) return { kind: 'email', principal, to };
      return loose ? { kind: 'email', principal, to: principal } : undefined;
    }
    if (person?.slack) return { kind: 'slack-user', principal, user: person.slack };
    return loose ? { kind: 'slack-user', principal, user: `@${principal.replace(/^\w+:/, '')}` } : undefined;
  }
}
