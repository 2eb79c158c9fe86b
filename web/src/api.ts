/**
 * The one way the interface talks to the server: JSON over /api/v1 with the session cookie, and on
 * every unsafe call the CSRF token the server handed out at sign-in (or in /me after a reload).
 * Errors come back as ApiFailure with the server's code, message and details, ready to be shown.
 */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrfToken = '';
export const setCsrfToken = (token: string) => {
  csrfToken = token;
};

/** Fired when the server says the session is gone, so the shell can show the sign-in form. */
export const SIGNED_OUT_EVENT = 'vestnik:signed-out';

type Query = Record<string, string | number | boolean | undefined | null>;

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Query;
  /** A plain value is sent as JSON; a Blob or ArrayBuffer as is, with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof Blob || options.body instanceof ArrayBuffer) {
    body = options.body;
    headers['content-type'] = options.contentType ?? 'application/octet-stream';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(withQuery(`/api/v1${path}`, options.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (res.status === 401 && path !== '/auth/login') window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiFailure(
      res.status,
      e?.code ?? 'http',
      e?.message ?? `${res.status} ${res.statusText}`,
      e?.details,
    );
  }
  return json as T;
}

/** A file the server builds (CSV, XLSX): fetched with the session and handed to the browser to save. */
export async function download(path: string, query: Query | undefined, filename: string): Promise<void> {
  const res = await fetch(withQuery(`/api/v1${path}`, query), { credentials: 'same-origin' });
  if (!res.ok) throw new ApiFailure(res.status, 'http', `${res.status} ${res.statusText}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
