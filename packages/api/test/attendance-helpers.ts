import type { FastifyInstance } from 'fastify';
import { callAs, type SignedIn } from './auth-helpers.js';

/** A correction of `day` to one start and one end (UTC times of day), as the person sends it; the response. */
export function askCorrection(
  app: FastifyInstance,
  who: SignedIn,
  day: string,
  reason: string,
  [start, end]: [string, string] = ['08:00', '16:00'],
) {
  return callAs(app, who, 'POST', '/attendance/corrections', {
    date: day,
    punches: [
      { type: 'start', at: `${day}T${start}:00.000Z` },
      { type: 'end', at: `${day}T${end}:00.000Z` },
    ],
    reason,
  });
}
