import { DomainError, ERROR_CODE_LIST, ERROR_CODES, errorCodeForStatus, httpStatusOf } from '@seed-pms/domain';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeError, errorResponse, trpcCodeForStatus } from '../src/http/errors.js';

/** Spec 7.2: every status it names, and a code that answers with it. */
const SPEC_STATUSES: [number, string][] = [
  [400, 'VALIDATION_FAILED'],
  [401, 'UNAUTHENTICATED'],
  [403, 'FORBIDDEN'],
  [404, 'NOT_FOUND'],
  [409, 'VERSION_CONFLICT'],
  [422, 'INSUFFICIENT_BALANCE'],
  [429, 'RATE_LIMITED'],
  [500, 'INTERNAL_ERROR'],
  [502, 'UPSTREAM_FAILED'],
  [503, 'SERVICE_UNAVAILABLE'],
];

describe('error mapping', () => {
  it.each(SPEC_STATUSES)('status %i: a DomainError %s answers with it, on REST and in tRPC', (status, code) => {
    const error = new DomainError(code as never, 'message', { hint: 1 });
    const described = describeError(error);
    expect(described.status).toBe(status);
    expect(described.code).toBe(code);
    // tRPC clients see the same status through the tRPC code it maps to.
    const trpcCode = trpcCodeForStatus(status);
    expect(describeError(new TRPCError({ code: trpcCode, message: 'm', cause: error })).status).toBe(status);
  });

  it('every error code maps to a 4xx or 5xx status, and the mapping is stable', () => {
    for (const code of ERROR_CODE_LIST) {
      const status = httpStatusOf(code);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
    expect(ERROR_CODES.CAPACITY_EXCEEDED).toBe(409);
    expect(ERROR_CODES.INVALID_STATE).toBe(422);
    expect(errorCodeForStatus(418)).toBe('MALFORMED_REQUEST');
    expect(errorCodeForStatus(504)).toBe('INTERNAL_ERROR');
  });

  it('input validation becomes 400 VALIDATION_FAILED with the field issues', () => {
    const parsed = z.object({ name: z.string().min(3), age: z.number() }).safeParse({ name: 'x', age: 'old' });
    const described = describeError(new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }));
    expect(described.status).toBe(400);
    expect(described.code).toBe('VALIDATION_FAILED');
    expect(described.details).toEqual([
      expect.objectContaining({ path: 'name', code: 'too_small' }),
      expect.objectContaining({ path: 'age', code: 'invalid_type' }),
    ]);
  });

  it('a failed output schema is our fault: 500, without the schema issues', () => {
    const parsed = z.object({ passwordHash: z.never() }).safeParse({ passwordHash: 'x' });
    const described = describeError(
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Output validation failed', cause: parsed.error }),
    );
    expect(described).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', internal: true });
    expect(described.details).toBeUndefined();
  });

  it('a plain error, or a tRPC internal error, is a 500 that says nothing about internals', () => {
    for (const error of [
      new Error('secret detail'),
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'secret detail' }),
    ]) {
      const described = describeError(error);
      expect(described).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', internal: true });
      expect(described.message).not.toContain('secret');
    }
    expect(describeError('a string').status).toBe(500);
  });

  it('Fastify errors keep their status with our codes', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(describeError(tooLarge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const limited = Object.assign(new Error('Too many requests'), { statusCode: 429 });
    expect(describeError(limited)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });

  it('builds the spec envelope', () => {
    const body = errorResponse(describeError(new DomainError('NOT_FOUND', 'Project not found')), {
      requestId: 'r1',
      path: '/api/v1/projects/1',
    });
    expect(body).toEqual({
      success: false,
      error: {
        code: 'NOT_FOUND',
        message: 'Project not found',
        timestamp: expect.any(String),
        requestId: 'r1',
        path: '/api/v1/projects/1',
      },
    });
  });
});
