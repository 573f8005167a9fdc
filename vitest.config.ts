import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC (not esbuild) compiles the tests so that Nest's decorator metadata is emitted.
const swcPlugin = () =>
  swc.vite({
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2023' },
    module: { type: 'es6' },
  });

export default defineConfig({
  test: {
    // Two files at a time even on two cores (Vitest's default there is one): most of the suite
    // waits on servers, sockets and child processes rather than computing, so the wall time
    // nearly halves. The tests wait on conditions with deadlines, so they hold under the load.
    maxWorkers: 2,
    projects: [
      {
        plugins: [swcPlugin()],
        // A deadline, not a wait: some unit specs start real processes (the CLI, sandbox children).
        test: { name: 'unit', include: ['src/**/*.spec.ts'], environment: 'node', testTimeout: 60_000 },
      },
      {
        plugins: [swcPlugin()],
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          environment: 'node',
          // Deadlines, not waits: a test ends as soon as it is done. They are generous because the
          // suites start real processes (servers, sandboxes, chromium) on a loaded two-core machine.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
