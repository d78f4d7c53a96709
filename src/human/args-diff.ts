import { canonicalJson } from '../store/canonical.ts';

/** Where two JSON values differ, as dotted paths with the old and new values. */
export function diffJson(from: unknown, to: unknown, path = ''): { path: string; from: unknown; to: unknown }[] {
  if (canonicalJson(from) === canonicalJson(to)) return [];
  const bothObjects =
    from !== null &&
    to !== null &&
    typeof from === 'object' &&
    typeof to === 'object' &&
    !Array.isArray(from) &&
    !Array.isArray(to);
  if (!bothObjects) return [{ path: path || '(root)', from: from ?? null, to: to ?? null }];
  const a = from as Record<string, unknown>;
  const b = to as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((key) => diffJson(a[key], b[key], path ? `${path}.${key}` : key));
}
