/**
 * The status a timed transition came from, given where it went. Timed
 * transitions never start at waiting, so `to` alone decides it.
 */
export function timedPredecessor(to: string): string {
  switch (to) {
    case 'drawing':
      return 'briefing';
    case 'voting':
      return 'drawing';
    case 'results':
      return 'voting';
    case 'briefing':
    case 'completed':
      return 'results';
    default:
      return 'unknown';
  }
}
