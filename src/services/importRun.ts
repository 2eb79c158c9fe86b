/**
 * Runs one import (AU-8): parseImport's rows, in file order, written a batch at a time — contacts
 * upserted by external id, else phone, else e-mail; their plots and accounts; every rejected row
 * with its reasons — and the job's counters updated with each batch, in the batch's transaction, so
 * the job never claims more than is stored.
 *
 * Memory stays flat: one batch being parsed while the previous one is written (the two overlap on
 * PostgreSQL, whose work happens in another process), the counters, and the first few rejects.
 *
 * Nothing valid is lost: a batch the database refuses (a NUL character PostgreSQL cannot store) is
 * written again one contact at a time, and only the contacts it still refuses are rejected, with
 * the database's words, as `not_stored`.
 */
import type { Readable } from 'node:stream';
import type { AttributeType } from '../core/audience/compile.ts';
import type { ContactInput } from '../core/contact.ts';
import { type ImportInfo, parseImport } from '../core/import/index.ts';
import { type RejectReason, reasonOf } from '../core/import/reasons.ts';
import type { ImportObject, RowOutcome } from '../core/import/rows.ts';
import { attributeTypes, insertAttribute } from '../store/attributes.ts';
import type { Db, Queryable } from '../store/db.ts';
import {
  type ImportCounts,
  type ImportReject,
  insertImportRejects,
  recordImportProgress,
  setImportFileInfo,
} from '../store/imports.ts';
import {
  type ContactWrite,
  findContactIds,
  insertContacts,
  type KeyKind,
  type ObjectWrite,
  updateContactsById,
  upsertContactsByExternalId,
  upsertObjects,
} from '../store/importWrites.ts';

export const BATCH_ROWS = 5000;
const YIELD_ROWS = 100;
const FIRST_REJECTS = 10;

export interface RunImportOptions {
  orgId: number;
  jobId: number;
  format: 'csv' | 'xlsx';
  /** Opens the file afresh (a stream is read once). */
  open: () => Readable;
  mapping?: Record<string, unknown>;
  /** Parse and check every row, store nothing but the rejects. */
  dryRun?: boolean;
  today?: string;
  /** After each batch is stored. */
  onProgress?: (counts: ImportCounts) => void;
}

export interface ImportSummary extends ImportCounts {
  info: ImportInfo | null;
  /** The first rejected rows, for a summary printed at the end. */
  firstRejects: ImportReject[];
  dryRun: boolean;
}

type Accepted = Extract<RowOutcome, { status: 'accepted' }>;

/** Rows of one contact key within a batch, merged in file order (later cells win). */
interface Entry {
  kind: KeyKind;
  key: string;
  contact: ContactWrite;
  objects: ImportObject[];
  rows: number[];
}

const keyOf = (c: ContactInput): [KeyKind, string] =>
  c.externalId ? ['external_id', c.externalId] : c.phone ? ['phone', c.phone] : ['email', c.email!];

function merge(accepted: readonly Accepted[]): Entry[] {
  const byKey = new Map<string, Entry>();
  for (const a of accepted) {
    const [kind, key] = keyOf(a.contact);
    const id = `${kind}:${key}`;
    const { doNotMessage: _, ...fields } = a.contact;
    const entry = byKey.get(id);
    if (!entry) {
      byKey.set(id, { kind, key, contact: { ...fields }, objects: [...a.objects], rows: [a.row] });
      continue;
    }
    const attributes = fields.attributes ? { ...entry.contact.attributes, ...fields.attributes } : undefined;
    Object.assign(entry.contact, fields, attributes ? { attributes } : {});
    entry.objects.push(...a.objects);
    entry.rows.push(a.row);
  }
  return [...byKey.values()];
}

