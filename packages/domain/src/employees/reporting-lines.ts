import { DomainError } from '../errors/domain-error.js';

/** Reporting lines deeper than this are refused (and stop any walk over bad data). */
export const MAX_REPORTING_DEPTH = 50;

/**
 * Checks that `employeeId` may report to `managerId`, given the new manager's
 * own chain upwards (their manager, that one's manager, …, as read from the
 * store). Refuses with 422 REPORTING_CYCLE when the change would make someone
 * their own direct or indirect manager, and with 422 REPORTING_TOO_DEEP when a
 * reporting line would grow past MAX_REPORTING_DEPTH people.
 */
export function checkReportingLine(
  employeeId: string,
  managerId: string,
  managerChain: readonly string[],
  /** Levels of reports below the person, who move along. */
  depthBelow = 0,
): void {
  if (managerId === employeeId) {
    throw new DomainError('REPORTING_CYCLE', 'Nobody can be their own manager', { employeeId, managerId });
  }
  const at = managerChain.indexOf(employeeId);
  if (at >= 0) {
    throw new DomainError('REPORTING_CYCLE', 'This change would make the person their own indirect manager', {
      employeeId,
      managerId,
      // From the new manager up to the person: the loop the change would close.
      loop: [managerId, ...managerChain.slice(0, at + 1)],
    });
  }
  // The person's line after the move: their managers' chain, the new manager, the person, and their reports.
  if (managerChain.length + 2 + depthBelow > MAX_REPORTING_DEPTH) {
    throw new DomainError('REPORTING_TOO_DEEP', `Reporting lines are limited to ${MAX_REPORTING_DEPTH} levels`, {
      field: 'managerId',
      managerId,
      limit: MAX_REPORTING_DEPTH,
      // The line the move would make: the managers above, the new manager, the person and their reports.
      levels: managerChain.length + 2 + depthBelow,
    });
  }
}
