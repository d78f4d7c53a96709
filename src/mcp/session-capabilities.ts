import { randomBytes } from 'node:crypto';
import { type ClientCapabilities, ClientCapabilitiesSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * `/mcp` is stateless (every request gets its own server), so a request after `initialize` does
 * not know what the client declared there. A client that declared elicitation or tasks gets an
 * `Mcp-Session-Id` that carries those capabilities (and 16 random bytes, so each is unique), and
 * sends it back on every request: nothing is kept on the server, and the session survives a
 * restart or another instance. Clients that declared neither get no session id, as before.
 * The capabilities are the client's own word, as at initialization: they only decide whether
 * Heed asks in the client, never who may answer.
 */
const SESSION = /^hc1\.([A-Za-z0-9_-]{1,400})\.[A-Za-z0-9_-]{22}$/;

/** The session id for a client that declared `capabilities`, or `undefined` when nothing needs carrying. */
export function sessionIdFor(capabilities: unknown): string | undefined {
  const parsed = ClientCapabilitiesSchema.safeParse(capabilities);
  if (!parsed.success) return undefined;
  const { elicitation, tasks } = parsed.data;
  if (!elicitation && !tasks) return undefined;
  const kept = {
    ...(elicitation
      ? { elicitation: { ...(elicitation.form ? { form: {} } : {}), ...(elicitation.url ? { url: {} } : {}) } }
      : {}),
    ...(tasks ? { tasks: {} } : {}),
  };
  return `hc1.${Buffer.from(JSON.stringify(kept)).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
}

/** The capabilities a session id carries, or `undefined` for none (or an id that is not Heed's). */
export function capabilitiesOf(sessionId: string | undefined): ClientCapabilities | undefined {
  const payload = sessionId === undefined ? undefined : SESSION.exec(sessionId)?.[1];
  if (!payload) return undefined;
  try {
    const parsed = ClientCapabilitiesSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
