// What a service runs to apply runtime control: the agent, its sources, metrics and settings.
// Separate from index.ts because it builds on @sketchyaf/core (logger, metrics), which loads
// express and pg; the Kubernetes source is a further subpath, loaded only when used.
export { FileControlSource, type FileControlSourceOptions } from './fileControlSource.ts';
export { ControlAgent, type ControlApplier, type ControlAgentOptions } from './controlAgent.ts';
export { createControlMetrics, type ControlMetrics } from './controlMetrics.ts';
export { controlEnvShape, controlSettingsOf, type ControlSettings } from './controlConfig.ts';
export {
  openControlSource,
  serviceAccountNamespaceFile,
  type OpenControlSourceOptions,
} from './openControlSource.ts';
export { createControlAgent, startControlAgent, type StartControlAgentOptions } from './startControlAgent.ts';
export type { KubeConfig } from '@kubernetes/client-node';
