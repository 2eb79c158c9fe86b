/**
 * Whose clock a message waits for (issue 7 item 1): the contact's own time zone, else the zone the
 * phone number tells, else the organisation's. A Russian landline number (+7 3xx, 4xx, 8xx) names
 * its region by its area (ABC) code; a mobile number (+7 9xx) does not — its range is allocated to
 * an operator and region in a registry this table does not carry — so it falls to the organisation.
 */
const MOSCOW = 'Europe/Moscow';

/** ABC code → IANA zone, for the codes whose region is not on Moscow time. */
const ABC: Record<string, string> = {
  '301': 'Asia/Irkutsk',
  '302': 'Asia/Chita',
  '341': 'Europe/Samara',
  '342': 'Asia/Yekaterinburg',
  '343': 'Asia/Yekaterinburg',
  '345': 'Asia/Yekaterinburg',
  '346': 'Asia/Yekaterinburg',
  '347': 'Asia/Yekaterinburg',
  '349': 'Asia/Yekaterinburg',
  '351': 'Asia/Yekaterinburg',
  '352': 'Asia/Yekaterinburg',
  '353': 'Asia/Yekaterinburg',
  '365': 'Europe/Simferopol',
  '381': 'Asia/Omsk',
  '382': 'Asia/Tomsk',
  '383': 'Asia/Novosibirsk',
  '384': 'Asia/Novokuznetsk',
  '385': 'Asia/Barnaul',
  '388': 'Asia/Barnaul',
  '390': 'Asia/Krasnoyarsk',
  '391': 'Asia/Krasnoyarsk',
  '394': 'Asia/Krasnoyarsk',
  '395': 'Asia/Irkutsk',
  '401': 'Europe/Kaliningrad',
  '411': 'Asia/Yakutsk',
  '413': 'Asia/Magadan',
  '415': 'Asia/Kamchatka',
  '416': 'Asia/Yakutsk',
  '421': 'Asia/Vladivostok',
  '423': 'Asia/Vladivostok',
  '424': 'Asia/Sakhalin',
  '426': 'Asia/Vladivostok',
  '427': 'Asia/Anadyr',
  '842': 'Europe/Ulyanovsk',
  '844': 'Europe/Volgograd',
  '845': 'Europe/Saratov',
  '846': 'Europe/Samara',
  '848': 'Europe/Samara',
  '851': 'Europe/Astrakhan',
  '869': 'Europe/Simferopol',
};

/** Area codes of regions on Moscow time (the European part), by their first two digits. */
const MOSCOW_PREFIXES = ['47', '48', '49', '81', '82', '83', '84', '85', '86', '87'];

/** The zone a Russian landline number's area code names; null for mobile and other numbers. */
export function zoneOfPhone(e164: string | null | undefined): string | null {
  const m = /^\+7([348]\d\d)\d{7}$/.exec(e164 ?? '');
  if (!m) return null;
  const abc = m[1]!;
  return ABC[abc] ?? (MOSCOW_PREFIXES.includes(abc.slice(0, 2)) ? MOSCOW : null);
}

/** The recipient's zone: their own, the phone's, or the organisation's. */
export function recipientZone(
  contactZone: string | null | undefined,
  phone: string | null | undefined,
  orgZone: string,
): string {
  return contactZone || zoneOfPhone(phone) || orgZone;
}
