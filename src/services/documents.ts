/**
 * Documents per object (issue 5 item 6): upload (a new version; the same bytes again are the same
 * document), list, fetch, delete; the latest per object for a launch; signed, expiring links to
 * them — what `%kvit` inserts — and the check of such a link when someone opens it.
 */
import crypto from 'node:crypto';
import { contentTypeOf, DOCUMENT_KIND, MAX_DOCUMENT_BYTES, safeFileName } from '../core/documents/files.ts';
import {
  documentUrl,
  linkExpiry,
  peekDocumentOrg,
  signDocumentLink,
  verifyDocumentLink,
} from '../core/documents/link.ts';
import { candidateTexts, type FileMatch, matchFiles } from '../core/documents/match.ts';
import type { FieldProblem } from '../core/result.ts';
import type { Queryable } from '../store/db.ts';
import {
  type DocumentMeta,
  getDocumentContent,
  insertDocument,
  latestDocumentsOfObjects,
  objectsNumbered,
} from '../store/documents.ts';
import { getLinkSecret } from '../store/orgs.ts';

/** What signing a link needs of the configuration (src/config.ts: VESTNIK_PUBLIC_URL, VESTNIK_LINK_DAYS). */
export interface LinkSettings {
  publicUrl: string;
  linkDays: number;
}

/** The kind `%kvit` links to. */
export const RECEIPT = 'receipt';

export interface UploadInput {
  objectId: number;
  kind?: string;
  fileName: string;
  /** The Content-Type the uploader sent, if any. */
  contentType?: string;
  content: Uint8Array;
  by: string;
}

export type UploadResult =
  | { ok: true; document: DocumentMeta; created: boolean }
  | { ok: false; notFound: true }
  | { ok: false; problem: FieldProblem };

export async function uploadDocument(db: Queryable, orgId: number, u: UploadInput): Promise<UploadResult> {
  const kind = u.kind ?? RECEIPT;
  if (!DOCUMENT_KIND.test(kind)) {
    return {
      ok: false,
      problem: {
        field: 'kind',
        value: kind,
        message: 'must be lower-case latin letters, digits and _ (e.g. receipt)',
      },
    };
  }
  const name = safeFileName(u.fileName);
  if (!name.ok) return { ok: false, problem: name.problem };
  if (u.content.byteLength === 0)
    return { ok: false, problem: { field: 'body', value: '', message: 'the file is empty' } };
  if (u.content.byteLength > MAX_DOCUMENT_BYTES) {
    return {
      ok: false,
      problem: {
        field: 'body',
        value: u.content.byteLength,
        message: `is ${u.content.byteLength} bytes, more than the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB a document may have`,
      },
    };
  }
  const r = await insertDocument(db, orgId, {
    objectId: u.objectId,
    kind,
    fileName: name.value,
    contentType: contentTypeOf(u.contentType, name.value, u.content),
    sha256: crypto.createHash('sha256').update(u.content).digest('hex'),
    content: u.content,
    createdBy: u.by,
  });
  return r ? { ok: true, ...r } : { ok: false, notFound: true };
}

/** The latest document of each object that has one (of the kind, when given), by object id. */
export async function documentsForObjects(
  q: Queryable,
  orgId: number,
  objectIds: readonly number[],
  kind?: string,
): Promise<Map<number, DocumentMeta>> {
  const docs = await latestDocumentsOfObjects(q, orgId, objectIds, kind);
  return new Map(docs.map((d) => [d.objectId, d]));
}

/** One document's link, signed with the organisation's secret. */
export function signedDocumentUrl(
  secret: Uint8Array,
  settings: LinkSettings,
  orgId: number,
  documentId: number,
  now: Date,
): string {
  const token = signDocumentLink(secret, {
    orgId,
    documentId,
    expiresAt: linkExpiry(now, settings.linkDays),
  });
  return documentUrl(settings.publicUrl, token);
}

/**
 * The receipt link of each object that has a receipt — what `%kvit` inserts (objects' `link` in the
 * template scope). Objects without one are absent from the map. Links made on the same day for the
 * same receipt are the same text; each works `settings.linkDays` days (VESTNIK_LINK_DAYS) or a little
 * more. Two queries, whatever the number of objects: call it once per launch batch.
 */
export async function receiptLinks(
  q: Queryable,
  org: { id: number },
  objectIds: readonly number[],
  now: Date,
  settings: LinkSettings,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (objectIds.length === 0) return out;
  const docs = await documentsForObjects(q, org.id, objectIds, RECEIPT);
  if (docs.size === 0) return out;
  const secret = await getLinkSecret(q, org.id);
  if (!secret) throw new Error(`receiptLinks: organisation ${org.id} does not exist`);
  for (const [objectId, d] of docs) out.set(objectId, signedDocumentUrl(secret, settings, org.id, d.id, now));
  return out;
}

export type OpenedLink =
  | { ok: true; document: DocumentMeta; content: Buffer }
  /** 404: not a link of ours (forged, altered, malformed, unknown organisation); 410: it was, but no longer. */
  | { ok: false; status: 404 | 410; reason: 'invalid' | 'expired' | 'deleted' };

/**
 * Checks a link someone opened. Whatever is wrong with a token that is not genuine, the answer is
 * the same 404, so nothing can be learnt by trying (which organisations or documents exist).
 */
export async function openDocumentLink(q: Queryable, given: string, now: Date): Promise<OpenedLink> {
  const invalid = { ok: false, status: 404, reason: 'invalid' } as const;
  // `%kvit.` ends a sentence and `%kvit` lists links with commas: a phone that takes the
  // punctuation into the link must still open it. A token never ends with either.
  const token = given.replace(/[.,;:!?)»"']+$/, '');
  const orgId = peekDocumentOrg(token);
  if (orgId === null) return invalid;
  const secret = await getLinkSecret(q, orgId);
  if (!secret) return invalid;
  const v = verifyDocumentLink(secret, token, now.getTime() / 1000);
  if (!v.ok) return v.reason === 'expired' ? { ok: false, status: 410, reason: 'expired' } : invalid;
  if (v.claims.orgId !== orgId) return invalid;
  const found = await getDocumentContent(q, orgId, v.claims.documentId);
  if (!found) return { ok: false, status: 410, reason: 'deleted' };
  return { ok: true, ...found };
}

/**
 * Which object each file is for, by the object's number in its name (seed 003), among the
 * organisation's objects (of `objectKind`, when given).
 */
export async function matchFilesToObjects(
  q: Queryable,
  orgId: number,
  fileNames: readonly string[],
  objectKind?: string,
): Promise<FileMatch[]> {
  const objects = await objectsNumbered(q, orgId, candidateTexts(fileNames), objectKind);
  return matchFiles(fileNames, objects);
}
