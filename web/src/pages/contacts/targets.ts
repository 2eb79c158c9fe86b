/**
 * Where a column of an imported file can go. The API has no list of targets to ask for, so this
 * mirrors FIELD_TARGETS in src/core/import/mapping.ts; `attributes.<name>` targets come from the
 * server's suggestion. A column may feed several targets («Лицевой счёт» → account and external id).
 */
import type { Key } from '../../i18n/index.ts';
import type { Mapping } from './types.ts';

export const FIELD_TARGETS = [
  'lastName',
  'firstName',
  'middleName',
  'fullName',
  'phone',
  'email',
  'telegramChatId',
  'externalId',
  'timeZone',
  'gender',
  'birthDate',
  'object.plot',
  'object.account',
  'object.charges',
  'object.debt',
] as const;

/** A select's value for a list of targets: JSON keeps any attribute name intact; `[]` skips the column. */
export const encode = (targets: readonly string[]) => JSON.stringify(targets);
export const decode = (value: string): string[] => JSON.parse(value) as string[];

export function targetLabel(
  t: (k: Key, vars?: Record<string, string>) => string,
  targets: readonly string[],
) {
  if (targets.length === 0) return t('import.skip');
  return targets
    .map((x) =>
      x.startsWith('attributes.')
        ? t('import.attribute', { name: x.slice('attributes.'.length) })
        : (FIELD_TARGETS as readonly string[]).includes(x)
          ? t(`import.target.${x}` as Key)
          : x,
    )
    .join(' + ');
}

/** The choices for one column: skip, every field, and what the server suggested or is mapped now. */
export function choices(header: string, suggested: Mapping, current: Mapping): string[][] {
  const out: string[][] = [[], ...FIELD_TARGETS.map((f) => [f])];
  for (const extra of [suggested[header], current[header]])
    if (extra && !out.some((o) => encode(o) === encode(extra))) out.push(extra);
  return out;
}
