import { describe, expect, it } from 'vitest';
import { serviceInternals } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

describe('expense categories', () => {
  it('start with the defaults, inserted once however many ask at once', async () => {
    const people = await Promise.all([1, 2, 3, 4].map(() => signInAs(testApp())));
    const lists = await Promise.all(people.map((p) => call(p, 'GET', '/expenses/categories')));
    for (const list of lists) expect(list.statusCode).toBe(200);
    const codes = lists[0]?.json().items.map((c: { code: string }) => c.code);
    expect(codes.sort()).toEqual(['ACCOMMODATION', 'EQUIPMENT', 'MEALS', 'OTHER', 'TRAINING', 'TRAVEL']);
    const meals = lists[0]?.json().items.find((c: { code: string }) => c.code === 'MEALS');
    expect(meals).toMatchObject({
      perItemLimitMinor: 10_000,
      perMonthLimitMinor: 40_000,
      receiptRequiredAboveMinor: 2_500,
      currency: 'EUR',
      archived: false,
    });
  });

  it('admins add, change and archive them; names and codes are unique; versions guard changes', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const employee = await signInAs(testApp());
    const body = { name: 'Client gifts', code: 'GIFTS', perItemLimitMinor: 5_000 };
    expect((await call(employee, 'POST', '/expenses/categories', body)).statusCode).toBe(403);
    const created = await call(admin, 'POST', '/expenses/categories', body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      ...body,
      perMonthLimitMinor: null,
      receiptRequiredAboveMinor: 0,
      version: 1,
    });
    const twice = await call(admin, 'POST', '/expenses/categories', { ...body, name: 'client GIFTS', code: 'G2' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'name' } });
    const floats = await call(admin, 'POST', '/expenses/categories', {
      ...body,
      name: 'Floats',
      code: 'FL',
      perItemLimitMinor: 12.5,
    });
    expect(floats.statusCode).toBe(400);

    const id = created.json().id;
    const changed = await call(admin, 'PATCH', `/expenses/categories/${id}`, {
      version: 1,
      perMonthLimitMinor: 20_000,
    });
    expect(changed.json()).toMatchObject({ perMonthLimitMinor: 20_000, version: 2 });
    const stale = await call(admin, 'PATCH', `/expenses/categories/${id}`, { version: 1, name: 'Old' });
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    expect(
      (await call(employee, 'PATCH', `/expenses/categories/${id}`, { version: 2, archived: true })).statusCode,
    ).toBe(403);
    await call(admin, 'PATCH', `/expenses/categories/${id}`, { version: 2, archived: true });
    const active = (await call(employee, 'GET', '/expenses/categories')).json().items;
    expect(active.map((c: { id: string }) => c.id)).not.toContain(id);
    const all = (await call(employee, 'GET', '/expenses/categories?includeArchived=true')).json().items;
    expect(all.find((c: { id: string }) => c.id === id)).toMatchObject({ archived: true });
    const audit = (await call(admin, 'GET', '/audits?resourceType=expense_category')).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['expense-category.create', 'expense-category.update']),
    );
  });
});

