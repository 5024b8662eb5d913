import { beforeAll, describe, expect, it } from 'vitest';
import { callAs, type SignedIn, signInStaff } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

/** One set of query-parameter schemas: the same values parse the same way on every list, with clear messages. */
const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
let admin: SignedIn;

beforeAll(async () => {
  ({ admin } = await signInStaff(testApp()));
});

const get = (url: string) => callAs(testApp().app, admin, 'GET', url);

describe('regression: booleans accepted only true/false (1/0 refused with an invalid_union message)', () => {
  it('true/false and 1/0 both work; anything else is refused saying what is expected', async () => {
    const all = (await get('/catalogs?includeInactive=true')).json().total;
    expect((await get('/catalogs?includeInactive=1')).json().total).toBe(all);
    expect((await get('/catalogs?includeInactive=0')).json().total).toBe((await get('/catalogs')).json().total);
    const refused = await get('/catalogs?includeInactive=yes');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details[0]).toMatchObject({
      path: 'includeInactive',
      message: 'must be true or false (or 1 or 0)',
    });
  });
});

describe('regression: a repeated scalar parameter answered "expected number, received NaN"', () => {
  it('says the parameter was given more than once', async () => {
    const res = await get('/employees?limit=2&limit=3');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'limit', message: 'was given more than once', code: 'repeated_parameter' }],
    });
  });

  it('list parameters may still repeat', async () => {
    const skill = await callAs(testApp().app, admin, 'POST', '/catalogs', { type: 'skill', name: 'Repeatable' });
    const other = await callAs(testApp().app, admin, 'POST', '/catalogs', { type: 'skill', name: 'Repeated' });
    const res = await get(`/employees?skills=${skill.json().id}&skills=${other.json().id}`);
    expect(res.statusCode).toBe(200);
  });

  it('numbers that are not numbers say so', async () => {
    const res = await get('/employees?limit=ten');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ path: 'limit', message: 'must be a whole number' });
    expect((await get('/employees?limit=500')).json().error.details[0]).toMatchObject({
      message: 'must be at most 100',
    });
  });
});

describe('every validation failure names its field, says what is wrong and carries a code', () => {
  it('for each kind of query value', async () => {
    for (const url of [
      `/employees/${admin.id}/capacity?from=2026-02-01&to=2030-01-01`,
      '/employees?manager=abc',
      '/employees?sort=age',
      '/projects?member=abc',
      '/employees/0123456789abcdef01234567/capacity?from=2026-13-01',
      '/users?q=',
      '/audits?cursor=nonsense',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      for (const issue of res.json().error.details) {
        expect(issue, url).toEqual({ path: expect.any(String), message: expect.any(String), code: expect.any(String) });
        expect(issue.path, url).not.toBe('');
      }
    }
  });
});

describe('regression: /audits?actorId=abc silently matched nothing, and /audits?from= wanted an instant', () => {
  it('a malformed actor id is refused like every other id in a query', async () => {
    const res = await get('/audits?actorId=abc');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ path: 'actorId' });
    expect((await get('/audits?actorId=system')).statusCode).toBe(200);
    expect((await get(`/audits?actorId=${admin.id}`)).statusCode).toBe(200);
  });

  it('from and to take a day (the organisation’s timezone) as every other date filter does, or an instant', async () => {
    const now = clock();
    const today = clock.day();
    const mine = (await get(`/audits?actorId=${admin.id}&limit=100`)).json().items;
    expect(mine.length).toBeGreaterThan(0);
    // The organisation's timezone is UTC by default: today's entries are within today.
    const byDay = (await get(`/audits?actorId=${admin.id}&from=${today}&to=${today}&limit=100`)).json().items;
    expect(byDay.map((e: { seq: number }) => e.seq)).toEqual(
      mine.filter((e: { timestamp: string }) => e.timestamp.startsWith(today)).map((e: { seq: number }) => e.seq),
    );
    const yesterday = clock.day(-1);
    expect(
      (await get(`/audits?actorId=${admin.id}&to=${yesterday}`))
        .json()
        .items.filter((e: { timestamp: string }) => e.timestamp.startsWith(today)),
    ).toEqual([]);
    const instant = await get(`/audits?actorId=${admin.id}&from=${encodeURIComponent(now.toISOString())}`);
    expect(instant.statusCode).toBe(200);
    const wrong = await get('/audits?from=yesterday');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details[0]).toMatchObject({
      path: 'from',
      message: 'must be an ISO 8601 instant (2026-01-15T10:30:00Z) or a day (2026-01-15)',
    });
  });
});
