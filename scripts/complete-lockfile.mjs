#!/usr/bin/env node
/**
 * Completes package-lock.json for `npm ci` on machines whose registry serves only some
 * platforms' binary packages.
 *
 * Packages such as @biomejs/biome list one optional dependency per platform. When the registry
 * answers 404 for the other platforms' packages, `npm install` leaves them out of the lockfile,
 * and `npm ci` then refuses the lockfile ("Missing: @biomejs/cli-darwin-x64@ from lock file").
 * This adds a minimal optional entry for each such missing package; `npm ci` skips optional
 * packages it cannot install, so nothing else changes. Idempotent; plain JavaScript so that any
 * Node can run it before dependencies are installed. Run by .ci/run before `npm ci`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages ?? {};
let added = 0;

for (const [location, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    // Only exact versions can be pinned this way; platform packages are published that way.
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue;
    packages[`node_modules/${name}`] = { version: spec, dev: entry.dev === true || undefined, optional: true };
    added++;
  }
}

if (added > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
  );
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`complete-lockfile: ${added} optional platform package(s) added`);
