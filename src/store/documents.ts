/**
 * Documents stored per object (migration 0009, decision 0008). Every query names the organisation;
 * the bytes are selected only by `getDocumentContent`, so listing never reads them.
 */
import type { Queryable } from './db.ts';

export interface DocumentMeta {
  id: number;
  objectId: number;
  kind: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  createdBy: string;
  uploadedAt: Date;
}

interface DocumentRow {
  id: number;
  object_id: number;
  kind: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  created_by: string;
  uploaded_at: Date;
}

const META = 'id, object_id, kind, file_name, content_type, size_bytes, sha256, created_by, uploaded_at';

const toMeta = (r: DocumentRow): DocumentMeta => ({
  id: r.id,
  objectId: r.object_id,
  kind: r.kind,
  fileName: r.file_name,
  contentType: r.content_type,
  sizeBytes: r.size_bytes,
  sha256: r.sha256,
  createdBy: r.created_by,
  uploadedAt: r.uploaded_at,
});

/** pg gives a Buffer, PGlite a Uint8Array: the same bytes either way, without a copy. */
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export interface NewDocument {
  objectId: number;
  kind: string;
  fileName: string;
  contentType: string;
  sha256: string;
  content: Uint8Array;
  createdBy: string;
}

/**
 * Stores a version, or — the same bytes for the same object and kind — renames it and makes it the
 * latest again. Undefined when the object is not the organisation's.
 */
export async function insertDocument(
  db: Queryable,
  orgId: number,
  d: NewDocument,
): Promise<{ document: DocumentMeta; created: boolean } | undefined> {
  const { rows } = await db.query<DocumentRow & { created: boolean }>(
    `INSERT INTO documents (org_id, object_id, kind, file_name, content_type, size_bytes, sha256, content, created_by)
     SELECT $1, o.id, $3, $4, $5, $6, $7, $8, $9 FROM objects o WHERE o.org_id = $1 AND o.id = $2
     ON CONFLICT (org_id, object_id, kind, sha256) DO UPDATE SET file_name = excluded.file_name,
       content_type = excluded.content_type, uploaded_at = now()
     RETURNING ${META}, (xmax = 0) AS created`,
    [
      orgId,
      d.objectId,
      d.kind,
      d.fileName,
      d.contentType,
      d.content.byteLength,
      d.sha256,
      d.content,
      d.createdBy,
    ],
  );
  const r = rows[0];
  return r ? { document: toMeta(r), created: r.created } : undefined;
}

/** Newest first. */
export async function listDocumentsOfObject(
  db: Queryable,
  orgId: number,
  objectId: number,
  kind?: string,
): Promise<DocumentMeta[]> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${META} FROM documents WHERE org_id = $1 AND object_id = $2 AND ($3::text IS NULL OR kind = $3)
     ORDER BY uploaded_at DESC, id DESC`,
    [orgId, objectId, kind ?? null],
  );
  return rows.map(toMeta);
}

export async function getDocument(
  db: Queryable,
  orgId: number,
  id: number,
): Promise<DocumentMeta | undefined> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${META} FROM documents WHERE org_id = $1 AND id = $2`,
    [orgId, id],
  );
  return rows[0] ? toMeta(rows[0]) : undefined;
}

export async function getDocumentContent(
  db: Queryable,
  orgId: number,
  id: number,
): Promise<{ document: DocumentMeta; content: Buffer } | undefined> {
  const { rows } = await db.query<DocumentRow & { content: Uint8Array }>(
    `SELECT ${META}, content FROM documents WHERE org_id = $1 AND id = $2`,
    [orgId, id],
  );
  const r = rows[0];
  return r ? { document: toMeta(r), content: asBuffer(r.content) } : undefined;
}

export async function deleteDocument(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM documents WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rowCount > 0;
}

/** The latest document of each object (of the kind, when given): one query for a launch batch. */
export async function latestDocumentsOfObjects(
  db: Queryable,
  orgId: number,
  objectIds: readonly number[],
  kind?: string,
): Promise<DocumentMeta[]> {
  if (objectIds.length === 0) return [];
  const { rows } = await db.query<DocumentRow>(
    `SELECT DISTINCT ON (object_id) ${META} FROM documents
     WHERE org_id = $1 AND object_id = ANY($2::bigint[]) AND ($3::text IS NULL OR kind = $3)
     ORDER BY object_id, uploaded_at DESC, id DESC`,
    [orgId, objectIds, kind ?? null],
  );
  return rows.map(toMeta);
}

export async function objectExists(db: Queryable, orgId: number, objectId: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM objects WHERE org_id = $1 AND id = $2', [orgId, objectId]);
  return rows.length > 0;
}

/**
 * Objects whose number could be one of `texts` (as written, in either case, or a number of digits
 * with leading zeros): a superset, narrowed exactly by core/documents/match.ts.
 */
export async function objectsNumbered(
  db: Queryable,
  orgId: number,
  texts: readonly string[],
  kind?: string,
): Promise<{ id: number; number: string }[]> {
  if (texts.length === 0) return [];
  const spellings = [...new Set(texts.flatMap((t) => [t, t.toLowerCase(), t.toUpperCase()]))];
  const digits = [...new Set(texts.filter((t) => /^\d+$/.test(t)).map((t) => t.replace(/^0+/, '')))];
  const { rows } = await db.query<{ id: number; number: string }>(
    `SELECT id, number FROM objects WHERE org_id = $1 AND ($4::text IS NULL OR kind = $4)
       AND (number = ANY($2::text[]) OR (number ~ '^[0-9]+$' AND ltrim(number, '0') = ANY($3::text[])))
     ORDER BY id`,
    [orgId, spellings, digits, kind ?? null],
  );
  return rows;
}

/** Several documents' types and bytes at once: a sending chunk's e-mail attachments. */
export async function getDocumentFiles(
  db: Queryable,
  orgId: number,
  ids: readonly number[],
): Promise<Map<number, { contentType: string; content: Buffer }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: number; content_type: string; content: Uint8Array }>(
    'SELECT id, content_type, content FROM documents WHERE org_id = $1 AND id = ANY($2::bigint[])',
    [orgId, ids],
  );
  return new Map(rows.map((r) => [r.id, { contentType: r.content_type, content: asBuffer(r.content) }]));
}
