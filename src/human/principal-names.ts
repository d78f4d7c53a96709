/** The people directory's names (config `people`): a principal's name, or `undefined` if it has none. */
export type NameLookup = (principal: string) => string | undefined;

function titleCase(name: string): string {
  return name
    .split(/[._-]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

/**
 * How a principal is named to a person, the same in every channel (the inbox's `words.js` follows
 * the same rule): the people directory's name when it has one ("Alice Doe"); otherwise
 * `user:alice` → "Alice", `user:bob.smith` → "Bob Smith", `group:finance` → "the finance group",
 * `email:bob@example.com` → "bob@example.com", `agent:bank` → "the bank agent", `system` → "Heed".
 * Never throws: an unknown shape is shown as it is.
 */
export function displayName(principal: string, names?: NameLookup): string {
  const known = names?.(principal);
  if (known) return known;
  const at = principal.indexOf(':');
  if (at < 0) return principal === 'system' ? 'Heed' : principal === '*' ? 'anyone' : principal;
  const kind = principal.slice(0, at);
  const name = principal.slice(at + 1);
  if (kind === 'user') return titleCase(name) || name;
  if (kind === 'group') return `the ${name.replace(/[_-]+/g, ' ')} group`;
  if (kind === 'agent') return `the ${name} agent`;
  return name;
}

/** A list for a sentence: "Alice", "Alice or Bob", "Alice, Bob or the finance group". */
export function listOfNames(principals: readonly string[], conjunction = 'or', names?: NameLookup): string {
  const list = [...new Set(principals.map((p) => displayName(p, names)))];
  if (list.length <= 1) return list[0] ?? '';
  return `${list.slice(0, -1).join(', ')} ${conjunction} ${list.at(-1)}`;
}
