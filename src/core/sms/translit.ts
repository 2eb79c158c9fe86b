/**
 * Optional transliteration (CT-3): Cyrillic → Latin by the Wikipedia scheme (iuliia), then the
 * typography people paste from editors (« » — … №, non-breaking spaces) mapped onto GSM characters,
 * so a Russian text can go as GSM-7 at 160/153 instead of UCS-2 at 70/67. What has no GSM form
 * (emoji, other scripts) is left as it is, and the text stays UCS-2.
 */
import iuliia from 'iuliia';

const TYPOGRAPHY: Record<string, string> = {
  '«': '"',
  '»': '"',
  '„': '"',
  '“': '"',
  '”': '"',
  '‟': '"',
  '″': '"',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '′': "'",
  '`': "'",
  '—': '-',
  '–': '-',
  '‒': '-',
  '−': '-',
  '‐': '-',
  '‑': '-',
  '…': '...',
  '№': 'N',
  '•': '*',
  '·': '.',
  '\u00a0': ' ',
  '\u2007': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\u200b': '',
  '\u2060': '',
  '\ufeff': '',
  '\t': ' ',
};

const TYPOGRAPHY_RE = new RegExp(`[${Object.keys(TYPOGRAPHY).join('')}]`, 'g');

export function transliterate(text: string): string {
  return iuliia.translate(text, iuliia.WIKIPEDIA).replace(TYPOGRAPHY_RE, (ch) => TYPOGRAPHY[ch]!);
}
