import {
  dayInTimezone,
  type ExpenseReportLine,
  type ExpenseReportQuery,
  type ExpenseReportView,
  expenseReport,
  type FileDownloadView,
  formatMinor,
  toCsv,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { SettingsService } from '../settings/settings.service.js';

/**
 * The expense report (Finance, the CEO, Admin): submitted claims spent
 * from..to in the base currency, by category, department, project and month,
 * pending against approved against reimbursed.
 */
export function createExpenseReport(deps: Pick<ServiceDeps, 'repos'>, services: { settings: SettingsService }) {
  const { expenses: claims, expenseCategories, employees, projects } = deps.repos;
  return async function report(
    ctx: ActorContext,
    query: ExpenseReportQuery,
  ): Promise<ExpenseReportView | FileDownloadView> {
    assertCan(ctx.actor, 'read', 'ExpenseReport', {});
    const { organization, finance } = await services.settings.current(ctx.now);
    const to = query.to ?? dayInTimezone(ctx.now, organization.timezone);
    const from = query.from ?? `${to.slice(0, 7)}-01`;
    const records = (await claims.spentBetween(from, to, query.categoryId)).filter(
      (r) => (query.status === undefined || r.status === query.status) && r.base?.currency === finance.baseCurrency,
    );
    const [categories, people, projectNames] = await Promise.all([
      expenseCategories.list(true),
      employees.leaveProfiles({ ids: [...new Set(records.map((r) => r.userId))] }),
      projects.names([...new Set(records.flatMap((r) => (r.projectId ? [r.projectId] : [])))]),
    ]);
    const categoryOf = new Map(categories.map((c) => [c.id, c]));
    const departmentOf = new Map(people.map((p) => [p.id, p.department]));
    const wanted = query.department?.trim().toLowerCase();
    const lines: ExpenseReportLine[] = records.flatMap((r) => {
      const department = departmentOf.get(r.userId) ?? null;
      if (wanted !== undefined && department?.trim().toLowerCase() !== wanted) return [];
      const category = categoryOf.get(r.categoryId);
      return [
        {
          status: r.status,
          baseMinor: r.base?.minor ?? 0,
          expenseDate: r.expenseDate,
          category: { key: r.categoryId, label: category?.name ?? 'Unknown category' },
          department,
          project: r.projectId ? { key: r.projectId, label: projectNames.get(r.projectId) ?? 'Unknown project' } : null,
        },
      ];
    });
    const view: ExpenseReportView = {
      from,
      to,
      currency: finance.baseCurrency,
      generatedAt: ctx.now.toISOString(),
      ...expenseReport(lines),
    };
    if (query.format === 'json') return view;
    const amount = (minor: number) => formatMinor({ minor, currency: finance.baseCurrency });
    const groups = [
      ['category', view.byCategory],
      ['department', view.byDepartment],
      ['project', view.byProject],
      ['month', view.byMonth],
    ] as const;
    return {
      format: 'csv',
      fileName: `expenses-${from}-to-${to}.csv`,
      contentType: 'text/csv; charset=utf-8',
      body: toCsv(
        ['group', 'key', 'label', 'currency', 'pending', 'approved', 'reimbursed', 'total', 'claims'],
        [
          ...groups.flatMap(([group, rows]) =>
            rows.map((r) => [
              group,
              r.key,
              r.label,
              finance.baseCurrency,
              amount(r.pendingMinor),
              amount(r.approvedMinor),
              amount(r.reimbursedMinor),
              amount(r.totalMinor),
              r.claims,
            ]),
          ),
          [
            'total',
            'all',
            'All claims',
            finance.baseCurrency,
            amount(view.totals.pendingMinor),
            amount(view.totals.approvedMinor),
            amount(view.totals.reimbursedMinor),
            amount(view.totals.totalMinor),
            view.totals.claims,
          ],
        ],
      ),
    };
  };
}
