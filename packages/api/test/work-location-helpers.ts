import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { callAs, type SignedIn } from './auth-helpers.js';

/** A WFH request from `startDate` to `endDate` (one day by default), which must be accepted; its view. */
export async function askWfh(app: FastifyInstance, who: SignedIn, startDate: string, endDate = startDate) {
  const created = await callAs(app, who, 'POST', '/work-location/requests', { type: 'wfh', startDate, endDate });
  expect(created.statusCode).toBe(201);
  return created.json();
}