/** Writes entries; returns rows created and updated and objects written. */
async function writeEntries(
  tx: Queryable,
  orgId: number,
  entries: readonly Entry[],
): Promise<{ created: number; updated: number; objects: number }> {
  const ids = new Map<Entry, number>();
  const createdBy = new Set<Entry>();
  // By external id: one upsert, which tells inserted from updated.
  const byExternal = entries.filter((e) => e.kind === 'external_id');
  const upserted = await upsertContactsByExternalId(
    tx,
    orgId,
    byExternal.map((e) => e.contact),
  );
  for (const e of byExternal) {
    const r = upserted.get(e.key);
    if (!r) throw new Error(`contact with external id ${e.key} was not stored`);
    ids.set(e, r.id);
    if (r.inserted) createdBy.add(e);
  }
  // By phone or e-mail, which need not be unique: the lowest id holding it, else a new contact.
  const rest = entries.filter((e) => e.kind !== 'external_id');
  for (const kind of ['phone', 'email'] as const) {
    const of = rest.filter((e) => e.kind === kind);
    const found = await findContactIds(
      tx,
      orgId,
      kind,
      of.map((e) => e.key),
    );
    for (const e of of) {
      const id = found.get(e.key);
      if (id !== undefined) ids.set(e, id);
    }
  }
  const existing = rest.filter((e) => ids.has(e));
  const fresh = rest.filter((e) => !ids.has(e));
  const inserted = await insertContacts(
    tx,
    orgId,
    fresh.map((e) => e.contact),
  );
  fresh.forEach((e, i) => {
    const id = inserted[i];
    if (id == null) throw new Error(`contact ${e.key} was not stored`);
    ids.set(e, id);
    createdBy.add(e);
  });
  await updateContactsById(
    tx,
    orgId,
    existing.map((e) => ids.get(e)!),
    existing.map((e) => e.contact),
  );

  // One write per object number, the later row's amounts over the earlier's.
  const objects = new Map<string, ObjectWrite>();
  for (const e of entries) {
    for (const o of e.objects) {
      const k = `${o.kind}:${o.number}`;
      const before = objects.get(k);
      objects.set(k, {
        contactId: ids.get(e)!,
        kind: o.kind,
        number: o.number,
        chargesKopecks: o.chargesKopecks ?? before?.chargesKopecks,
        debtKopecks: o.debtKopecks ?? before?.debtKopecks,
      });
    }
  }
  await upsertObjects(tx, orgId, [...objects.values()]);
  // Per row: the first row of a new contact created it; every other row updated a contact.
  const rows = entries.reduce((n, e) => n + e.rows.length, 0);
  return { created: createdBy.size, updated: rows - createdBy.size, objects: objects.size };
}

interface Stored {
  created: number;
  updated: number;
  objects: number;
}

/**
 * A batch's commit need not wait for its WAL to reach the disk: the job's counters are written in
 * the same transaction, so a crash that loses the last batches loses their counts with them, and
 * the job (failed by the crash) says exactly what was stored. Saves a disk flush per batch.
 */
async function relaxCommit(db: Db, tx: Queryable): Promise<void> {
  if (db.kind === 'postgres') await tx.query('SET LOCAL synchronous_commit = off');
}

/** A value as a reject keeps it: jsonb cannot hold U+0000, so it is shown as ␀. */
const printable = (text: string): string => text.replaceAll('\u0000', '\u2400');

const toReject = (row: number, problems: readonly Omit<ImportReject['problems'][number], 'reason'>[]) => {
  const withReasons = problems.map((p) => ({
    ...p,
    header: printable(p.header),
    value: printable(p.value),
    message: printable(p.message),
    reason: reasonOf(p) as RejectReason,
  }));
  return { row, reasons: [...new Set(withReasons.map((p) => p.reason))], problems: withReasons };
};

const databaseRefused = (row: number, err: unknown): ImportReject => ({
  row,
  reasons: ['not_stored'],
  problems: [
    {
      column: 'row',
      header: '',
      value: '',
      message: printable(`the database refused the row: ${(err as Error).message ?? String(err)}`),
      reason: 'not_stored',
    },
  ],
});

export class ImportRunner {
  counts: ImportCounts = {
    processed: 0,
    created: 0,
    updated: 0,
    rejected: 0,
    rejectedByReason: {},
    objects: 0,
    bytesRead: 0,
  };
  readonly firstRejects: ImportReject[] = [];
  /** Custom attributes seen, with the type their values suggest (for the ones not yet defined). */
  private readonly attributes = new Map<string, AttributeType | 'mixed'>();

  constructor(
    private readonly db: Db,
    private readonly opts: RunImportOptions,
  ) {}

  private noteAttributes(contact: ContactInput) {
    for (const [name, value] of Object.entries(contact.attributes ?? {})) {
      const type: AttributeType =
        typeof value === 'number' || (typeof value === 'string' && /^-?\d+(?:[.,]\d+)?$/.test(value))
          ? 'number'
          : typeof value === 'boolean'
            ? 'boolean'
            : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
              ? 'date'
              : 'text';
      const seen = this.attributes.get(name);
      this.attributes.set(name, seen === undefined || seen === type ? type : 'mixed');
    }
  }

  /** The counters after a batch, written with the batch; taken over only once it is committed. */
  private async commit(
    tx: Queryable,
    rows: number,
    stored: Stored,
    rejects: ImportReject[],
    bytesRead: number,
  ): Promise<ImportCounts> {
    const byReason = { ...this.counts.rejectedByReason };
    for (const r of rejects) for (const reason of r.reasons) byReason[reason] = (byReason[reason] ?? 0) + 1;
    const next: ImportCounts = {
      processed: this.counts.processed + rows,
      created: this.counts.created + stored.created,
      updated: this.counts.updated + stored.updated,
      rejected: this.counts.rejected + rejects.length,
      rejectedByReason: byReason,
      objects: this.counts.objects + stored.objects,
      bytesRead,
    };
    await insertImportRejects(tx, this.opts.orgId, this.opts.jobId, rejects);
    await recordImportProgress(tx, this.opts.orgId, this.opts.jobId, next);
    return next;
  }

