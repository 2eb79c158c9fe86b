/**
 * Roubles as people type them («0,35», «1 234.5», «12») to integer kopecks, by string arithmetic:
 * 0.35 * 100 in floating point is 35.00000000000001, which must never reach the server.
 */
export function parseRoubles(input: string): number | null {
  const s = input.replace(/[\s\u00a0\u202f₽]/g, '').replace(',', '.');
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const kopecks = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(kopecks) ? kopecks : null;
}

/** Today or a day relative to it as YYYY-MM-DD in the browser's zone (what a date input holds). */
export function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
