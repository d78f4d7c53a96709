import { InvalidPrincipalError } from '../errors.ts';

const PRINCIPAL = /^(user|group|agent):[A-Za-z0-9][\w.@+-]{0,199}$|^email:[^\s@]+@[^\s@]+\.[^\s@]+$|^system$/;

/** True for `user:NAME`, `group:NAME`, `agent:NAME`, `email:ADDRESS` and `system`. */
export function isPrincipal(value: unknown): value is string {
  return typeof value === 'string' && PRINCIPAL.test(value);
}

/** @throws InvalidPrincipalError */
export function checkPrincipal(value: unknown): string {
  if (!isPrincipal(value)) throw new InvalidPrincipalError(value);
  return value;
}

/**
 * Whether a principal can answer a task, and so be an assignee: people and groups (`user:`,
 * `group:`, `email:`), not `system` (Heed itself) nor `agent:` principals.
 */
export function canAnswer(principal: string): boolean {
  return /^(user|group|email):/.test(principal);
}

/**
 * Whether a principal is one person (`user:`, `email:`): what a one-click link may be signed for.
 * Not a group (its members answer, each as themself), nor `agent:` principals, nor `system`.
 */
export function isPerson(principal: string): boolean {
  return /^(user|email):/.test(principal) && isPrincipal(principal);
}

/** A principal that answers tasks: any principal but `system`, which stands for Heed itself. */
export function checkResponder(value: unknown): string {
  if (value === 'system') throw new InvalidPrincipalError(value);
  return checkPrincipal(value);
}

/**
 * Which groups (and other principals, such as an `email:` address) a principal acts as. Heed asks
 * this hook to expand an inbox and to authorize a response; by default a principal is only itself.
 */
export type MembershipLookup = (principal: string) => readonly string[] | Promise<readonly string[]>;

/** The principal and everything it acts as, deduplicated. */
export async function identitiesOf(principal: string, lookup: MembershipLookup | undefined): Promise<string[]> {
  const extra = lookup ? await lookup(principal) : [];
  return [...new Set([principal, ...extra.filter(isPrincipal)])];
}
