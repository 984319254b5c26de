// One Jest run covers every package and service, in three layers (STYLE.md §10):
// unit (*.spec.ts, pure logic), integration (*.int-spec.ts, real Postgres and Redis),
// end-to-end (*.e2e-spec.ts, real service processes against the discord-emulator);
// plus the chaos suite (*.chaos-spec.ts): reduced here, full with CHAOS_FULL=1 (pnpm test:chaos).
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const shared = {
  testEnvironment: 'node',
  // Workspace packages resolve to their TypeScript sources, so tests need no build.
  testEnvironmentOptions: { customExportConditions: ['@inflow/source', 'node', 'node-addons'] },
  transform: { '^.+\\.ts$': swc },
  // The test fixtures package is a tool of the tests, not a dependency of the packages under test.
  moduleNameMapper: { '^@inflow/testing$': '<rootDir>/packages/testing/src/index.ts' },
  roots: ['<rootDir>/packages', '<rootDir>/services'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.int-spec.ts'],
      globalSetup: '<rootDir>/packages/testing/src/jest/global-setup.ts',
      globalTeardown: '<rootDir>/packages/testing/src/jest/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/packages/testing/src/jest/integration-timeout.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/packages/testing/src/jest/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/packages/testing/src/jest/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/packages/testing/src/jest/e2e-timeout.ts'],
    },
    {
      ...shared,
      displayName: 'chaos',
      testMatch: ['**/*.chaos-spec.ts'],
      globalSetup: '<rootDir>/packages/testing/src/jest/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/packages/testing/src/jest/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/packages/chaos/src/chaos-timeout.ts'],
    },
  ],
};
