/**
 * How a principal is named to a person: `user:alice` → "alice", `group:finance` → "the finance
 * group", `email:bob@example.com` → "bob@example.com", `agent:bank` → "the bank agent",
 * `system` → "Heed". Never throws: an unknown shape is shown as it is.
 */
export function displayName(principal: string): string {
  const at = principal.indexOf(':');
  if (at < 0) return principal === 'system' ? 'Heed' : principal;
  const kind = principal.slice(0, at);
  const name = principal.slice(at + 1);
  if (kind === 'group') return `the ${name} group`;
  if (kind === 'agent') return `the ${name} agent`;
  return name;
}

/** A list for a sentence: "alice", "alice or bob", "alice, bob or the finance group". */
export function listOfNames(principals: readonly string[], conjunction = 'or'): string {
  const names = principals.map(displayName);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}
