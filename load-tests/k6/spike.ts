// k6: the spike scenario of load-tests/scenarios.ts (its shape and thresholds
// come from there; `npm run load` runs the same shape with autocannon).
import type { Options } from 'k6/options';
import { k6Options, knob, scenarioShapes, type K6SummaryData } from '../scenarios.ts';
import {
  arrivalIteration,
  cancelRun,
  createGames,
  preflight,
  summaryFiles,
  type SetupData,
} from './lib/common.ts';

const scenario = scenarioShapes(__ENV).spike;

export const options: Options = k6Options('spike', __ENV);

export function setup(): SetupData {
  const runId = preflight('spike');
  return { runId, gameIds: createGames(runId, knob(__ENV, 'LOAD_GAMES')) };
}

export function teardown(data: SetupData): void {
  cancelRun(data);
}

export function handleSummary(data: K6SummaryData): { [path: string]: string } {
  return summaryFiles('spike', data);
}

export default function spike(data: SetupData): void {
  arrivalIteration(scenario, data);
}
