// Lint runs inside `npm test`. Two layers:
// - typescript-eslint's type-checked preset: floating promises, misused
//   promises, unsafe `any` flows (the bug class that turns a memcached hiccup
//   into an unhandled rejection or a crash);
// - neostandard (the fastify team's ESLint 9 form of `standard`, the style the
//   code is written in) plus a line length.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import neostandard from 'neostandard'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'e2e/test-results/**', 'e2e/playwright-report/**', 'bench/out/**', '.cache/**', '.cluster/**'] },
  ...neostandard({ ts: true, noJsx: true }),
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test() returns a promise the runner itself awaits
        allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'it', 'describe', 'suite', 'before', 'after'], package: 'node:test' }]
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify plugins and handlers are async by contract, and so is every
      // promise API method: a throw in one must become a rejection, await or not.
      '@typescript-eslint/require-await': 'off'
    }
  },
  {
    // Tests read bodies of a shape they assert on (res.json().code): typing
    // each one would repeat the assertion. Sources keep every unsafe-any rule.
    files: ['**/test/**/*.ts', '**/test-support/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off'
    }
  },
  {
    rules: {
      // `void promise` is how a deliberately unawaited call is marked for no-floating-promises
      'no-void': ['error', { allowAsStatement: true }],
      // loops on flags that a callback or an event sets (a load runner's `stopped`)
      'no-unmodified-loop-condition': 'off',
      '@stylistic/max-len': ['error', { code: 200, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }]
    }
  },
  {
    // The session store's policy (what a save becomes, which revision wins,
    // where a key lives, when a server counts as down) and its record format
    // are pure: no sockets, no files, no processes, the clock passed in. That
    // is what lets test/unit/ check each rule without memcached, and the
    // simulation (sim/) drive the same code deterministically. The I/O lives
    // in connection/ and replication/, which call the policy, never the other
    // way round; this keeps it so, as a lint error rather than a convention.
    files: ['packages/memcached-store/src/policy/**/*.ts', 'packages/memcached-store/src/record/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['net', 'tls', 'dgram', 'http', 'https', 'fs', 'fs/promises', 'child_process', 'memcache-client']
          .flatMap((name) => name === 'memcache-client' ? [name] : [`node:${name}`, name])
          .map((name) => ({ name, message: 'policy/ and record/ are pure (no I/O): do the I/O in connection/ or replication/ and pass the result in.' })),
        patterns: [{
          group: ['../connection/*', '../replication/*', '../framework/*', '../options/*', '../store.js', '../index.js'],
          message: 'policy/ and record/ are pure: they must not reach the I/O layers (connection/, replication/, framework/, the store) or options/ (which reads TLS files), which call them instead.'
        }]
      }]
    }
  },
  {
    // prom-client registers a metric in its constructor; one with collect() needs no other reference
    files: ['**/metrics.ts'],
    rules: { 'no-new': 'off' }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', parserOptions: { ecmaFeatures: { globalReturn: true } } }
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' } }
  }
)
