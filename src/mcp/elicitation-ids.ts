/**
 * Signed ids of Heed's elicitations: the JSON-RPC id of an `elicitation/create` (and a URL
 * elicitation's `elicitationId`) names the task and the principal it was sent to, so whoever takes
 * the answer (another request, a restarted server, another instance with the same secret) can
 * check it without any state.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Which mode a signed id was issued for. */
export type Mode = 'form' | 'url';
export interface ElicitationClaims {
  taskId: string;
  principal: string;
  mode: Mode;
}

export const PREFIX = 'heed-elicit.';
const ID = /^heed-elicit\.([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/;

/** Signs and checks elicitation ids (HMAC-SHA256 with a key derived from the secret). */
export class ElicitationIds {
  readonly #key: Buffer;

  /** `secret`: the server's link secret (ids then hold across instances and restarts); none: this process's own. */
  constructor(secret?: string | Buffer) {
    this.#key =
      secret === undefined ? randomBytes(32) : createHmac('sha256', secret).update('heed mcp elicitation ids').digest();
  }

  issue(claims: ElicitationClaims): string {
    const payload = Buffer.from(
      JSON.stringify([claims.taskId, claims.principal, claims.mode, randomBytes(9).toString('base64url')]),
    ).toString('base64url');
    return `${PREFIX}${payload}.${this.#mac(payload)}`;
  }

  /** The claims of a genuine id, or `undefined` for anything else. Pure. */
  check(id: unknown): ElicitationClaims | undefined {
    if (typeof id !== 'string') return undefined;
    const match = ID.exec(id);
    const payload = match?.[1];
    const mac = match?.[2];
    if (!payload || !mac) return undefined;
    const expected = Buffer.from(this.#mac(payload));
    if (expected.length !== mac.length || !timingSafeEqual(expected, Buffer.from(mac))) return undefined;
    try {
      const [taskId, principal, mode] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
      if (typeof taskId === 'string' && typeof principal === 'string' && (mode === 'form' || mode === 'url')) {
        return { taskId, principal, mode };
      }
    } catch {
      // not ours
    }
    return undefined;
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}
