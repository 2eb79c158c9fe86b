/**
 * More of the demo (first start with VESTNIK_DEMO=1): a receipt PDF for every plot, so `%kvit`
 * gives working links at once (seed 000), and a dozen owners with a loan and its monthly schedule,
 * so seed 004's reminder (#FAM# #IM# … #DATE_P# #SUM_P#) can be previewed and sent. A real
 * organisation uploads the receipts its accounting program makes and imports its loans.
 */
import crypto from 'node:crypto';
import type { Queryable } from '../store/db.ts';
import { insertDocument } from '../store/documents.ts';
import { replaceSchedule } from '../store/loanPayments.ts';

/** A one-page PDF of a few lines of ASCII text: enough to open in any viewer. */
export function textPdf(lines: readonly string[]): Buffer {
  const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
  const text = lines.map((l, i) => `BT /F1 14 Tf 56 ${780 - i * 22} Td (${esc(l)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const rub = (kopecks: number) => `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')} RUB`;

/** A receipt for each plot of the organisation. */
export async function loadDemoReceipts(db: Queryable, orgId: number, season: string): Promise<number> {
  const { rows } = await db.query<{
    id: number;
    number: string;
    charges_kopecks: number;
    debt_kopecks: number;
  }>(
    `SELECT id, number, charges_kopecks, debt_kopecks FROM objects WHERE org_id = $1 AND kind = 'plot' ORDER BY id`,
    [orgId],
  );
  for (const p of rows) {
    const content = textPdf([
      `Receipt for plot ${p.number}, season ${season}`,
      `Charges: ${rub(p.charges_kopecks)}`,
      `Overdue debt: ${rub(p.debt_kopecks)}`,
      'Demo document made by Vestnik.',
    ]);
    await insertDocument(db, orgId, {
      objectId: p.id,
      kind: 'receipt',
      fileName: `Квитанция участок ${p.number}.pdf`,
      contentType: 'application/pdf',
      sha256: crypto.createHash('sha256').update(content).digest('hex'),
      content,
      createdBy: 'demo',
    });
  }
  return rows.length;
}

const addMonths = (iso: string, n: number): string => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
};

/** `count` owners get a loan of 60–300 thousand roubles repaid in six monthly payments, the first paid. */
export async function loadDemoLoans(
  db: Queryable,
  orgId: number,
  today: string,
  count = 12,
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM contacts WHERE org_id = $1 ORDER BY id LIMIT $2',
    [orgId, count],
  );
  for (const [i, c] of rows.entries()) {
    const amount = (60 + ((i * 37) % 240)) * 100_000;
    const start = addMonths(today, -1);
    const { rows: loan } = await db.query<{ id: number }>(
      `INSERT INTO objects (org_id, contact_id, kind, number, charges_kopecks, debt_kopecks, attributes)
       VALUES ($1, $2, 'loan', $3, $4, $5, $6) RETURNING id`,
      [
        orgId,
        c.id,
        `З-${today.slice(0, 4)}/${String(i + 1).padStart(3, '0')}`,
        amount,
        amount,
        { contract_date: start },
      ],
    );
    const instalment = Math.round((amount * 1.12) / 6);
    // Payment days move a little between loans, so «due within N days» filters pick some of them.
    const schedule = [1, 2, 3, 4, 5, 6].map((k) => {
      const dueDate = addMonths(start, k).slice(0, 8) + String(5 + ((i * 3) % 20)).padStart(2, '0');
      const paid = k === 1;
      return {
        dueDate,
        amountKopecks: instalment,
        paidKopecks: paid ? instalment : 0,
        paidAt: paid ? new Date(`${dueDate}T12:00:00Z`) : null,
      };
    });
    await replaceSchedule(db, orgId, loan[0]!.id, schedule);
  }
  return rows.length;
}
