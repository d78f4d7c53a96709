import type { MiddlewareHandler } from 'hono';
import { HttpError } from './errors.ts';

/**
 * What every response carries: a CSP that allows only this origin's scripts (no inline script),
 * no framing (`frame-ancestors 'none'`), no MIME sniffing. Link pages (`/t/…`, whose URL is a
 * credential) also send `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    headers.set('x-content-type-options', 'nosniff');
    headers.set('x-frame-options', 'DENY');
    if (!headers.has('referrer-policy')) headers.set('referrer-policy', 'same-origin');
    if (c.req.path.startsWith('/t/')) {
      headers.set('referrer-policy', 'no-referrer');
      headers.set('cache-control', 'no-store');
    }
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a `Host` header value (`[::1]:4000` → `[::1]`), lower-cased. */
function hostName(host: string): string {
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(host.trim().toLowerCase());
  return match?.[1] ?? '';
}

export interface BrowserSafetyOptions {
  /** Development mode: the `Host` header must name a loopback host (no DNS rebinding). */
  devMode: boolean;
  /** Extra origins trusted to send state-changing requests (the public URL's). */
  trustedOrigins: () => readonly string[];
}

/**
 * Cross-site request forgery and DNS rebinding, checked on every request, in development mode too:
 * - development mode: `Host` must be `localhost`, `127.0.0.1` or `[::1]` (403 otherwise);
 * - a state-changing request (not GET/HEAD/OPTIONS), bodiless or not, is refused (403) when a
 *   browser says it comes from another site (`Sec-Fetch-Site: cross-site|same-site`) or its
 *   `Origin` is not this server's (`Origin: null` only on link pages, whose token is the credential);
 * - under `/v1` (but `/v1/channels/…`, signed by the channel), a state-changing request that has a
 *   body or a `Content-Type` must be JSON (415): a cross-site HTML form can not send
 *   `application/json` without a CORS preflight.
 * Requests from programs (no `Origin`, no `Sec-Fetch-Site`) pass; they authenticate by key.
 */
export function browserSafety(options: BrowserSafetyOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (options.devMode && !LOOPBACK_HOSTS.has(hostName(host))) {
      throw new HttpError('FORBIDDEN', `Without API keys the server only answers to a loopback Host, not "${host}"`);
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      if (site === 'cross-site' || site === 'same-site') {
        throw new HttpError('FORBIDDEN', 'State-changing requests from another site are refused');
      }
      const origin = c.req.header('origin');
      if (origin !== undefined) {
        const linkPage = c.req.path.startsWith('/t/');
        const own = origin !== 'null' && sameHost(origin, host);
        const trusted = options.trustedOrigins().includes(origin);
        if (!own && !trusted && !(linkPage && origin === 'null')) {
          throw new HttpError('FORBIDDEN', `State-changing requests from origin ${origin} are refused`);
        }
      }
      // Channel callbacks (Slack's form-encoded interactions) are verified by their own signature.
      if (c.req.path.startsWith('/v1/') && !c.req.path.startsWith('/v1/channels/')) {
        const type = c.req.header('content-type');
        const length = c.req.header('content-length');
        const hasBody =
          type !== undefined ||
          c.req.header('transfer-encoding') !== undefined ||
          (length !== undefined && Number(length) > 0);
        if (hasBody && !/^application\/json\s*(;|$)/i.test(type ?? '')) {
          throw new HttpError(
            'UNSUPPORTED_MEDIA_TYPE',
            `Send JSON with Content-Type: application/json (got "${type ?? 'none'}")`,
          );
        }
      }
    }
    await next();
  };
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}
