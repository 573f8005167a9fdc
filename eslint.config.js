// ESLint 9 flat config. Besides typescript-eslint's checks, it enforces the import boundaries of
// design.md §1 and §4.10: the engine is plain TypeScript, the Nest layer enters it only through
// src/engine/index.ts, base folders sit below the features, and no imports form a cycle.
// Formatting is Prettier's job: eslint-config-prettier (last) turns off every rule it owns.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;
const SPECS = ['src/**/*.spec.ts'];
const TESTS = [...SPECS, 'test/**/*.ts'];

/** Folders every feature may build on; they import no feature (and not the root wiring). */
const BASE = ['./src/common', './src/config', './src/database', './migrations'];
/** Everything under src/ that is neither base nor engine is a feature (auth, teams, runs, chat, …). */
const FEATURES = `${root}/src/!(common|config|database|engine)/**`;
/** The composition root: main.ts, app.module.ts, entities.ts, data-source.ts, … */
const ROOT_WIRING = `${root}/src/*.ts`;

/** The import boundaries; `tests` relaxes two of them for spec and e2e files only. */
function boundaryZones({ tests }) {
  return [
    {
      target: './src/engine',
      from: '.',
      // Specs may use the test doubles of external servers (Chat Completions, MCP) in test/fakes
      // and the engine's test helpers in test/support/engine (kept out of src so they never ship).
      except: ['./src/engine', './node_modules', ...(tests ? ['./test/fakes', './test/support/engine'] : [])],
      message: 'The engine is plain TypeScript that could be published on its own: it imports nothing outside src/engine (design.md §1).',
    },
    {
      // The engine's test helpers (test/support/engine) are part of the engine's specs, not its users.
      target: [
        `${root}/src/!(engine)/**`,
        `${root}/src/*.ts`,
        `${root}/test/!(support)/**`,
        `${root}/test/*.ts`,
        `${root}/test/support/!(engine)/**`,
        `${root}/test/support/*.ts`,
      ],
      from: './src/engine',
      except: ['./index.ts'],
      message:
        "The Nest layer uses the engine only through its public surface, src/engine/index.ts: import from '…/engine/index.js' (add the export there if it is missing).",
    },
    {
      target: BASE,
      from: [FEATURES],
      message:
        'Base folders (common, config, database, migrations) sit below the features: move the shared piece down into a base folder, or do the wiring at the composition root (src/*.ts).',
    },
    {
      target: BASE,
      from: [ROOT_WIRING],
      message: 'Base folders must not import the composition root (src/*.ts), which imports every feature.',
    },
  ];
}

const ENGINE_BANNED = (name) => `The engine is plain TypeScript: it must not import ${name} (design.md §1).`;

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/results/**', 'web/**', 'data/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // Plain JavaScript: bench/ and scripts/ (Node ESM), and this file.
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
  },

  // TypeScript: src/ and test/, type-aware against tsconfig.test.json (which includes both).
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: root },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses the imported modules too (no-cycle follows them): tell it how to read .ts.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.test.json` })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaryZones({ tests: false }) }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The code writes `xs[0]!` as if noUncheckedIndexedAccess were on (web/ has it on); this rule would strip them.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // An async method that implements a Promise-returning interface without awaiting is intended: throws become rejections.
      '@typescript-eslint/require-await': 'off',
      // A variable a close handler reads before the code below assigns it (cleanup registered before the first await) must stay `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: TESTS,
    rules: {
      // Tests assert on untyped JSON (supertest's res.body, parsed ws frames, fixture files, vitest's expect.any()):
      // there the assertion is the type check. Production code keeps all of these.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaryZones({ tests: true }) }],
    },
  },

  // The engine imports no framework, ORM, Observable library, HTTP server or database driver.
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*'], message: ENGINE_BANNED('Nest (@nestjs/*); the Nest layer wraps the engine, not the other way round') },
            { group: ['typeorm', 'typeorm/*'], message: ENGINE_BANNED('typeorm; persistence belongs to the Nest layer') },
            { group: ['rxjs', 'rxjs/*'], message: ENGINE_BANNED('rxjs; engine streams are AsyncIterables, cancellation an AbortSignal') },
            { group: ['express', 'express/*'], message: ENGINE_BANNED('express; transport belongs to the Nest layer') },
            { group: ['pg', 'pg/*', 'better-sqlite3'], message: ENGINE_BANNED('a database driver; persistence belongs to the Nest layer') },
          ],
        },
      ],
    },
  },

  prettier,
);
