import { beforeAll, describe, expect, it } from 'vitest';
import { callAs, type SignedIn, signInAs, signInStaff } from './auth-helpers.js';
import { useTestApp } from './support.js';

/** Text in inputs as a class: refused cleanly where it cannot be a value, stored exactly where it is free text. */
const testApp = useTestApp(import.meta.url);
let admin: SignedIn;
let manager: SignedIn;
let projectId: string;

beforeAll(async () => {
  ({ admin } = await signInStaff(testApp()));
  manager = await signInAs(testApp(), ['manager']);
  const created = await callAs(testApp().app, manager, 'POST', '/projects', {
    name: 'Text input project',
    startDate: '2026-01-01',
  });
  expect(created.statusCode).toBe(201);
  projectId = created.json().id;
  const joined = await callAs(testApp().app, manager, 'POST', `/projects/${projectId}/roster`, {
    userId: manager.id,
    role: 'lead',
    allocationPercent: 10,
  });
  expect(joined.statusCode).toBe(201);
});

const get = (session: SignedIn, url: string) => callAs(testApp().app, session, 'GET', url);

describe('regression: a NUL byte in a search term answered 500', () => {
  const searches = () => [
    '/employees?q=a%00b',
    '/projects?q=a%00b',
    '/users?q=a%00b',
    '/catalogs?q=a%00b',
    `/projects/${projectId}/documents?q=a%00b`,
  ];

  it('is refused with 400 VALIDATION_FAILED naming the parameter, on every list that searches', async () => {
    for (const url of searches()) {
      const res = await get(admin, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ path: 'q', code: 'invalid_characters' })],
      });
    }
  });

  it('is refused over tRPC too', async () => {
    const input = encodeURIComponent(JSON.stringify({ q: 'a\u0000b' }));
    const res = await testApp().app.inject({
      method: 'GET',
      url: `/trpc/employees.list?input=${input}`,
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.data.error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('other control characters in a search term are refused as well (a search term is one line of text)', async () => {
    for (const q of ['a%01b', 'a%0Ab', 'a%09b', 'a%7Fb']) {
      const res = await get(admin, `/employees?q=${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.details[0]).toMatchObject({ path: 'q', code: 'invalid_characters' });
    }
  });
});

describe('regression: a lone surrogate was answered as sent on create and as U+FFFD on read', () => {
  it('is refused in any body field, names and free text alike, with the field named', async () => {
    const name = await callAs(testApp().app, admin, 'POST', '/catalogs', { type: 'skill', name: 'Go\ud800' });
    expect(name.statusCode).toBe(400);
    expect(name.json().error.details).toEqual([expect.objectContaining({ path: 'name', code: 'invalid_characters' })]);
    const body = await callAs(testApp().app, manager, 'POST', `/projects/${projectId}/comments`, { body: '\ud800x' });
    expect(body.statusCode).toBe(400);
    expect(body.json().error.details).toEqual([expect.objectContaining({ path: 'body', code: 'invalid_characters' })]);
  });

  it('NUL is refused in free text (it cannot be stored and read back everywhere)', async () => {
    const res = await callAs(testApp().app, manager, 'POST', `/projects/${projectId}/comments`, { body: 'a\u0000b' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ path: 'body', code: 'invalid_characters' });
  });

  it('free text is stored and read back exactly as sent: line breaks, tabs, other controls, emoji, combining marks', async () => {
    const text = 'line one\n\tindented \u0007 bell\r\nemoji 👩🏽‍💻 and cafe\u0301 and \ufffd as such';
    const created = await callAs(testApp().app, manager, 'POST', `/projects/${projectId}/comments`, { body: text });
    expect(created.statusCode).toBe(201);
    expect(created.json().body).toBe(text);
    const listed = await get(manager, `/projects/${projectId}/comments`);
    expect(listed.json().items.map((c: { body: string }) => c.body)).toContain(text);
  });
});
