// Commands of the docs that test/docs/examples.test.ts does not run, and why.
// Reviewed list: a command of a doc that is neither run nor matched here fails
// the test, and so does an entry that no command matches any more.
// A command matches when, without its leading NAME=value words, it starts
// with one of `prefixes` (whole words) and its doc is one of `files`.
// Exempted commands are still checked: the npm script exists in the named
// package.json, the paths they name exist, the NAME=value variables are read
// by the code, and a subcommand of a CLI of this repository is in its --help.

export interface Exemption {
  files: readonly string[];
  prefixes: readonly string[];
  reason: string;
}

export const exemptions: readonly Exemption[] = [
  { files: ['README.md'], prefixes: ['npm ci'], reason: 'installs the dependencies this test runs on' },
  {
    files: [
      'README.md',
      'services/broadcaster/README.md',
      'services/health/README.md',
      'packages/pubnub-local/README.md',
    ],
    prefixes: ['npm start', 'npx pubnub-local'],
    reason:
      'runs until Ctrl-C; the test starts the same services in-process and runs the examples against them',
  },
  { files: ['README.md'], prefixes: ['npm test'], reason: 'the suite this test is part of' },
  {
    files: ['README.md'],
    prefixes: ['npm run test:unit', 'node scripts/dev/architectureCounts.ts'],
    reason:
      'a subset of npm test (test/unitLane/unitLane.test.ts runs its guard), and a report of the sources',
  },
  {
    files: ['README.md', 'docs/reliability.md', 'packages/pubnub-local/README.md', 'docs/database-roles.md'],
    prefixes: ['npm run test:faults', 'npx mocha'],
    reason: 'other test files (fault scenarios take ~9 min); .ci/run runs them',
  },
  {
    files: ['README.md', 'docs/performance.md'],
    prefixes: ['npm run bench', 'npm run load', 'node load-tests/gameBackend/main.ts', 'k6 run'],
    reason: 'benchmarks and load tests: minutes of full load (k6 is not installed by npm ci)',
  },
  {
    files: ['README.md'],
    prefixes: [
      'npm run typecheck',
      'npm run lint',
      'npm run format',
      'npm run db:schema',
      'scripts/helm/sync-rules.sh',
    ],
    reason: 'whole-repository checks that npm test runs itself, or rewrite tracked files',
  },
  {
    files: ['README.md'],
    prefixes: ['npm run test:workspaces'],
    reason: "the workspaces' suites again, one workspace at a time (npm test runs them all at once)",
  },
  {
    files: ['README.md'],
    prefixes: ['npx lerna', 'npm run release:version'],
    reason:
      'lerna version commits and tags a release; test/workspaces/lerna.test.ts runs lerna list, lerna version (in a scratch repository) and lerna run build',
  },
  {
    files: ['packages/cli/README.md'],
    prefixes: ['kubectl', 'npx sketchyaf-realtime'],
    reason:
      'a cluster, the control file of npm start and its acknowledgements, a game id (packages/cli/test runs the CLI)',
  },
  {
    files: ['README.md'],
    prefixes: ['npx sketchyaf-realtime control'],
    reason:
      "edits npm start's control file and waits for every replica's acknowledgement (packages/cli tests run it)",
  },
  {
    files: ['README.md', 'docs/migrations.md'],
    prefixes: ['npm run migrate'],
    reason:
      'migrates the database it names; every test database is cloned from a template those migrations built',
  },
  {
    files: ['README.md'],
    prefixes: ['apt-get install'],
    reason: 'system packages, as root',
  },
  {
    files: ['charts/sketchyaf-realtime/README.md'],
    prefixes: ['helm upgrade'],
    reason: 'installs the chart on a cluster; test/chart renders and lints the same values',
  },
  {
    files: ['docs/leases.md'],
    prefixes: ['redis-cli'],
    reason: 'reads the lease keys of a running timer monitor with Redis leases',
  },
];

/** Docs whose `sql` blocks a test runs against a real PostgreSQL: doc -> that test (it must read the doc). */
export const sqlBlocksRunBy: Readonly<Record<string, string>> = {
  'docs/database-roles.md': 'test/database/runtimeRoles.test.ts',
  'db/README.md': 'test/database/dbReadme.test.ts',
};
