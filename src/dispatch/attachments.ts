/**
 * The bytes of a sending chunk's e-mail attachments, read just before the send. A launch stores
 * only document ids (core/content.ts) and a gateway never reads the database, so the worker hands
 * them over on `OutgoingMessage.files`. Read per chunk, not per claimed batch, so a worker holds at
 * most its chunks in flight; a document every letter carries is read once per chunk and shared.
 *
 * A message whose document was deleted after the launch cannot be sent as it was launched (CT-4:
 * never without its attachment): it is refused for good, with the document named.
 */
import type { OutgoingFile } from '../providers/provider.ts';
import type { Queryable } from '../store/db.ts';
import { getDocumentFiles } from '../store/documents.ts';
import type { ClaimedMessage } from '../store/queue.ts';

export interface ChunkFiles {
  /** Each e-mail's attachments by message id; messages without any are absent. */
  files: Map<number, OutgoingFile[]>;
  /** Messages that cannot be sent, by id, with the reason. */
  missing: Map<number, string>;
}

export async function loadAttachments(q: Queryable, chunk: readonly ClaimedMessage[]): Promise<ChunkFiles> {
  const out: ChunkFiles = { files: new Map(), missing: new Map() };
  const idsByOrg = new Map<number, Set<number>>();
  for (const m of chunk) {
    const attached = m.channel === 'email' ? (m.content?.attachments ?? []) : [];
    if (attached.length === 0) continue;
    const ids = idsByOrg.get(m.orgId) ?? new Set<number>();
    idsByOrg.set(m.orgId, ids);
    for (const a of attached) ids.add(a.documentId);
  }
  // A chunk is one gateway's, so one organisation's: one query in practice.
  for (const [orgId, ids] of idsByOrg) {
    const docs = await getDocumentFiles(q, orgId, [...ids]);
    for (const m of chunk) {
      if (m.orgId !== orgId || m.channel !== 'email' || !m.content?.attachments.length) continue;
      const files: OutgoingFile[] = [];
      for (const a of m.content.attachments) {
        const d = docs.get(a.documentId);
        if (!d) {
          out.missing.set(
            m.id,
            `attachment_missing: document ${a.documentId} («${a.fileName}») was deleted after the launch`,
          );
          break;
        }
        files.push({ fileName: a.fileName, contentType: d.contentType, bytes: d.content });
      }
      if (!out.missing.has(m.id)) out.files.set(m.id, files);
    }
  }
  return out;
}
