/**
 * Import of contacts from CSV or XLSX (AU-8): the file is uploaded as it is chosen (the raw file is
 * the request body), the server answers with a preview and a suggested mapping that can be changed
 * per column (each change is previewed again), then the import runs as a job that is polled until
 * it is done, and its summary and rejected rows are shown.
 */
import { useRef, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { ErrorNote, Field, Loading, Page } from '../ui.tsx';
import { ImportMapping } from './contacts/ImportMapping.tsx';
import { ImportResult } from './contacts/ImportResult.tsx';
import './contacts/contacts.css';
import type { ImportJob, ImportPreview, Mapping } from './contacts/types.ts';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function contentType(name: string): string {
  const n = name.toLowerCase();
  if (n.endsWith('.xlsx')) return XLSX_MIME;
  if (n.endsWith('.csv') || n.endsWith('.txt')) return 'text/csv';
  // Unknown extension: the server looks at the bytes.
  return 'application/octet-stream';
}

export function Import() {
  const { t } = useI18n();
  const fileInput = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);
  const [upload, setUpload] = useState<{ job: ImportJob; preview: ImportPreview }>();
  const [mapping, setMapping] = useState<Mapping>({});
  const [started, setStarted] = useState<ImportJob>();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>();
  // Only the answer to the latest mapping change counts.
  const previewSeq = useRef(0);

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setError(undefined);
    setUpload(undefined);
    setStarted(undefined);
    setUploading(true);
    try {
      const r = await api<{ job: ImportJob; preview: ImportPreview }>('/imports', {
        method: 'POST',
        query: { filename: file.name },
        body: file,
        contentType: contentType(file.name),
      });
      setUpload(r);
      setMapping(r.preview.mapping);
    } catch (e) {
      setError(e);
    } finally {
      setUploading(false);
    }
  };

  const changeMapping = async (m: Mapping) => {
    if (!upload) return;
    setMapping(m);
    const seq = ++previewSeq.current;
    try {
      const preview = await api<ImportPreview>(`/imports/${upload.job.id}/preview`, {
        query: { mapping: JSON.stringify(m) },
      });
      if (seq === previewSeq.current) setUpload({ ...upload, preview });
    } catch (e) {
      if (seq === previewSeq.current) setError(e);
    }
  };

  const start = async () => {
    if (!upload) return;
    setStarting(true);
    setError(undefined);
    try {
      setStarted(await api<ImportJob>(`/imports/${upload.job.id}/start`, { body: { mapping } }));
    } catch (e) {
      setError(e);
    } finally {
      setStarting(false);
    }
  };

  const reset = () => {
    setUpload(undefined);
    setStarted(undefined);
    setError(undefined);
    if (fileInput.current) fileInput.current.value = '';
  };

  const p = upload?.preview;
  return (
    <Page
      title={t('import.title')}
      actions={
        <Link href="/contacts" className="btn">
          {t('contacts.toList')}
        </Link>
      }
    >
      <div className="card">
        <Field label={t('import.file')} hint={t('import.fileHint')}>
          <input
            ref={fileInput}
            type="file"
            accept=".csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            disabled={uploading || starting}
            onChange={(e) => choose(e.target.files?.[0])}
            data-test="import-file"
          />
        </Field>
        {uploading ? <Loading /> : null}
        {p && upload ? (
          <p className="muted">
            {t('import.fileInfo', { name: upload.job.fileName || '—', format: p.format.toUpperCase() })}
            {p.format === 'csv'
              ? t('import.csvInfo', {
                  encoding: p.encoding ?? '—',
                  delimiter: p.delimiter === '\t' ? 'TAB' : (p.delimiter ?? '—'),
                })
              : null}
          </p>
        ) : null}
        <ErrorNote error={error} />
      </div>

      {p && !started ? (
        <div className="card">
          <ImportMapping preview={p} mapping={mapping} onChange={changeMapping} disabled={starting} />
          <div className="row" style={{ marginTop: '1rem' }}>
            <button
              type="button"
              className="primary"
              disabled={starting || p.mappingProblems.length > 0}
              onClick={start}
              data-test="import-start"
            >
              {starting ? t('import.starting') : t('import.start')}
            </button>
            <button type="button" onClick={reset} disabled={starting}>
              {t('import.another')}
            </button>
          </div>
        </div>
      ) : null}

      {started ? <ImportResult key={started.id} start={started} /> : null}
    </Page>
  );
}
