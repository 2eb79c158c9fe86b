/**
 * Contacts exported to CSV or XLSX (AU-8), streamed: a page of contacts at a time from the database
 * into the output, so an export of a million contacts holds one page in memory. The columns are the
 * ones the import recognises (core/import/export.ts), and every text cell is neutralised against
 * formula injection.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { compileFilter, SqlParams } from '../core/audience/compile.ts';
import type { Filter } from '../core/audience/filter.ts';
import { amountColumns, csvLine, exportLayout, neutralise } from '../core/import/export.ts';
import type { FieldProblem } from '../core/result.ts';
import { attributeTypes } from '../store/attributes.ts';
import { type ExportSelection, exportAttributeKeys, exportPage } from '../store/contactExport.ts';
import type { Db } from '../store/db.ts';
import { getList } from '../store/lists.ts';
import { getOrg } from '../store/orgs.ts';

const PAGE = 1000;

export interface ExportRequest {
  format: 'csv' | 'xlsx';
  listId?: number;
  filter?: Filter;
}

/** The selection as SQL, or what is wrong with it (an unknown list, a filter that does not compile). */
export async function exportSelection(
  db: Db,
  orgId: number,
  req: Pick<ExportRequest, 'listId' | 'filter'>,
): Promise<{ ok: true; selection: ExportSelection } | { ok: false; problems: FieldProblem[] }> {
  const parts: Filter[] = [];
  if (req.listId !== undefined) {
    const list = await getList(db, orgId, req.listId);
    if (list?.kind !== 'contacts')
      return {
        ok: false,
        problems: [{ field: 'listId', value: req.listId, message: `no list of contacts ${req.listId}` }],
      };
    parts.push({ type: 'list', listId: req.listId } as Filter);
  }
  if (req.filter) parts.push(req.filter);
  if (parts.length === 0) return { ok: true, selection: {} };
  const org = await getOrg(db, orgId);
  const params = new SqlParams();
  const ctx = {
    params,
    org: params.add(orgId, 'bigint'),
    attributes: await attributeTypes(db, orgId),
    now: new Date(),
    orgTimeZone: org?.timeZone ?? 'Europe/Moscow',
  };
  const sqls: string[] = [];
  for (const [i, f] of parts.entries()) {
    const r = compileFilter(f, ctx, req.listId !== undefined && i === 0 ? 'listId' : 'filter');
    if (!r.ok) return { ok: false, problems: r.problems };
    sqls.push(`(${r.sql})`);
  }
  return { ok: true, selection: { where: { sql: sqls.join(' AND '), params: params.values } } };
}

async function* pages(db: Db, orgId: number, selection: ExportSelection) {
  let afterId = 0;
  for (;;) {
    const rows = await exportPage(db, orgId, selection, { afterId, limit: PAGE });
    if (rows.length === 0) return;
    yield rows;
    afterId = rows[rows.length - 1]!.id;
  }
}

/** Writes the export into `out` (and ends it); returns the number of contacts written. */
export async function exportContacts(
  db: Db,
  orgId: number,
  format: 'csv' | 'xlsx',
  selection: ExportSelection,
  out: Writable,
): Promise<number> {
  const layout = exportLayout(await exportAttributeKeys(db, orgId, selection));
  let count = 0;
  if (format === 'csv') {
    const amounts = amountColumns(layout.headers);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    // A BOM, so Excel reads the UTF-8 as such (as balance report does).
    await write(`\ufeff${csvLine(layout.headers, new Set())}`);
    for await (const rows of pages(db, orgId, selection)) {
      await write(rows.map((r) => csvLine(layout.row(r), amounts)).join(''));
      count += rows.length;
    }
    out.end();
    await once(out, 'finish');
    return count;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('Контакты');
  const cell = (v: string | number | boolean | null) => (typeof v === 'string' ? neutralise(v) : v);
  sheet.addRow(layout.headers.map(cell)).commit();
  for await (const rows of pages(db, orgId, selection)) {
    for (const r of rows) sheet.addRow(layout.row(r).map(cell)).commit();
    count += rows.length;
  }
  sheet.commit();
  await workbook.commit();
  return count;
}
