import type { MiddlewareHandler } from 'hono';
import type { Authorization, Caller } from '../authorization/authorization.ts';
import { isPrincipal } from '../human/principals.ts';
import { HttpError } from './errors.ts';

export type { Caller };

/** How requests are authenticated. */
export interface AuthConfig {
  /** API key → principal. Empty: development mode (loopback only, `X-Heed-Principal`). */
  keys: ReadonlyMap<string, string>;
  /** Principals that may see and manage every task and run. */
  admins: ReadonlySet<string>;
}

export type AuthEnv = { Variables: { caller: Caller } };

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Resolves the caller from credentials only. With keys configured: `Authorization: Bearer <key>`
 * is required (401). Without keys: requests must come from loopback (403 otherwise) and name their
 * principal in `X-Heed-Principal`; without the header the caller is `system`, which may do
 * anything but answer. What the caller may then do is `Authorization`'s decision.
 */
export function authenticate(config: AuthConfig, authorization: Authorization): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (config.keys.size > 0) {
      const header = c.req.header('authorization') ?? '';
      const key = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      if (!key) throw new HttpError('UNAUTHENTICATED', 'Send Authorization: Bearer <api key>');
      const principal = config.keys.get(key);
      if (!principal) throw new HttpError('UNAUTHENTICATED', 'Unknown API key');
      c.set('caller', await authorization.caller(principal));
      return next();
    }
    const remote = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
      ?.remoteAddress;
    if (remote !== undefined && !LOOPBACK.has(remote)) {
      throw new HttpError('FORBIDDEN', 'Without API keys the server only answers loopback clients');
    }
    const named = c.req.header('x-heed-principal');
    if (named === undefined || named === '') {
      c.set('caller', await authorization.caller('system'));
      return next();
    }
    if (!isPrincipal(named) || named === 'system') {
      throw new HttpError('INVALID_PRINCIPAL', `X-Heed-Principal "${named}" is not a principal`);
    }
    c.set('caller', await authorization.caller(named));
    return next();
  };
}
