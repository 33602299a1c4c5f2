// The unit lane (npm run test:unit): decisions and pure logic, no PostgreSQL,
// no Redis, no network; seconds. The convention is the file name: a test that
// needs none of those is `*.unit.test.ts`, and the default suite (.mocharc.json)
// runs it too. The guard fails any unit test that connects or starts a server;
// the leak check fails one that leaves a process timer running (timers left on
// a ManualClock are not process timers). Both load nothing that connects.
module.exports = {
  spec: ['test/**/*.unit.test.ts', 'packages/*/test/**/*.unit.test.ts', 'services/*/test/**/*.unit.test.ts'],
  require: ['packages/testkit/src/unitLaneGuard.ts', 'packages/testkit/src/leakCheck.ts'],
  reporter: 'packages/testkit/src/summaryReporter.cjs',
  timeout: 10000,
  exit: false,
};
