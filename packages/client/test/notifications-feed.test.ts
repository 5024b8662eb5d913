import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signInAs } from '../../api/test/auth-helpers.js';
import { type TestApp, useTestApp } from '../../api/test/support.js';
import { type ApiClient, createClient, type RouterOutputs } from '../src/index.js';

/** Two API instances on one database and one Redis with one signing key, each on its own port. */
const env = {
  JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const first = useTestApp(import.meta.url, { redis: true, env });
const second = useTestApp(`${import.meta.url}#2`, { redis: true, env, sameDatabaseAs: first });

type Notification = RouterOutputs['notifications']['list']['items'][number];

const urls = new Map<() => TestApp, string>();
async function urlOf(instance: () => TestApp): Promise<string> {
  const known = urls.get(instance);
  if (known) return known;
  await instance().app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = instance().app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  urls.set(instance, url);
  return url;
}

function clientFor(url: string, who: SignedIn): ApiClient {
  return createClient({ url, getAccessToken: () => who.accessToken, EventSource });
}

/** A subscription collecting what it receives, with the event ids. */
function feed(client: ApiClient, lastEventId?: string) {
  const received: { id: string; data: Notification }[] = [];
  let started = false;
  const subscription = client.notifications.onNew.subscribe(lastEventId ? { lastEventId } : undefined, {
    onStarted: () => {
      started = true;
    },
    onData: (event) => received.push(event as { id: string; data: Notification }),
  });
  return {
    received,
    unsubscribe: () => subscription.unsubscribe(),
    async ready() {
      await until(() => started);
      // The server subscribes the feed as the stream starts; give it its moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let manager: SignedIn;

beforeAll(async () => {
  manager = await signInAs(first(), ['manager']);
});

afterAll(async () => {
  // The apps close themselves (their own afterAll); open streams end with them.
});

const reportOfManager = () => signInAs(first(), ['employee'], { managerId: manager.id });

describe('notifications.onNew over SSE', () => {
  it('delivers a decision made on one instance to the requester connected to the other, and resumes from lastEventId', async () => {
    const me = await reportOfManager();
    const onFirst = clientFor(await urlOf(first), manager);
    const onSecond = clientFor(await urlOf(second), me);
    const stream = feed(onSecond);
    await stream.ready();

    const day = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const request = await clientFor(await urlOf(first), me).workLocation.submit.mutate({
      type: 'wfh',
      startDate: day,
      endDate: day,
    });
    await onFirst.approvals.decide.mutate({ workflowId: request.workflowId as string, decision: 'approve' });
    await until(() => stream.received.length === 1);
    const [event] = stream.received;
    expect(event?.data).toMatchObject({ type: 'approval.decided', data: { workflowId: request.workflowId } });
    expect(event?.id).toBe(event?.data.id);
    stream.unsubscribe();

    // While nobody listens, two more arrive; a feed resuming from the last id gets exactly those, in order.
    const missed = [];
    for (const offset of [8, 9]) {
      const d = new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      const r = await clientFor(await urlOf(first), me).workLocation.submit.mutate({
        type: 'wfh',
        startDate: d,
        endDate: d,
      });
      await onFirst.approvals.decide.mutate({ workflowId: r.workflowId as string, decision: 'approve' });
      missed.push(r.workflowId);
    }
    const resumed = feed(clientFor(await urlOf(first), me), event?.id);
    await until(() => resumed.received.length === 2);
    expect(resumed.received.map((e) => e.data.data.workflowId)).toEqual(missed);
    // And it goes on live.
    const d = new Date(Date.now() + 12 * 86_400_000).toISOString().slice(0, 10);
    const live = await clientFor(await urlOf(second), me).workLocation.submit.mutate({
      type: 'wfh',
      startDate: d,
      endDate: d,
    });
    await clientFor(await urlOf(second), manager).approvals.decide.mutate({
      workflowId: live.workflowId as string,
      decision: 'reject',
      reason: 'Office day',
    });
    await until(() => resumed.received.length === 3);
    expect(resumed.received[2]?.data).toMatchObject({ data: { workflowId: live.workflowId, decision: 'reject' } });
    resumed.unsubscribe();
  });

  it('refuses a feed without a valid token, and never shows one person another’s notifications', async () => {
    const me = await reportOfManager();
    const other = await reportOfManager();
    const url = await urlOf(second);
    const errors: unknown[] = [];
    const anonymous = createClient({ url, EventSource }).notifications.onNew.subscribe(undefined, {
      onError: (error) => errors.push(error),
      onData: () => errors.push('data'),
    });
    const theirs = feed(clientFor(url, other));
    await theirs.ready();
    const day = new Date(Date.now() + 15 * 86_400_000).toISOString().slice(0, 10);
    const request = await clientFor(url, me).workLocation.submit.mutate({ type: 'wfh', startDate: day, endDate: day });
    const mine = feed(clientFor(url, me));
    await mine.ready();
    await clientFor(await urlOf(first), manager).approvals.decide.mutate({
      workflowId: request.workflowId as string,
      decision: 'approve',
    });
    await until(() => mine.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(theirs.received).toEqual([]);
    await until(() => errors.length > 0);
    expect(errors).not.toContain('data');
    anonymous.unsubscribe();
    mine.unsubscribe();
    theirs.unsubscribe();
  });
});
