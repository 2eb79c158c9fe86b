/** Small pieces every page uses: loading data, showing an error, a page frame, a field. */
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure } from './api.ts';
import { useI18n } from './i18n/index.ts';

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; `everyMs` polls (a live report), skipping while hidden. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  useEffect(() => {
    if (!everyMs) return;
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((n) => n + 1);
    }, everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/**
 * An action a button starts: `busy` while it runs (buttons disable themselves), its failure kept in
 * `error` for ErrorNote. `run` resolves to whether the action succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** The server's message, and for invalid input each field's problem on its own line. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const problems =
    error instanceof ApiFailure && Array.isArray(error.details)
      ? (error.details as { field?: string; message?: string }[]).filter((p) => p?.message)
      : [];
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error" role="alert">
      <strong>{t('common.error')}:</strong>{' '}
      {problems.length > 0 ? (
        <ul>
          {problems.map((p) => (
            <li key={`${p.field}:${p.message}`}>{p.field ? `${p.field}: ${p.message}` : p.message}</li>
          ))}
        </ul>
      ) : (
        message
      )}
    </div>
  );
}

export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="page">
      <header className="page-head">
        <h1>{title}</h1>
        {actions ? <div className="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p className="muted">{t('common.loading')}</p>;
}

/** «Loading…» while `of` has nothing to show yet; a reload keeps the old data on screen instead. */
export function FirstLoad({ of }: { of: Async<unknown> }) {
  return of.loading && of.data === undefined ? <Loading /> : null;
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child the caller passes
    <label className="field">
      <span className="label">{label}</span>
      {children}
      {hint ? <span className="hint">{hint}</span> : null}
    </label>
  );
}

/** A coloured word for a state (campaign, message, import): the class is the state itself. */
export function StateBadge({ state, label }: { state: string; label: string }) {
  return <span className={`badge state-${state}`}>{label}</span>;
}
