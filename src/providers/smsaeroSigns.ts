/**
 * SMS Aero's sender names («подписи») over API v2: `POST /v2/sign/list` (pages by `?page=N`), each
 * name with its own moderation status and one per operator (`statusOperators`). What SMS Aero's own
 * client libraries show of the answer:
 *
 *   {"success": true, "data": {"totalCount": "1", "links": {…, "next": "/v2/sign/list?page=2"},
 *     "0": {"id": 12345, "name": "TestSign", "status": 1, "extendStatus": "approve",
 *           "statusOperators": {"1": {"operator": 1, "extendOperator": "MEGAFON", "status": 1,
 *                                     "extendStatus": "approve"}, …}}}}
 *
 * Words seen there: `approve` (status 1) and `active` for a usable name, `moderation` (status 0) for
 * one being checked. The word for a refused name is not shown in those sources; any word starting
 * with `reject` (or `block`, `declin`) counts as refused.
 *
 * The mapping, chosen so that a campaign is never launched on a guess:
 * - approved: SMS Aero approved the name as a whole, or for at least one operator — it can be sent
 *   with then, and SMS Aero itself replaces it for the operators that have not approved it;
 * - rejected: refused as a whole, or by every operator listed (and approved by none);
 * - pending: everything else — on moderation, or a status word this code does not know.
 * The raw value keeps SMS Aero's words: `1:approve [MEGAFON 1:approve, MTS 0:moderation]`.
 */
import type { ProviderSenderName } from './provider.ts';

type SignState = ProviderSenderName['state'];

interface StatusFields {
  status?: unknown;
  extendStatus?: unknown;
}
interface OperatorStatus extends StatusFields {
  operator?: unknown;
  extendOperator?: unknown;
}
interface SignRecord extends StatusFields {
  name?: unknown;
  statusOperators?: unknown;
}

/** One status (the name's or an operator's) → a state; null when SMS Aero gave none. */
function stateOf(s: StatusFields): SignState | null {
  const word = typeof s.extendStatus === 'string' ? s.extendStatus.trim().toLowerCase() : '';
  if (word === '') {
    // No word: only the numbers SMS Aero's examples pair with words are trusted.
    if (s.status === 1 || s.status === '1') return 'approved';
    if (s.status === 0 || s.status === '0') return 'pending';
    return null;
  }
  if (/^(approve|approved|active)$/.test(word)) return 'approved';
  if (/^(reject|block|declin)/.test(word)) return 'rejected';
  return 'pending';
}

const rawOf = (s: StatusFields) =>
  `${s.status === undefined || s.status === null ? '?' : String(s.status)}:${typeof s.extendStatus === 'string' ? s.extendStatus : ''}`;

/** A JSON object's values in key order, or an array's items. */
const valuesOf = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];

/** One record of `sign/list` → a name with its state; null when it has no name. */
export function mapSmsAeroSign(sign: SignRecord): ProviderSenderName | null {
  const name = typeof sign.name === 'string' ? sign.name.trim() : '';
  if (!name) return null;
  const operators = valuesOf(sign.statusOperators).filter(
    (o): o is OperatorStatus => Boolean(o) && typeof o === 'object',
  );
  const own = stateOf(sign);
  const each = operators.map(stateOf);
  let state: SignState = 'pending';
  if (own === 'approved' || each.includes('approved')) state = 'approved';
  else if (own === 'rejected' || (each.length > 0 && each.every((s) => s === 'rejected'))) state = 'rejected';
  const ops = operators.map((o) => `${String(o.extendOperator ?? o.operator ?? '?')} ${rawOf(o)}`);
  return { name, state, raw: `${rawOf(sign)}${ops.length ? ` [${ops.join(', ')}]` : ''}` };
}

/**
 * One page's `data` → its names, and whether another page follows (a `links.next`, or fewer names
 * so far than `totalCount`). The names are the numbered keys; `links` and `totalCount` are not.
 */
export function smsAeroSignPage(
  data: unknown,
  seenBefore: number,
): { names: ProviderSenderName[]; records: number; more: boolean } {
  if (!data || typeof data !== 'object') return { names: [], records: 0, more: false };
  const entries = Array.isArray(data)
    ? data
    : Object.entries(data)
        .filter(([k]) => /^\d+$/.test(k))
        .map(([, v]) => v);
  const records = entries.filter((r): r is SignRecord => Boolean(r) && typeof r === 'object');
  const names = records.flatMap((r) => {
    const m = mapSmsAeroSign(r);
    return m ? [m] : [];
  });
  const d = data as { links?: { next?: unknown }; totalCount?: unknown };
  const total = Number(d.totalCount);
  const more =
    records.length > 0 &&
    ((typeof d.links?.next === 'string' && d.links.next !== '') ||
      (Number.isFinite(total) && seenBefore + records.length < total));
  return { names, records: records.length, more };
}
