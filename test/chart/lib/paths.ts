import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const chartDir = fileURLToPath(new URL('../../../charts/sketchyaf-realtime/', import.meta.url));
export const k8sDir = fileURLToPath(new URL('../../../k8s/', import.meta.url));
