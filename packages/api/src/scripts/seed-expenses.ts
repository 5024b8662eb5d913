import type { Repositories } from '@seed-pms/db';
import { type Actor, addDays, dayInTimezone, type ExpenseStatus, holdsRole } from '@seed-pms/domain';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { Services } from '../services.js';
import { mulberry32 } from './seed-common.js';

export interface SeededExpenses {
  claims: Record<ExpenseStatus, number>;
  receipts: number;
}

/** The states the demo claims end in, in turn. */
const OUTCOMES: ExpenseStatus[] = [
  'submitted',
  'financeApproved',
  'approved',
  'reimbursed',
  'rejected',
  'draft',
  'cancelled',
  'reimbursed',
  'approved',
  'submitted',
];

const DESCRIPTIONS: Record<string, string[]> = {
  TRAVEL: ['Train to the client workshop', 'Taxi from the airport', 'Flight to the partner conference'],
  MEALS: ['Team lunch after the release', 'Dinner with the customer'],
  ACCOMMODATION: ['Hotel, two nights, for the on-site audit'],
  EQUIPMENT: ['USB-C dock', 'Noise-cancelling headset'],
  TRAINING: ['Online course: advanced TypeScript'],
  OTHER: ['Printing of the trade-fair posters'],
};

/** A one-page PDF receipt (content sniffing sees a PDF). */
function receiptPdf(text: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n% Seed PMS demo receipt\n1 0 obj << /Title (${text}) >> endobj\ntrailer << >>\n%%EOF\n`,
  );
}

async function actorOf(repos: Repositories, id: string): Promise<Actor> {
  const user = await repos.users.get(id);
  if (!user) throw new Error(`no account ${id}`);
  return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
}

/**
 * Claims for the demo, through the services exactly as the API makes them:
 * `count` claims by employees over the last weeks, in every state (each with
 * its workflow and decisions by the organisation's Finance people and CEO),
 * most with a PDF receipt, a few in US dollars (with the rate set for them).
 * Deterministic for a seed.
 */
export async function seedExpenses(
  services: Services,
  repos: Repositories,
  people: { employeeIds: readonly string[] },
  options: { seed: number; now: Date; count?: number },
): Promise<SeededExpenses> {
  const random = mulberry32(options.seed ^ 0xe4e5);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const { organization } = await services.settings.current(options.now);
  const today = dayInTimezone(options.now, organization.timezone);
  const as = async (id: string): Promise<ActorContext> => ({
    ...systemCallContext('seed', options.now),
    actor: await actorOf(repos, id),
  });
  const actors = await Promise.all(people.employeeIds.map((id) => actorOf(repos, id)));
  const finance = actors.filter((a) => a.roles.includes('finance'));
  const ceo = actors.find((a) => a.roles.includes('ceo'));
  const claimants = actors.filter((a) => !a.roles.includes('ceo') && !holdsRole(a.roles, 'director'));
  const counts = Object.fromEntries(OUTCOMES.map((s) => [s, 0])) as Record<ExpenseStatus, number>;
  if (finance.length < 2 || !ceo || claimants.length === 0) return { claims: counts, receipts: 0 };

  const admin = actors.find((a) => a.roles.includes('admin')) ?? ceo;
  await services.expenses.putExchangeRates(await as(admin.id), {
    rates: [{ currency: 'USD', date: addDays(today, -90), rate: '0.92' }],
  });
  const categories = (await services.expenses.categories(await as(admin.id), {})).items;
  let receipts = 0;
  const wanted = options.count ?? 30;
  for (let i = 0; i < wanted; i += 1) {
    const claimant = claimants[i % claimants.length] as Actor;
    const ctx = await as(claimant.id);
    const category = pick(categories);
    const limit = category.perItemLimitMinor ?? 20_000;
    // Mostly within the limit; every seventh claim past it (routed, not refused).
    const minor = i % 7 === 6 ? limit + 1_000 : 500 + Math.floor(random() * Math.min(limit - 500, 30_000));
    const usd = i % 5 === 4;
    let receiptFileIds: string[] = [];
    if (i % 4 !== 3 || (category.receiptRequiredAboveMinor ?? Number.POSITIVE_INFINITY) < minor) {
      const receipt = receiptPdf(`${category.name} ${i + 1}`);
      const file = await services.expenses.uploadReceipt(ctx, {
        file: {
          name: `receipt-${i + 1}.pdf`,
          size: receipt.length,
          type: 'application/pdf',
          arrayBuffer: async () => Uint8Array.from(receipt).buffer,
        },
      });
      receiptFileIds = [file.fileId];
      receipts += 1;
    }
    const outcome = OUTCOMES[i % OUTCOMES.length] as ExpenseStatus;
    const claim = await services.expenses.create(ctx, {
      categoryId: category.id,
      amount: { minor: usd ? Math.round(minor / 0.92) : minor, currency: usd ? 'USD' : 'EUR' },
      expenseDate: addDays(today, -(1 + Math.floor(random() * 40))),
      description: pick(DESCRIPTIONS[category.code] ?? ['Business expense']),
      receiptFileIds,
      submit: outcome !== 'draft',
    });
    const approver = finance.find((f) => f.id !== claimant.id) as Actor;
    const byFinance = await as(approver.id);
    if (outcome === 'cancelled') {
      await services.expenses.cancel(ctx, { id: claim.id, reason: 'Claimed twice by mistake' });
    } else if (outcome === 'rejected') {
      await services.expenses.decideStage(byFinance, 'finance', 'reject', {
        id: claim.id,
        reason: 'The receipt does not show the amount',
      });
    } else if (outcome !== 'draft' && outcome !== 'submitted') {
      await services.expenses.decideStage(byFinance, 'finance', 'approve', { id: claim.id });
      if (outcome !== 'financeApproved') {
        await services.expenses.decideStage(await as(ceo.id), 'ceo', 'approve', { id: claim.id });
      }
      if (outcome === 'reimbursed') {
        await services.expenses.reimburse(byFinance, {
          id: claim.id,
          paidOn: today,
          reference: `PAY-${String(i + 1).padStart(5, '0')}`,
        });
      }
    }
    counts[(await services.expenses.get(ctx, claim.id)).status] += 1;
  }
  return { claims: counts, receipts };
}
