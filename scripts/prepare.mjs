// `npm install` in a clone, and npm installing Heed as a git dependency (it installs the
// devDependencies first), build dist/ here: `npm run build`. Without the devDependencies
// (`npm ci --omit=dev`) there is no TypeScript to build with: that install keeps dist/ as it is
// and says so instead of failing (the build deletes dist/ first, so running it would leave none).
// Plain JavaScript, so that it runs on whatever Node npm runs it with.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let typescript = true;
try {
  require.resolve('typescript/package.json');
} catch {
  typescript = false;
}
if (!typescript) {
  console.warn(
    existsSync('dist/index.js')
      ? 'heed: the devDependencies are not installed, so dist/ is not rebuilt: it is kept as it is.'
      : 'heed: dist/ is not built: that needs the devDependencies (TypeScript). Run `npm install` with them, or install a packed tarball (`npm pack`) instead.',
  );
  process.exit(0);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
