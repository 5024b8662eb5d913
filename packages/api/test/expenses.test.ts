import { describe, expect, it } from 'vitest';
import { bearer, callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

/** A receipt of the smallest kind file-type recognises as a PDF. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

function upload(session: SignedIn, url: string, body: Buffer, fileName = 'receipt.pdf') {
  const boundary = '----seedpmsreceipt';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return testApp().app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: { ...bearer(session), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([Buffer.from(head), body, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  });
}

async function categoryId(session: SignedIn, code: string): Promise<string> {
  const list = (await call(session, 'GET', '/expenses/categories')).json();
  return list.items.find((c: { code: string }) => c.code === code).id;
}

/** A category of its own per test, so limits never meet another test's claims. */
async function newCategory(admin: SignedIn, fields: Record<string, unknown>): Promise<string> {
  const code = `C${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  const created = await call(admin, 'POST', '/expenses/categories', {
    name: `Category ${code}`,
    code,
    receiptRequiredAboveMinor: null,
    ...fields,
  });
  expect(created.statusCode).toBe(201);
  return created.json().id;
}

const claimBody = (category: string, minor: number, extra: Record<string, unknown> = {}) => ({
  categoryId: category,
  amount: { minor, currency: 'EUR' },
  expenseDate: clock.day(-2),
  description: 'Train to the client',
  ...extra,
});

describe('claims through Finance, then the CEO', () => {
  it('a draft is changed, submitted, approved in order, reimbursed; the CEO cannot go first; nobody decides their own', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const finance = await signInAs(testApp(), ['finance']);
    const ceo = await signInAs(testApp(), ['ceo']);
    const travel = await newCategory(admin, { perItemLimitMinor: 100_000 });

    const draft = await call(me, 'POST', '/expenses', claimBody(travel, 12_000));
    expect(draft.statusCode).toBe(201);
    expect(draft.json()).toMatchObject({
      status: 'draft',
      amount: { minor: 12_000, currency: 'EUR', formatted: '120.00' },
      baseAmount: { minor: 12_000, currency: 'EUR' },
      limits: null,
      workflowId: null,
      version: 1,
    });
    const id = draft.json().id;
    // Finance cannot act on a draft, nor see it.
    expect((await call(finance, 'GET', `/expenses/${id}`)).statusCode).toBe(404);
    const changed = await call(me, 'PATCH', `/expenses/${id}`, {
      version: 1,
      amount: { minor: 15_000, currency: 'EUR' },
    });
    expect(changed.json()).toMatchObject({ amount: { minor: 15_000 }, version: 2 });
    const stale = await call(me, 'PATCH', `/expenses/${id}`, { version: 1, description: 'Old' });
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');

    const submitted = await call(me, 'PATCH', `/expenses/${id}`, { version: 2, action: 'submit' });
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json()).toMatchObject({
      status: 'submitted',
      limits: { perItem: { limitMinor: 100_000, amountMinor: 15_000, exceeded: false }, overLimit: false },
      approval: { state: 'pending', currentStage: { name: 'Finance' } },
    });
    expect(submitted.json().submittedAt).toBe(clock().toISOString());
    expect((await call(me, 'PATCH', `/expenses/${id}`, { version: 3, description: 'Late' })).json().error.code).toBe(
      'EXPENSE_NOT_DRAFT',
    );

    const early = await call(ceo, 'POST', `/expenses/${id}/ceo-approve`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({
      code: 'STAGE_NOT_REACHED',
      details: { stage: 'CEO', currentStage: 'Finance' },
    });
    expect((await call(me, 'POST', `/expenses/${id}/finance-approve`, {})).json().error.code).toBe('SELF_APPROVAL');
    // The CEO is not asked yet and holds no Finance role: the claim is not theirs to see.
    expect((await call(ceo, 'POST', `/expenses/${id}/finance-approve`, {})).statusCode).toBe(404);

    const byFinance = await call(finance, 'POST', `/expenses/${id}/finance-approve`, { comment: 'Fine' });
    expect(byFinance.statusCode).toBe(200);
    expect(byFinance.json()).toMatchObject({ status: 'financeApproved', approval: { currentStage: { name: 'CEO' } } });
    expect(byFinance.json().financeApprovedAt).toBe(clock().toISOString());
    const filtered = (await call(finance, 'GET', '/expenses?status=financeApproved')).json();
    expect(filtered.items.map((c: { id: string }) => c.id)).toContain(id);
    expect(
      (await call(finance, 'GET', '/expenses?status=submitted')).json().items.map((c: { id: string }) => c.id),
    ).not.toContain(id);

    const early2 = await call(finance, 'POST', `/expenses/${id}/reimburse`, { paidOn: clock.day(), reference: 'X' });
    expect(early2.json().error).toMatchObject({ code: 'EXPENSE_NOT_APPROVED', details: { status: 'financeApproved' } });

    const approved = await call(ceo, 'POST', `/expenses/${id}/ceo-approve`, {});
    expect(approved.json()).toMatchObject({ status: 'approved', approval: { state: 'approved' } });
    expect((await call(ceo, 'POST', `/expenses/${id}/ceo-approve`, {})).statusCode).toBe(409);

    const paid = await call(finance, 'POST', `/expenses/${id}/reimburse`, { paidOn: clock.day(), reference: 'PAY-1' });
    expect(paid.json()).toMatchObject({
      status: 'reimbursed',
      reimbursement: { paidOn: clock.day(), reference: 'PAY-1', by: { id: finance.id } },
    });
    expect(
      (await call(me, 'POST', `/expenses/${id}/reimburse`, { paidOn: clock.day(), reference: 'Y' })).statusCode,
    ).toBe(403);
    const told = (await call(me, 'GET', '/notifications')).json().items;
    expect(told.find((n: { type: string }) => n.type === 'expense.reimbursed')).toMatchObject({
      title: 'Your claim of 150.00 EUR was paid',
      link: `/expenses/${id}`,
      actor: { id: finance.id },
      data: { expenseId: id },
    });

    const detail = (await call(me, 'GET', `/expenses/${id}`)).json();
    expect(detail.workflow.decisions.map((d: { by: { id: string } }) => d.by.id)).toEqual([finance.id, ceo.id]);
    const audit = (await call(admin, 'GET', `/audits?resourceType=expense`)).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['expense.create', 'expense.update', 'expense.submit', 'expense.reimburse']),
    );

    // Finance's own claim: not theirs to decide; and whoever decided Finance's stage is not also the CEO.
    const both = await signInAs(testApp(), ['finance', 'ceo']);
    const own = (await call(finance, 'POST', '/expenses', claimBody(travel, 5_000, { submit: true }))).json();
    expect((await call(finance, 'POST', `/expenses/${own.id}/finance-approve`, {})).json().error.code).toBe(
      'SELF_APPROVAL',
    );
    expect((await call(both, 'POST', `/expenses/${own.id}/finance-approve`, {})).statusCode).toBe(200);
    const twice = await call(both, 'POST', `/expenses/${own.id}/ceo-approve`, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({ code: 'ONE_STAGE_PER_APPROVER', details: { decidedStage: 'Finance' } });
    const rejected = await call(ceo, 'POST', `/expenses/${own.id}/ceo-reject`, { reason: 'Not a business trip' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', rejectionReason: 'Not a business trip' });
    expect((await call(ceo, 'POST', `/expenses/${own.id}/ceo-reject`, {})).statusCode).toBe(400);
  });

  it('two simultaneous submissions of one draft submit it once; two payments of one claim pay once', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const finance = await signInAs(testApp(), ['finance']);
    const ceo = await signInAs(testApp(), ['ceo']);
    const category = await newCategory(admin, {});
    const { id } = (await call(me, 'POST', '/expenses', claimBody(category, 2_000))).json();
    const submits = await Promise.all(
      [1, 2, 3].map(() => call(me, 'PATCH', `/expenses/${id}`, { version: 1, action: 'submit' })),
    );
    expect(submits.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const queue = (await call(finance, 'GET', '/expenses/approvals?limit=100')).json();
    expect(queue.claims.items.filter((c: { id: string }) => c.id === id)).toHaveLength(1);
    expect((await call(me, 'GET', `/expenses/${id}`)).json()).toMatchObject({ status: 'submitted', version: 2 });

    await call(finance, 'POST', `/expenses/${id}/finance-approve`, {});
    await call(ceo, 'POST', `/expenses/${id}/ceo-approve`, {});
    const pays = await Promise.all(
      ['A', 'B', 'C'].map((reference) =>
        call(finance, 'POST', `/expenses/${id}/reimburse`, { paidOn: clock.day(), reference }),
      ),
    );
    expect(pays.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const paid = (await call(me, 'GET', `/expenses/${id}`)).json();
    expect(paid.status).toBe('reimbursed');
    expect(pays.find((r) => r.statusCode === 200)?.json().reimbursement.reference).toBe(paid.reimbursement.reference);
  });
});

describe('limits and routing', () => {
  it('past a limit is not refused: the claim shows the limit, and a strict policy sends only those to the CEO', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const finance = await signInAs(testApp(), ['finance']);
    const category = await newCategory(admin, { perItemLimitMinor: 10_000, perMonthLimitMinor: 25_000 });

    const policy = await call(admin, 'PUT', '/admin/approval-policies/expense', {
      version: 0,
      mode: 'strict',
      stages: [
        { name: 'Finance', approvers: ['finance'], rule: 'any' },
        { name: 'CEO (over limit)', approvers: ['ceo'], rule: 'any', when: { overLimit: true } },
      ],
    });
    expect(policy.statusCode).toBe(200);
    try {
      const within = (await call(me, 'POST', '/expenses', claimBody(category, 9_000, { submit: true }))).json();
      expect(within.limits).toMatchObject({ overLimit: false, perMonth: { monthMinor: 9_000, limitMinor: 25_000 } });
      const over = (await call(me, 'POST', '/expenses', claimBody(category, 12_000, { submit: true }))).json();
      expect(over.status).toBe('submitted');
      expect(over.limits).toMatchObject({
        overLimit: true,
        perItem: { limitMinor: 10_000, amountMinor: 12_000, exceeded: true },
        perMonth: { monthMinor: 21_000, exceeded: false },
      });
      // The month counts pending claims: the third passes the month's limit though within the item's.
      const third = (await call(me, 'POST', '/expenses', claimBody(category, 5_000, { submit: true }))).json();
      expect(third.limits).toMatchObject({
        overLimit: true,
        perItem: { exceeded: false },
        perMonth: { monthMinor: 26_000, exceeded: true },
      });

      expect((await call(finance, 'POST', `/expenses/${within.id}/finance-approve`, {})).json().status).toBe(
        'approved',
      );
      const overAfterFinance = (await call(finance, 'POST', `/expenses/${over.id}/finance-approve`, {})).json();
      expect(overAfterFinance).toMatchObject({
        status: 'financeApproved',
        approval: { currentStage: { name: 'CEO (over limit)' } },
      });
      // Under the strict policy, a claim within the limits has no CEO stage.
      const noCeo = await call(await signInAs(testApp(), ['ceo']), 'POST', `/expenses/${within.id}/ceo-approve`, {});
      expect(noCeo.json().error).toMatchObject({ code: 'STAGE_NOT_IN_WORKFLOW', details: { stage: 'ceo' } });
    } finally {
      const current = (await call(admin, 'GET', '/admin/approval-policies/expense')).json();
      await call(admin, 'PUT', '/admin/approval-policies/expense', { version: current.version, mode: 'simple' });
    }
  });

  it('the month limit counts claims submitted at the same time: of two that fit alone, one is over', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const category = await newCategory(admin, { perMonthLimitMinor: 10_000 });
    const claims = await Promise.all(
      [6_000, 6_000].map((minor) => call(me, 'POST', '/expenses', claimBody(category, minor, { submit: true }))),
    );
    for (const claim of claims) expect(claim.statusCode).toBe(201);
    const months = claims.map((c) => c.json().limits.perMonth);
    expect(months.map((m) => m.monthMinor).sort((a, b) => a - b)).toEqual([6_000, 12_000]);
    expect(months.filter((m) => m.exceeded)).toHaveLength(1);
    // Cancelled and rejected claims do not count.
    const first = claims.find((c) => c.json().limits.perMonth.monthMinor === 6_000)?.json();
    expect((await call(me, 'DELETE', `/expenses/${first.id}`)).json().status).toBe('cancelled');
    const next = (await call(me, 'POST', '/expenses', claimBody(category, 3_000, { submit: true }))).json();
    expect(next.limits.perMonth).toMatchObject({ monthMinor: 9_000, exceeded: false });
  });

  it('a claim in another currency is converted at its day’s rate; a missing rate is a 422 on submission only', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const category = await newCategory(admin, { perItemLimitMinor: 50_000 });
    const day = clock.day(-3);
    const usd = {
      categoryId: category,
      amount: { minor: 10_001, currency: 'CHF' },
      expenseDate: day,
      description: 'Lunch',
    };
    const draft = await call(me, 'POST', '/expenses', usd);
    expect(draft.json()).toMatchObject({ status: 'draft', baseAmount: null, rate: null });
    const refused = await call(me, 'PATCH', `/expenses/${draft.json().id}`, { version: 1, action: 'submit' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'EXCHANGE_RATE_MISSING',
      details: { currency: 'CHF', base: 'EUR', date: day },
    });
    await call(admin, 'PUT', '/admin/exchange-rates', {
      rates: [{ currency: 'CHF', date: clock.day(-10), rate: '1.05' }],
    });
    const submitted = await call(me, 'PATCH', `/expenses/${draft.json().id}`, { version: 1, action: 'submit' });
    expect(submitted.statusCode).toBe(200);
    // 10001 × 1.05 = 10501.05 → 10501 (half to even only matters at .5).
    expect(submitted.json()).toMatchObject({
      amount: { minor: 10_001, currency: 'CHF' },
      baseAmount: { minor: 10_501, currency: 'EUR', formatted: '105.01' },
      rate: '1.05',
      rateDate: clock.day(-10),
    });
    const future = await call(
      me,
      'POST',
      '/expenses',
      claimBody(category, 100, { expenseDate: clock.day(3), submit: true }),
    );
    expect(future.json().error.code).toBe('EXPENSE_DATE_IN_FUTURE');
    const floats = await call(me, 'POST', '/expenses', claimBody(category, 10.5));
    expect(floats.statusCode).toBe(400);
  });
});

describe('receipts', () => {
  it('the category’s receipt rule holds at submission; receipts are PDF or images by content; only those who may read the claim read them', async () => {
    const me = await signInAs(testApp());
    const someone = await signInAs(testApp());
    const finance = await signInAs(testApp(), ['finance']);
    const hr = await signInAs(testApp(), ['hr']);
    const meals = await categoryId(me, 'MEALS');

    const refused = await call(me, 'POST', '/expenses', claimBody(meals, 3_000, { submit: true }));
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'RECEIPT_REQUIRED',
      details: { categoryId: meals, thresholdMinor: 2_500, amountMinor: 3_000 },
    });
    expect((await upload(me, '/expenses/receipts', Buffer.from('just text'), 'receipt.txt')).statusCode).toBe(415);
    const ahead = await upload(me, '/expenses/receipts', PDF);
    expect(ahead.statusCode).toBe(201);
    expect(ahead.json()).toMatchObject({ contentType: 'application/pdf', name: 'receipt.pdf' });
    const fileId = ahead.json().fileId;
    // Someone else's upload cannot be attached.
    const stolen = await call(someone, 'POST', '/expenses', claimBody(meals, 3_000, { receiptFileIds: [fileId] }));
    expect(stolen.json().error).toMatchObject({ code: 'REFERENCE_NOT_FOUND', details: { field: 'receiptFileIds' } });

    const claim = await call(
      me,
      'POST',
      '/expenses',
      claimBody(meals, 3_000, { receiptFileIds: [fileId], submit: true }),
    );
    expect(claim.statusCode).toBe(201);
    const id = claim.json().id;
    const second = await upload(me, `/expenses/${id}/receipts`, PDF, 'taxi.pdf');
    expect(second.statusCode).toBe(201);
    expect((await upload(someone, `/expenses/${id}/receipts`, PDF)).statusCode).toBe(404);

    for (const reader of [me, finance, hr]) {
      const detail = await call(reader, 'GET', `/expenses/${id}`);
      expect(detail.statusCode).toBe(200);
      expect(detail.json().receipts.map((r: { name: string }) => r.name)).toEqual(['receipt.pdf', 'taxi.pdf']);
      expect(detail.json().receipts[0].url).toEqual(expect.any(String));
      expect((await call(reader, 'GET', `/files/${second.json().fileId}`)).statusCode).toBe(200);
      expect((await call(reader, 'GET', `/files/${fileId}`)).statusCode).toBe(200);
    }
    expect((await call(someone, 'GET', `/expenses/${id}`)).statusCode).toBe(404);
    expect((await call(someone, 'GET', `/files/${fileId}`)).statusCode).toBe(404);
    expect((await call(someone, 'GET', `/files/${second.json().fileId}/download`)).statusCode).toBe(404);
    expect((await call(someone, 'GET', '/expenses')).json().items.map((c: { id: string }) => c.id)).not.toContain(id);
  });
});

describe('cancelling', () => {
  it('the claimant cancels a draft or an undecided claim; once decided only Finance does, until it is paid', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const finance = await signInAs(testApp(), ['finance']);
    const ceo = await signInAs(testApp(), ['ceo']);
    const category = await newCategory(admin, {});
    const draft = (await call(me, 'POST', '/expenses', claimBody(category, 1_000))).json();
    expect((await call(finance, 'DELETE', `/expenses/${draft.id}`)).statusCode).toBe(404);
    expect((await call(me, 'DELETE', `/expenses/${draft.id}`)).json()).toMatchObject({
      status: 'cancelled',
      cancelledBy: { id: me.id },
    });

    const undecided = (await call(me, 'POST', '/expenses', claimBody(category, 1_000, { submit: true }))).json();
    const withdrawn = (await call(me, 'DELETE', `/expenses/${undecided.id}`)).json();
    expect(withdrawn).toMatchObject({ status: 'cancelled', approval: { state: 'cancelled' } });
    const queue = (await call(finance, 'GET', '/expenses/approvals')).json();
    expect(queue.claims.items.map((c: { id: string }) => c.id)).not.toContain(undecided.id);

    const decided = (await call(me, 'POST', '/expenses', claimBody(category, 1_000, { submit: true }))).json();
    await call(finance, 'POST', `/expenses/${decided.id}/finance-approve`, {});
    const mine = await call(me, 'DELETE', `/expenses/${decided.id}`);
    expect(mine.statusCode).toBe(409);
    expect(mine.json().error).toMatchObject({
      code: 'EXPENSE_NOT_CANCELLABLE',
      details: { status: 'financeApproved', by: 'finance' },
    });
    expect((await call(finance, 'DELETE', `/expenses/${decided.id}`)).json()).toMatchObject({
      status: 'cancelled',
      cancelledBy: { id: finance.id },
    });

    // The claimant's withdrawal racing Finance's approval: one of them, never a cancelled claim Finance decided.
    for (let i = 0; i < 3; i += 1) {
      const raced = (await call(me, 'POST', '/expenses', claimBody(category, 1_000, { submit: true }))).json();
      const [withdrawal, approval] = await Promise.all([
        call(me, 'DELETE', `/expenses/${raced.id}`),
        call(finance, 'POST', `/expenses/${raced.id}/finance-approve`, {}),
      ]);
      expect([withdrawal.statusCode, approval.statusCode].sort()).toEqual([200, 409]);
      const after = (await call(me, 'GET', `/expenses/${raced.id}`)).json();
      expect(after.status).toBe(withdrawal.statusCode === 200 ? 'cancelled' : 'financeApproved');
      if (after.status === 'cancelled') expect(after.workflow.decisions).toEqual([]);
    }

    const approved = (await call(me, 'POST', '/expenses', claimBody(category, 1_000, { submit: true }))).json();
    await call(finance, 'POST', `/expenses/${approved.id}/finance-approve`, {});
    await call(ceo, 'POST', `/expenses/${approved.id}/ceo-approve`, {});
    expect((await call(finance, 'DELETE', `/expenses/${approved.id}`)).json().status).toBe('cancelled');
    expect((await call(finance, 'DELETE', `/expenses/${approved.id}`)).json().error.code).toBe(
      'EXPENSE_NOT_CANCELLABLE',
    );
  });
});

describe('the approvals queue and the report', () => {
  it('Finance’s queue totals per currency; the report totals in the base currency by category, department, project and month', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const me = await signInAs(testApp());
    const finance = await signInAs(testApp(), ['finance']);
    const ceo = await signInAs(testApp(), ['ceo']);
    const employee = await signInAs(testApp());
    await call(admin, 'PUT', '/admin/exchange-rates', {
      rates: [{ currency: 'GBP', date: clock.day(-30), rate: '1.2' }],
    });
    const category = await newCategory(admin, {});
    const eur = (await call(me, 'POST', '/expenses', claimBody(category, 1_000, { submit: true }))).json();
    const gbp = (
      await call(me, 'POST', '/expenses', {
        ...claimBody(category, 500),
        amount: { minor: 500, currency: 'GBP' },
        submit: true,
      })
    ).json();
    expect(gbp.baseAmount.minor).toBe(600);

    const queue = (await call(finance, 'GET', '/expenses/approvals?limit=1')).json();
    expect(queue.claims.items).toHaveLength(1);
    expect(queue.claims.items[0].stage).toBe('Finance');
    expect(queue.claims.total).toBeGreaterThanOrEqual(2);
    const gbpLine = queue.totals.byCurrency.find((t: { currency: string }) => t.currency === 'GBP');
    expect(gbpLine).toMatchObject({ minor: 500, claims: 1 });
    expect(queue.totals.base.currency).toBe('EUR');
    expect(
      (await call(ceo, 'GET', '/expenses/approvals')).json().claims.items.map((c: { id: string }) => c.id),
    ).not.toContain(eur.id);

    await call(finance, 'POST', `/expenses/${eur.id}/finance-approve`, {});
    await call(ceo, 'POST', `/expenses/${eur.id}/ceo-approve`, {});
    const query = `/reports/expenses?from=${clock.day(-40)}&to=${clock.day()}&categoryId=${category}`;
    expect((await call(employee, 'GET', query)).statusCode).toBe(403);
    const report = await call(ceo, 'GET', query);
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      currency: 'EUR',
      totals: { pendingMinor: 600, approvedMinor: 1_000, reimbursedMinor: 0, totalMinor: 1_600, claims: 2 },
    });
    expect(report.json().byCategory).toEqual([
      expect.objectContaining({ key: category, totalMinor: 1_600, claims: 2 }),
    ]);
    expect(report.json().byMonth.map((r: { key: string }) => r.key)).toEqual([clock.day(-2).slice(0, 7)]);
    expect(report.json().byProject).toEqual([expect.objectContaining({ key: 'none', totalMinor: 1_600 })]);
    const csv = await call(finance, 'GET', `${query}&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('total,all,All claims,EUR,6.00,10.00,0.00,16.00,2');
    const pending = (await call(finance, 'GET', `${query}&status=pending`)).json();
    expect(pending.totals).toMatchObject({ totalMinor: 600, claims: 1 });
  });
});
