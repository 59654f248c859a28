import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The e2e lab (real Dovecot, curl, tcpdump, live capture): `npx vitest run --config
 * test/e2e/vitest.config.ts` after `npx tsc -p tsconfig.json` (the live run uses bin/mailwire) and
 * `sh scripts/lab/install.sh`. Needs root. Not part of `npm test`.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
