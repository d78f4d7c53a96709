/**
 * A PostgreSQL connection URL fit to print: its password masked (`postgres://heed:***@host/db`),
 * and a `password=` query parameter too. A string that is not a URL (a libpq keyword string may
 * hold a password anywhere) prints as `postgres`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (key.toLowerCase() === 'password') parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}
