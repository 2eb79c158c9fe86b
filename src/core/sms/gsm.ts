/**
 * The GSM 03.38 default alphabet and its extension table (3GPP TS 23.038, 6.2.1), as a lookup by
 * UTF-16 code unit: 1 = one septet, 2 = an extension character (escape + septet), 0 = not in GSM-7.
 * A Uint8Array indexed by code unit keeps the hot loop of the segment counter to one load per char.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Form feed, ^ { } \ [ ~ ] | € — each costs two septets. */
const EXTENSION = '\f^{}\\[~]|€';

export const GSM_SEPTETS = new Uint8Array(0x10000);
for (const ch of BASIC) GSM_SEPTETS[ch.charCodeAt(0)] = 1;
for (const ch of EXTENSION) GSM_SEPTETS[ch.charCodeAt(0)] = 2;

export const GSM_BASIC = BASIC;
export const GSM_EXTENSION = EXTENSION;

/** Septets per segment: a lone message, and each part of a concatenated one (UDH takes 7 septets). */
export const GSM_SINGLE = 160;
export const GSM_PART = 153;
/** UTF-16 code units per segment: lone, and each part of a concatenated one (UDH takes 3 units). */
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;
