import { fileURLToPath } from 'node:url';

const at = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

export const repoRoot = at('');
export const monitoringDir = at('k8s/monitoring');
export const alertRulesPath = at('k8s/monitoring/alert-rules.yaml');
export const ruleTestsDir = at('k8s/monitoring/tests');
export const alertmanagerConfigPath = at('k8s/monitoring/alertmanager.yaml');
export const alertmanagerTemplatesPath = at('k8s/monitoring/sketchyaf.tmpl');
export const runbooksDir = at('runbooks/alerts');
export const incidentResponsePath = at('runbooks/incident-response.md');
export const metricsDocPath = at('docs/metrics.md');

/** Every alert's runbook_url is this plus `<alertname>.md`. */
export const runbookBaseUrl = 'https://github.com/sketchyaf/sketchyaf-realtime/blob/main/runbooks/alerts/';
