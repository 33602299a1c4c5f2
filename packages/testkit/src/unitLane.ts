// Side-effect free: the global fixture imports this to refuse work in the unit
// lane without installing the lane's guard into the default suite.
export const unitLaneVariable = 'SKETCHYAF_UNIT_LANE';

/** Thrown where the unit lane refuses I/O; the message names what was tried. */
export class UnitLaneViolation extends Error {
  override name = 'UnitLaneViolation';
}

export function unitLaneMessage(what: string): string {
  return `the unit lane (npm run test:unit) ${what}: move this test to the default suite (npm test)`;
}

/** Throws inside the unit lane; the global fixture calls it before starting PostgreSQL. */
export function refuseInUnitLane(what: string): void {
  if (process.env[unitLaneVariable] === '1') throw new UnitLaneViolation(unitLaneMessage(what));
}
