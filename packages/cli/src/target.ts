import type { ControlSpec, ControlState } from '@sketchyaf/control';

/** One replica's acknowledgement, as the CLI prints it. */
export interface ReplicaProgress {
  name: string;
  component: string;
  state: string;
  appliedGeneration: number | null;
  detail: string;
}

/** How far the replicas are, from the health service (file) or the resource's status (cluster). */
export interface Progress {
  /** The generation this progress is about; null when nothing reported yet. */
  generation: number | null;
  applied: boolean;
  message: string;
  replicas: ReplicaProgress[];
}

/** Where the desired state lives: the CONTROL_FILE or the RealtimeControl resource. */
export interface ControlTarget {
  readonly description: string;
  read(): Promise<ControlState>;
  /** Writes the spec with the next generation; returns the state written. */
  write(spec: ControlSpec): Promise<ControlState>;
  progress(): Promise<Progress>;
}
