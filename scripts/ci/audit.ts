// `npm audit` of production dependencies: fails on high or critical advisories.
// A registry without the audit endpoint (as on our build machines) is reported
// and does not fail the run: that is "not checked", not "clean".
import { spawnSync } from 'node:child_process';

const result = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report: { metadata?: { vulnerabilities?: Record<string, number> }; error?: { summary?: string } } = {};
try {
  report = JSON.parse(result.stdout || '{}') as typeof report;
} catch {
  report = {};
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why = report.error?.summary || result.stderr.trim().split('\n').pop() || 'no answer';
  console.log(`audit: NOT CHECKED: the registry's audit endpoint did not answer (${why})`);
  process.exit(0);
}
const serious = (counts['high'] ?? 0) + (counts['critical'] ?? 0);
console.log(`audit: production dependencies: ${JSON.stringify(counts)}`);
if (serious > 0) {
  console.log('audit: high or critical advisories; run `npm audit --omit=dev` for details');
  process.exit(1);
}
