/**
 * Versioned workflows: several versions of one workflow's code registered at once, each run
 * replaying on the version it started on. A run records its version in the workflow name it is
 * stored under: version 1 is the plain name (so runs started before versions existed are version
 * 1), later ones `name@N`. Workers claim only the names they registered, so a process that lacks a
 * run's version never claims it, on any store, without a query of its own.
 */
import { InvalidArgumentError } from '../errors.ts';

/** The name a run of `version` of `workflow` is stored under. */
export function versionedName(workflow: string, version: number): string {
  return version === 1 ? workflow : `${workflow}@${version}`;
}

/** The workflow and version of a stored workflow name (`refund@2` → refund, 2; `refund` → refund, 1). */
export function parseVersioned(stored: string): { workflow: string; version: number } {
  const at = stored.lastIndexOf('@');
  if (at > 0) {
    const version = Number(stored.slice(at + 1));
    if (Number.isInteger(version) && version > 1) return { workflow: stored.slice(0, at), version };
  }
  return { workflow: stored, version: 1 };
}

/**
 * Checks a version given to `heed.workflow(name, fn, {version})`.
 * @throws InvalidArgumentError unless it is a whole number from 1 to 1,000,000.
 */
export function checkVersion(name: string, version: unknown): number {
  if (version === undefined) return 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > 1_000_000) {
    throw new InvalidArgumentError(`workflow "${name}": version must be a whole number from 1, got ${String(version)}`);
  }
  return version;
}
