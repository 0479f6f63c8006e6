import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Two projects: pure unit tests, and integration tests that run once per
// database engine (embedded PGlite always; real PostgreSQL when reachable).
export default defineConfig({
  resolve: { alias: { '@': root } },
  test: {
    testTimeout: 30_000,
    env: { NODE_ENV: 'test', NEXTAUTH_SECRET: 'test-secret-not-for-production-000', CHORUS_DATA_DIR: 'memory://', CHORUS_AUDIO_DIR: '.data/test-audio' },
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['tests/integration/**/*.test.ts'],
          env: { CHORUS_TEST_DB: 'embedded' },
          fileParallelism: false,
        },
      },
      ...(process.env.CHORUS_TEST_POSTGRES_URL
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['tests/integration/**/*.test.ts'],
                env: { CHORUS_TEST_DB: 'postgres' },
                fileParallelism: false,
              },
            },
          ]
        : []),
      ...(process.env.CHORUS_E2E === '1'
        ? [
            {
              extends: true as const,
              test: {
                name: 'e2e',
                include: ['tests/e2e/**/*.e2e.ts'],
                globalSetup: ['tests/e2e/server.ts'],
                testTimeout: 120_000,
                hookTimeout: 300_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
