// The runtime control contract: the spec, the SketchyAFControl resource, sources and
// acknowledgements. Pure (zod and node: only) so that the CLI loads neither express nor pg;
// what a service runs to apply control lives in ./agent.ts (@sketchyaf/control/agent).
export {
  parseControlSpec,
  specDocument,
  specRevision,
  describeSpec,
  isPaused,
  pausable,
  defaultControlSpec,
  controlLimits,
  broadcastingModes,
  timerModes,
  ingestModes,
  type ControlSpec,
  type RelayControl,
  type BroadcastingMode,
  type TimerMode,
  type IngestMode,
  type Pausable,
  type SpecResult,
} from './controlSpec.ts';
export {
  parseControlDocument,
  defaultControlState,
  controlCollectionPath,
  controlGroup,
  controlVersion,
  controlApiVersion,
  controlKind,
  controlPlural,
  type ControlState,
  type DocumentResult,
} from './controlResource.ts';
export {
  ControlStateHolder,
  HeldControlSource,
  StaticControlSource,
  type ControlSource,
  type ControlSourceKind,
  type ControlSourceStatus,
} from './controlSource.ts';
export { parseAcknowledgement, type ControlAcknowledgement } from './acknowledgement.ts';
export { describeKubernetesError } from './kubernetesErrors.ts';
