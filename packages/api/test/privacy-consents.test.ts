import { consentHistoryCollection, legalHoldsCollection } from '@seed-pms/db';
import { CONSENT_PURPOSES, isDomainError } from '@seed-pms/domain';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { useTestApp } from './support.js';
import { uploadFile } from './uploads.js';

const testApp = useTestApp(import.meta.url);

const call = (
  session: Pick<SignedIn, 'accessToken'> | null,
  method: RestMethod,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) => callAs(testApp().app, session, method, url, payload, headers);

const person = (options: { managerId?: string } = {}) => signInAs(testApp(), ['employee'], options);
const version = (purpose: keyof typeof CONSENT_PURPOSES) => CONSENT_PURPOSES[purpose].textVersion;

interface ConsentItem {
  purpose: string;
  granted: boolean;
  textVersion: string | null;
  currentTextVersion: string;
  changedAt: string | null;
  description: string;
  history: { granted: boolean; textVersion: string; at: string }[];
}

async function consentsOf(who: SignedIn): Promise<ConsentItem[]> {
  const response = await call(who, 'GET', '/privacy/consents');
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

function setConsent(who: SignedIn, purpose: string, granted: boolean, textVersion: string = version('profile.image')) {
  return call(who, 'PUT', `/privacy/consents/${purpose}`, { granted, textVersion }, { 'user-agent': 'consent-test/1' });
}

async function grant(who: SignedIn, purpose: keyof typeof CONSENT_PURPOSES) {
  const response = await setConsent(who, purpose, true, version(purpose));
  expect(response.statusCode, response.body).toBe(200);
}

let hr: SignedIn;
let admin: SignedIn;
beforeAll(async () => {
  hr = await signInAs(testApp(), ['hr']);
  admin = await signInAs(testApp(), ['admin']);
});

describe('consents', () => {
  it('lists every optional purpose, none granted until the person grants it', async () => {
    const me = await person();
    const items = await consentsOf(me);
    expect(items.map((i) => i.purpose)).toEqual(['profile.image', 'profile.birthday', 'email.digests']);
    for (const item of items) {
      expect(item).toEqual({
        purpose: item.purpose,
        granted: false,
        textVersion: null,
        currentTextVersion: CONSENT_PURPOSES[item.purpose as keyof typeof CONSENT_PURPOSES].textVersion,
        changedAt: null,
        description: expect.any(String),
        history: [],
      });
    }
  });

  it('records each change with its time and text version, append-only, and audits it', async () => {
    const me = await person();
    await grant(me, 'profile.image');
    const granted = (await consentsOf(me))[0];
    expect(granted).toMatchObject({ purpose: 'profile.image', granted: true, textVersion: version('profile.image') });
    expect(granted?.history).toEqual([
      { granted: true, textVersion: version('profile.image'), at: granted?.changedAt },
    ]);

    // Granting again changes nothing: no second history entry.
    await grant(me, 'profile.image');
    expect((await consentsOf(me))[0]?.history).toHaveLength(1);

    const withdrawn = await setConsent(me, 'profile.image', false);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    const item = withdrawn.json().items[0] as ConsentItem;
    expect(item.granted).toBe(false);
    expect(item.history.map((h) => h.granted)).toEqual([false, true]);

    // The stored history keeps the call's facts for proof; the other purposes are untouched.
    const stored = await testApp()
      .database.collection(consentHistoryCollection)
      .find({ purpose: 'profile.image' })
      .toArray();
    const mine = stored.filter((d) => d.userId.toHexString() === me.id);
    expect(mine).toHaveLength(2);
    expect(mine.every((d) => d.userAgent === 'consent-test/1' && typeof d.ip === 'string')).toBe(true);
    expect((await consentsOf(me)).filter((i) => i.purpose !== 'profile.image').every((i) => !i.granted)).toBe(true);

    const audits = await call(hr, 'GET', `/audits?resourceType=consent&resourceId=${me.id}`);
    expect(audits.statusCode).toBe(200);
    expect(audits.json().items.map((e: { action: string }) => e.action)).toEqual(['consent.withdraw', 'consent.grant']);
  });

  it('refuses a grant on a text version that is not the current one (409), and an unknown purpose', async () => {
    const me = await person();
    const outdated = await setConsent(me, 'profile.birthday', true, '1999-01-01');
    expect(outdated.statusCode).toBe(409);
    expect(outdated.json().error).toMatchObject({
      code: 'CONSENT_TEXT_OUTDATED',
      details: { purpose: 'profile.birthday', currentTextVersion: version('profile.birthday') },
    });
    expect((await consentsOf(me))[1]).toMatchObject({ granted: false, history: [] });

    const unknown = await setConsent(me, 'marketing.calls', true);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    const missing = await call(me, 'PUT', '/privacy/consents/profile.image', { granted: true });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('a withdrawal is always possible, whatever version the UI sent', async () => {
    const me = await person();
    await grant(me, 'email.digests');
    const response = await setConsent(me, 'email.digests', false, 'an-old-text');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().items[2]).toMatchObject({ granted: false, textVersion: version('email.digests') });
  });

  it('simultaneous identical grants make one change', async () => {
    const me = await person();
    const answers = await Promise.all(Array.from({ length: 6 }, () => setConsent(me, 'profile.image', true)));
    expect(answers.map((a) => a.statusCode).every((s) => s === 200)).toBe(true);
    expect((await consentsOf(me))[0]?.history).toHaveLength(1);
  });

  it('nobody else reads or changes your consents; anonymous callers are refused', async () => {
    expect((await call(null, 'GET', '/privacy/consents')).statusCode).toBe(401);
    // Each caller only ever sees their own: HR's answer does not carry anyone else's choice.
    const me = await person();
    await grant(me, 'profile.image');
    expect((await consentsOf(hr))[0]?.granted).toBe(false);
  });

  it('erasure deletes a person’s consents and their history', async () => {
    const me = await person();
    await grant(me, 'profile.image');
    await grant(me, 'profile.birthday');
    const services = await createServices(testApp().deps);
    expect(await services.consents.eraseFor(me.id)).toEqual({ consents: 2, history: 2 });
    expect((await consentsOf(me)).every((i) => !i.granted && i.history.length === 0)).toBe(true);
  });
});

describe('the directory and profiles honour consents', () => {
  async function png(): Promise<Buffer> {
    return sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .png()
      .toBuffer();
  }

  async function uploadImage(who: SignedIn) {
    const response = await uploadFile(testApp().app, who, `/employees/${who.id}/image`, await png(), {
      fileName: 'me.png',
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().image as { fileId: string };
  }

  const profile = async (viewer: SignedIn, id: string) => {
    const response = await call(viewer, 'GET', `/employees/${id}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const entry = async (viewer: SignedIn, who: SignedIn) => {
    const response = await call(viewer, 'GET', `/employees?q=${encodeURIComponent(who.email)}`);
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items as { id: string; image: unknown }[];
    return items.find((i) => i.id === who.id);
  };

  it('colleagues see a profile image only with the person’s consent; self, managers, HR and admins always', async () => {
    const boss = await person();
    const me = await person({ managerId: boss.id });
    const colleague = await person();
    const image = await uploadImage(me);

    for (const viewer of [me, boss, hr, admin]) {
      expect((await profile(viewer, me.id)).image?.fileId).toBe(image.fileId);
      expect((await entry(viewer, me))?.image).toMatchObject({ fileId: image.fileId });
    }
    expect((await profile(colleague, me.id)).image).toBeNull();
    expect((await entry(colleague, me))?.image).toBeNull();
    // Nor in a message thread with them.
    const thread = await call(colleague, 'POST', '/messages/threads', { participantId: me.id });
    expect(thread.statusCode, thread.body).toBe(200);
    expect(thread.json().participant.image).toBeNull();
    // Nor can the colleague reach the file by its id.
    expect((await call(colleague, 'GET', `/files/${image.fileId}`)).statusCode).toBe(404);

    await grant(me, 'profile.image');
    expect((await profile(colleague, me.id)).image?.fileId).toBe(image.fileId);
    const threads = (await call(colleague, 'GET', '/messages/threads')).json().items as {
      participant: { id: string; image: { fileId: string } | null };
    }[];
    expect(threads.find((t) => t.participant.id === me.id)?.participant.image?.fileId).toBe(image.fileId);
    expect((await entry(colleague, me))?.image).toMatchObject({ fileId: image.fileId });
    expect((await call(colleague, 'GET', `/files/${image.fileId}`)).statusCode).toBe(200);

    // Withdrawn: hidden again.
    expect((await setConsent(me, 'profile.image', false)).statusCode).toBe(200);
    expect((await entry(colleague, me))?.image).toBeNull();
  });

  it('colleagues see the birthday as day and month only, with consent; the full date stays for those who saw it', async () => {
    const boss = await person();
    const me = await person({ managerId: boss.id });
    const colleague = await person();
    const current = await profile(hr, me.id);
    const set = await call(hr, 'PATCH', `/employees/${me.id}`, {
      version: current.version,
      personal: { dateOfBirth: '1990-07-04' },
    });
    expect(set.statusCode, set.body).toBe(200);

    const before = await profile(colleague, me.id);
    expect(before.birthday).toBeNull();
    expect(before.personal).toBeUndefined();

    await grant(me, 'profile.birthday');
    const after = await profile(colleague, me.id);
    expect(after.birthday).toBe('07-04');
    expect(after.personal).toBeUndefined();
    expect(JSON.stringify(after)).not.toContain('1990');
    for (const viewer of [me, boss, hr]) {
      const seen = await profile(viewer, me.id);
      expect(seen.personal.dateOfBirth).toBe('1990-07-04');
      expect(seen.birthday).toBe('07-04');
    }
  });
});

describe('legal holds', () => {
  it('HR places, lists and releases holds; a second hold on the same person is 409; others are refused', async () => {
    const held = await person();
    const placed = await call(hr, 'POST', '/privacy/legal-holds', {
      userId: held.id,
      reason: 'Pending employment tribunal claim',
      reference: 'ET-2026-114',
    });
    expect(placed.statusCode, placed.body).toBe(201);
    expect(placed.json()).toMatchObject({
      userId: held.id,
      user: { id: held.id },
      reason: 'Pending employment tribunal claim',
      reference: 'ET-2026-114',
      placedBy: { id: hr.id },
    });

    const again = await call(admin, 'POST', '/privacy/legal-holds', { userId: held.id, reason: 'Another one' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'LEGAL_HOLD_EXISTS',
      details: { userId: held.id, heldSince: placed.json().placedAt, reference: 'ET-2026-114' },
    });

    const list = await call(admin, 'GET', '/privacy/legal-holds');
    expect(list.statusCode).toBe(200);
    expect(Object.keys(list.json())).toEqual(['items']);
    expect(list.json().items.map((h: { userId: string }) => h.userId)).toContain(held.id);

    const employee = await person();
    expect((await call(employee, 'GET', '/privacy/legal-holds')).statusCode).toBe(403);
    expect((await call(employee, 'POST', '/privacy/legal-holds', { userId: held.id, reason: 'x' })).statusCode).toBe(
      403,
    );
    expect((await call(employee, 'DELETE', `/privacy/legal-holds/${held.id}`)).statusCode).toBe(403);

    // Erasure asks the service, which refuses with why.
    const services = await createServices(testApp().deps);
    const refusal = await services.legalHolds.assertNotHeld(held.id).catch((error: unknown) => error);
    expect(isDomainError(refusal) && refusal.code).toBe('LEGAL_HOLD_ACTIVE');
    expect(isDomainError(refusal) && refusal.details).toEqual({
      userId: held.id,
      heldSince: placed.json().placedAt,
      reference: 'ET-2026-114',
    });
    expect(await services.legalHolds.assertNotHeld(employee.id)).toBeUndefined();

    const released = await call(admin, 'DELETE', `/privacy/legal-holds/${held.id}`);
    expect(released.statusCode, released.body).toBe(204);
    expect(released.body).toBe('');
    expect((await call(admin, 'DELETE', `/privacy/legal-holds/${held.id}`)).statusCode).toBe(404);
    await expect(services.legalHolds.assertNotHeld(held.id)).resolves.toBeUndefined();

    const audits = (await call(hr, 'GET', `/audits?resourceType=legalHold&resourceId=${held.id}`)).json().items;
    expect(audits.map((e: { action: string }) => e.action)).toEqual(['legalHold.release', 'legalHold.place']);
    expect(audits[0]).toMatchObject({ actorId: admin.id, details: { releasedBy: admin.id } });
    // The free-text reason stays out of the append-only trail.
    expect(JSON.stringify(audits)).not.toContain('tribunal');
  });

  it('simultaneous holds on one person: exactly one is placed', async () => {
    const held = await person();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(hr, 'POST', '/privacy/legal-holds', { userId: held.id, reason: `r${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const docs = await testApp().database.collection(legalHoldsCollection).find({}).toArray();
    expect(docs.filter((d) => d.userId.toHexString() === held.id)).toHaveLength(1);
  });

  it('an unknown person cannot be held (404); a malformed id is refused', async () => {
    const unknown = await call(hr, 'POST', '/privacy/legal-holds', { userId: '0123456789abcdef01234567', reason: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'User' } });
    expect((await call(hr, 'POST', '/privacy/legal-holds', { userId: 'nope', reason: 'x' })).statusCode).toBe(400);
    expect((await call(hr, 'DELETE', '/privacy/legal-holds/nope')).statusCode).toBe(404);
  });
});
