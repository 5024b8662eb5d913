import { DomainError } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeError } from '../src/http/errors.js';
import { createServices, type Services } from '../src/services.js';
import { internalContext } from '../src/trpc/internal-context.js';
import { createCallerFactory, idempotent, publicProcedure, router } from '../src/trpc/trpc.js';
import { bearer, createUser, login } from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);

/** A create mutation as later modules write them: its resolver wrapped in idempotent(). */
let created = 0;
const notes = router({
  create: publicProcedure
    .input(z.object({ text: z.string() }))
    .output(z.object({ id: z.number(), text: z.string() }))
    .mutation(
      idempotent(async ({ input }) => {
        if (input.text === 'fail') throw new DomainError('INVALID_STATE', 'refused');
        created += 1;
        return { id: created, text: input.text };
      }),
    ),
});
const createCaller = createCallerFactory(notes);

let services: Services;
beforeAll(async () => {
  services = await createServices(testApp().deps);
});

const ctx = (headers: Record<string, string>) =>
  internalContext({
    services,
    actor: { id: 'u1', email: 'u1@example.com', roles: ['employee'], sessionId: null, pending: [] },
    headers,
  });

describe('input validation through a procedure', () => {
  it('answers VALIDATION_FAILED with the field that is wrong', async () => {
    const error = await createCaller(ctx({}))
      .create({ text: 5 as unknown as string })
      .catch((e: unknown) => e);
    expect(describeError(error)).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'text', code: 'invalid_type' })],
    });
  });
});

describe('idempotent create mutations', () => {
  it('run once per Idempotency-Key; a repeat returns the first result', async () => {
    const caller = createCaller(ctx({ 'idempotency-key': 'key-1' }));
    const first = await caller.create({ text: 'hello' });
    const again = await caller.create({ text: 'hello' });
    expect(again).toEqual(first);
    expect(created).toBe(1);
  });

  it('run every time without the header', async () => {
    const caller = createCaller(ctx({}));
    const a = await caller.create({ text: 'x' });
    const b = await caller.create({ text: 'x' });
    expect(b.id).toBe(a.id + 1);
  });

  it('refuse the same key with another input (422) and a malformed key (400)', async () => {
    const caller = createCaller(ctx({ 'idempotency-key': 'key-2' }));
    await caller.create({ text: 'one' });
    await expect(caller.create({ text: 'two' })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    await expect(createCaller(ctx({ 'idempotency-key': 'has space' })).create({ text: 'x' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('free the key when the first attempt fails, so a retry runs', async () => {
    const caller = createCaller(ctx({ 'idempotency-key': 'key-3' }));
    await expect(caller.create({ text: 'fail' })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    await expect(caller.create({ text: 'fail' })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
  });
});

describe('regression: an Idempotency-Key replay of a create answered 200 instead of 201', () => {
  it('answers the replay with the first call’s status and body (the status is procedure meta, not resolver work)', async () => {
    const user = await createUser(testApp(), { roles: ['admin'] });
    const admin = await login(testApp().app, user.email);
    const create = () =>
      testApp().app.inject({
        method: 'POST',
        url: '/api/v1/catalogs',
        headers: { ...bearer(admin), 'idempotency-key': 'replayed-create' },
        payload: { type: 'skill', name: 'Replayed skill' },
      });
    const first = await create();
    const replay = await create();
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
  });
});