describe('exchange rates', () => {
  it('admins set them, Finance reads them, the rate in force on a day converts half to even, none is a clear 422', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const finance = await signInAs(testApp(), ['finance']);
    const employee = await signInAs(testApp());
    const day = (n: number) => clock.day(n);
    const rates = [
      { currency: 'USD', date: day(-10), rate: '0.9' },
      { currency: 'USD', date: day(-3), rate: '0.925' },
      { currency: 'JPY', date: day(-10), rate: '0.0061' },
    ];
    expect((await call(finance, 'PUT', '/admin/exchange-rates', { rates })).statusCode).toBe(403);
    const put = await call(admin, 'PUT', '/admin/exchange-rates', { rates });
    expect(put.statusCode).toBe(200);
    expect(put.json().items[0]).toMatchObject({ currency: 'USD', base: 'EUR', updatedBy: admin.id });
    // Set again for the same day: replaced, not added.
    await call(admin, 'PUT', '/admin/exchange-rates', { rates: [{ currency: 'USD', date: day(-3), rate: '0.95' }] });
    const listed = (await call(finance, 'GET', '/admin/exchange-rates?currency=USD')).json().items;
    expect(listed.map((r: { date: string; rate: string }) => [r.date, r.rate])).toEqual([
      [day(-10), '0.9'],
      [day(-3), '0.95'],
    ]);
    expect((await call(employee, 'GET', '/admin/exchange-rates')).statusCode).toBe(403);

    const bad = async (entry: Record<string, unknown>) =>
      (
        await call(admin, 'PUT', '/admin/exchange-rates', {
          rates: [{ currency: 'GBP', date: day(0), rate: '1.1', ...entry }],
        })
      ).statusCode;
    expect(await bad({ rate: '1,1' })).toBe(400);
    expect(await bad({ rate: '0' })).toBe(400);
    expect(await bad({ currency: 'XYZ' })).toBe(400);
    expect(await bad({ currency: 'EUR' })).toBe(400);
    expect(
      (
        await call(admin, 'PUT', '/admin/exchange-rates', {
          rates: [
            { currency: 'GBP', date: day(0), rate: '1.1' },
            { currency: 'GBP', date: day(0), rate: '1.2' },
          ],
        })
      ).statusCode,
    ).toBe(400);

    const expenses = (await serviceInternals(testApp().deps)).expenseSetup;
    // 10.05 USD on day −5: the rate of day −10 (0.9) → 9.045 EUR → 9.04 (half to even).
    expect(await expenses.toBase({ minor: 1005, currency: 'USD' }, day(-5), clock())).toEqual({
      amount: { minor: 904, currency: 'EUR' },
      rate: '0.9',
      rateDate: day(-10),
    });
    // From day −3 on, 0.95: 10.05 USD → 9.5475 → 9.55.
    expect((await expenses.toBase({ minor: 1005, currency: 'USD' }, day(0), clock())).amount.minor).toBe(955);
    expect((await expenses.toBase({ minor: 1500, currency: 'JPY' }, day(0), clock())).amount.minor).toBe(915);
    expect((await expenses.toBase({ minor: 1500, currency: 'EUR' }, day(0), clock())).amount.minor).toBe(1500);
    await expect(expenses.toBase({ minor: 100, currency: 'USD' }, day(-20), clock())).rejects.toMatchObject({
      code: 'EXCHANGE_RATE_MISSING',
      details: { currency: 'USD', base: 'EUR', date: day(-20) },
    });
    const audit = (await call(admin, 'GET', '/audits?resourceType=exchange_rates')).json();
    expect(audit.items.some((e: { action: string }) => e.action === 'exchange-rates.put')).toBe(true);

    // Another base currency: the rates set against EUR no longer apply.
    const settings = (await call(admin, 'GET', '/settings')).json();
    expect(settings.finance).toEqual({ baseCurrency: 'EUR' });
    expect(
      (await call(admin, 'PATCH', '/settings', { version: settings.version, finance: { baseCurrency: 'eur' } }))
        .statusCode,
    ).toBe(400);
    const usd = await call(admin, 'PATCH', '/settings', {
      version: settings.version,
      finance: { baseCurrency: 'USD' },
    });
    expect(usd.statusCode).toBe(200);
    try {
      expect((await call(finance, 'GET', '/admin/exchange-rates')).json().items).toEqual([]);
      await expect(expenses.toBase({ minor: 100, currency: 'EUR' }, day(0), clock())).rejects.toMatchObject({
        code: 'EXCHANGE_RATE_MISSING',
      });
    } finally {
      await call(admin, 'PATCH', '/settings', { version: usd.json().version, finance: { baseCurrency: 'EUR' } });
    }
  });
});
