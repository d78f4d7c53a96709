import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../errors.ts';
import { isPerson } from '../human/principals.ts';

/** What a one-click link lets its holder do: answer one task, as one person, with one outcome. */
export interface LinkClaims {
  taskId: string;
  principal: string;
  outcome: string;
  /** Epoch ms after which the link is refused. */
  expiresAt: number;
  /** Makes the link single use. */
  nonce: string;
}

/**
 * A checked token. `not-a-person`: signed here, but for a group (or another principal that is not
 * one person), as no link is any more: a group's member answers as themself, so four-eyes holds.
 */
export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'forged' | 'expired' | 'not-a-person'; claims?: LinkClaims };

/** A token: payload, dot, HMAC-SHA256 in base64url (43 characters, no padding). Nothing else. */
const TOKEN = /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/;

/**
 * Signed one-click links (HMAC-SHA256 over the claims). A link proves who may answer what until
 * when, for one person only (never a group); single use is enforced by the store when it is used.
 * Whether that person may answer is decided when the link is used, as on every channel.
 */
export class LinkSigner {
  readonly #secret: Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = typeof secret === 'string' ? Buffer.from(secret) : secret;
    if (this.#secret.length < 16) throw new Error('The link secret must be at least 16 bytes');
  }

  /**
   * A token for `/t/{token}`.
   * @throws InvalidArgumentError when `claims.principal` is not one person (`user:`, `email:`).
   */
  sign(claims: Omit<LinkClaims, 'nonce'>): string {
    if (!isPerson(claims.principal)) {
      throw new InvalidArgumentError(`A link is signed for one person (user: or email:), not for ${claims.principal}`);
    }
    const full: LinkClaims = { ...claims, nonce: randomBytes(12).toString('base64url') };
    const payload = Buffer.from(
      JSON.stringify([full.taskId, full.principal, full.outcome, full.expiresAt, full.nonce]),
    ).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }

  /**
   * Checks the format, the signature, the expiry and that the link is for one person (not single
   * use: see `Store.useLink`). The format is strict: `<base64url payload>.<43 base64url
   * characters>`, the payload in its canonical encoding; anything added, removed or changed is a
   * forgery. A pure function of the token and `now`: nothing is written.
   */
  verify(token: string, now: number): LinkCheck {
    const match = TOKEN.exec(token);
    const payload = match?.[1];
    const mac = match?.[2];
    if (!payload || !mac) return { ok: false, reason: 'forged' };
    if (Buffer.from(payload, 'base64url').toString('base64url') !== payload) return { ok: false, reason: 'forged' };
    const claims = decodeClaims(payload);
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(mac);
    if (!claims || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return claims ? { ok: false, reason: 'forged', claims } : { ok: false, reason: 'forged' };
    }
    if (!isPerson(claims.principal)) return { ok: false, reason: 'not-a-person', claims };
    if (now > claims.expiresAt) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims };
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }
}

function decodeClaims(payload: string): LinkClaims | undefined {
  try {
    const [taskId, principal, outcome, expiresAt, nonce] = JSON.parse(
      Buffer.from(payload, 'base64url').toString(),
    ) as unknown[];
    if (
      typeof taskId === 'string' &&
      typeof principal === 'string' &&
      typeof outcome === 'string' &&
      typeof expiresAt === 'number' &&
      typeof nonce === 'string'
    ) {
      return { taskId, principal, outcome, expiresAt, nonce };
    }
  } catch {
    // not a link
  }
  return undefined;
}
