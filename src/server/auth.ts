import type { MiddlewareHandler } from 'hono';
import { isPrincipal } from '../human/principals.ts';
import type { Task } from '../human/types.ts';
import { HttpError } from './errors.ts';

/** How requests are authenticated. */
export interface AuthConfig {
  /** API key → principal. Empty: development mode (loopback only, `X-Heed-Principal`). */
  keys: ReadonlyMap<string, string>;
  /** Principals that may see and manage every task and run. */
  admins: ReadonlySet<string>;
}

/** Who is calling: a principal, or `system` (an admin key, or development mode without a header). */
export interface Caller {
  principal: string;
  admin: boolean;
}

export type AuthEnv = { Variables: { caller: Caller } };

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Resolves the caller. With keys configured: `Authorization: Bearer <key>` is required (401).
 * Without keys: requests must come from loopback (403 otherwise) and name their principal in
 * `X-Heed-Principal`; without the header the caller is `system`, which may do anything but answer.
 */
export function authenticate(config: AuthConfig): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (config.keys.size > 0) {
      const header = c.req.header('authorization') ?? '';
      const key = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      if (!key) throw new HttpError('UNAUTHENTICATED', 'Send Authorization: Bearer <api key>');
      const principal = config.keys.get(key);
      if (!principal) throw new HttpError('UNAUTHENTICATED', 'Unknown API key');
      c.set('caller', { principal, admin: config.admins.has(principal) || principal === 'system' });
      return next();
    }
    const remote = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
      ?.remoteAddress;
    if (remote !== undefined && !LOOPBACK.has(remote)) {
      throw new HttpError('FORBIDDEN', 'Without API keys the server only answers loopback clients');
    }
    const named = c.req.header('x-heed-principal');
    if (named === undefined || named === '') {
      c.set('caller', { principal: 'system', admin: true });
      return next();
    }
    if (!isPrincipal(named)) throw new HttpError('INVALID_PRINCIPAL', `X-Heed-Principal "${named}" is not a principal`);
    c.set('caller', { principal: named, admin: config.admins.has(named) });
    return next();
  };
}

/** A caller may see a task it may answer, that is open to anyone, or that it requested. */
export function maySee(caller: Caller, task: Task, identities: readonly string[]): boolean {
  if (caller.admin) return true;
  if (task.requester !== null && identities.includes(task.requester)) return true;
  if (task.assignees.length === 0) return true;
  return task.assignees.some((a) => identities.includes(a.principal));
}
