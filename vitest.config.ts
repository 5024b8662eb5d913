import { defineConfig } from 'vitest/config';

// Tests run our packages from source: the custom condition points each
// workspace package's exports at src/ (see each package.json).
const conditions = ['@seed-pms/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@seed-pms/source'] } },
  test: {
    include: ['packages/*/{src,test}/**/*.test.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
