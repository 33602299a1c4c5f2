// k6: the soak scenario of load-tests/scenarios.ts (its shape and thresholds
// come from there; `npm run load` runs the same shape with autocannon).
import type { Options } from 'k6/options';
import { ingestGames, k6Options, scenarioShapes } from '../scenarios.ts';
import { arrivalIteration, createGames, type SetupData } from './lib/common.ts';

const scenario = scenarioShapes(__ENV).soak;

export const options: Options = k6Options('soak', __ENV);

export function setup(): SetupData {
  return { gameIds: createGames(ingestGames) };
}

export default function soak(data: SetupData): void {
  arrivalIteration(scenario, data);
}
