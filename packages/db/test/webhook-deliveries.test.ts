import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../src/testing/vitest.js';
import { webhookDeliveriesCollection } from '../src/webhooks/webhook.doc.js';
import { createWebhookDeliveryRepository } from '../src/webhooks/webhook.repository.js';

const database = useTestDatabase(import.meta.url);
const repo = () => createWebhookDeliveryRepository(database().collection(webhookDeliveriesCollection));
const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const at = (ms: number) => new Date(t0.getTime() + ms);
const LEASE_MS = 60_000;

describe('due webhook deliveries', () => {
  it('are found however many older ones are held by an attempt, and a held one is due again once its lease ran out', async () => {
    const webhookId = new ObjectId().toHexString();
    for (let i = 0; i < 9; i += 1) {
      await repo().enqueue([webhookId], { eventId: `evt_${i}`, eventType: 'webhook.ping', body: `{"n":${i}}` }, at(i));
    }
    const now = at(1_000);
    const oldest = await repo().due(now, 8);
    expect(oldest.map((d) => d.eventId)).toEqual(Array.from({ length: 8 }, (_, i) => `evt_${i}`));
    for (const delivery of oldest) expect(await repo().claim(delivery, now, LEASE_MS)).not.toBeNull();

    // Eight held, the ninth still due: a sender asking for four finds it.
    expect((await repo().due(now, 4)).map((d) => d.eventId)).toEqual(['evt_8']);
    // Once the leases have run out (a sender that stopped), the held ones are due again, oldest first.
    const later = await repo().due(at(1_000 + LEASE_MS + 1), 3);
    expect(later.map((d) => d.eventId)).toEqual(['evt_0', 'evt_1', 'evt_2']);
  });
});