  /** Stores one batch of outcomes: contacts, objects, rejects and the counters, in one transaction. */
  async writeBatch(outcomes: readonly RowOutcome[], bytesRead: number): Promise<void> {
    const { orgId, dryRun } = this.opts;
    const rejects: ImportReject[] = [];
    const accepted: Accepted[] = [];
    for (const o of outcomes) {
      if (o.status === 'rejected') rejects.push(toReject(o.row, o.problems));
      else {
        accepted.push(o);
        this.noteAttributes(o.contact);
      }
    }
    const entries = dryRun ? [] : merge(accepted);
    const zero: Stored = { created: 0, updated: 0, objects: 0 };
    let next: ImportCounts;
    try {
      next = await this.db.transaction(async (tx) => {
        await relaxCommit(this.db, tx);
        const stored = entries.length ? await writeEntries(tx, orgId, entries) : zero;
        return this.commit(tx, outcomes.length, stored, rejects, bytesRead);
      });
    } catch (err) {
      if (entries.length === 0) throw err;
      // The database refused something in the batch: each contact on its own, so that only the
      // contact it refuses is lost, and that one is reported.
      const stored = { ...zero };
      for (const entry of entries) {
        try {
          const s = await this.db.transaction((tx) => writeEntries(tx, orgId, [entry]));
          stored.created += s.created;
          stored.updated += s.updated;
          stored.objects += s.objects;
        } catch (one) {
          for (const row of entry.rows) rejects.push(databaseRefused(row, one));
        }
      }
      rejects.sort((a, b) => a.row - b.row);
      next = await this.db.transaction((tx) => this.commit(tx, outcomes.length, stored, rejects, bytesRead));
    }
    this.counts = next;
    for (const r of rejects) if (this.firstRejects.length < FIRST_REJECTS) this.firstRejects.push(r);
    this.opts.onProgress?.(this.counts);
  }

  /** Defines the custom attributes the file brought that the organisation has not defined yet. */
  async defineAttributes(): Promise<void> {
    if (this.opts.dryRun || this.attributes.size === 0) return;
    const known = await attributeTypes(this.db, this.opts.orgId);
    for (const [name, type] of this.attributes) {
      if (known[name] || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) continue;
      await insertAttribute(this.db, this.opts.orgId, { name, type: type === 'mixed' ? 'text' : type });
    }
  }
}

/** Counts the bytes a stream hands on, for progress. */
function counted(stream: Readable): { stream: Readable; bytes: () => number } {
  let n = 0;
  stream.on('data', (chunk: Buffer) => {
    n += chunk.length;
  });
  return { stream, bytes: () => n };
}

/**
 * Reads the whole file and stores it batch by batch. Throws ImportMappingError before the first row
 * when the mapping cannot be used; a failure later leaves what was stored so far stored (and counted).
 */
export async function runImport(db: Db, opts: RunImportOptions): Promise<ImportSummary> {
  const runner = new ImportRunner(db, opts);
  let info = null as ImportInfo | null;
  const source = counted(opts.open());
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let batch: RowOutcome[] = [];
  let infoSaved = false;
  const saveInfo = (i: ImportInfo) =>
    setImportFileInfo(db, opts.orgId, opts.jobId, {
      encoding: i.encoding,
      delimiter: i.delimiter,
      headers: i.headers,
      mapping: i.mapping,
    });
  const flush = async () => {
    const rows = batch;
    batch = [];
    // The previous batch must be stored before this one looks up its contacts.
    await pending;
    if (failure) throw failure;
    pending = runner.writeBatch(rows, source.bytes()).catch((err) => {
      failure = err;
    });
  };
  try {
    for await (const outcome of parseImport(source.stream, {
      format: opts.format,
      mapping: opts.mapping,
      today: opts.today,
      onOpen: (i) => {
        info = i;
      },
    })) {
      if (!infoSaved && info) {
        infoSaved = true;
        await saveInfo(info);
      }
      batch.push(outcome);
      if (batch.length >= BATCH_ROWS) await flush();
      // Rows of a chunk already read are parsed in one run of microtasks, which would keep the
      // database's answer to the batch being written (an I/O event) waiting for the whole chunk,
      // and the database idle meanwhile; a pause every few hundred rows lets the write go on.
      else if (batch.length % YIELD_ROWS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (batch.length > 0) await flush();
    await pending;
    if (failure) throw failure;
  } finally {
    source.stream.destroy();
  }
  // The encoding is decided by the first non-ASCII byte, which may come long after the header.
  if (info) await saveInfo(info);
  await runner.defineAttributes();
  return { ...runner.counts, info, firstRejects: runner.firstRejects, dryRun: Boolean(opts.dryRun) };
}
