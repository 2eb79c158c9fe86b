/**
 * Addresses that need SMTPUTF8 (RFC 6531). A non-ASCII *domain* never does: it has an ASCII form
 * (IDNA, `пример.рф` → `xn--e1afmkfd.xn--p1ai`) that every server takes. A non-ASCII *local part*
 * has no such form: it can only travel with the SMTPUTF8 extension, and a server that does not
 * offer it would get raw UTF-8 it may mangle, bounce or silently deliver to someone else.
 *
 * Vestnik's rule: such an address is refused wherever an address enters (import, the contacts API,
 * every normalizeEmail), and the SMTP gateway refuses to send to one — an address stored before this
 * rule — unless its server says SMTPUTF8 in its EHLO answer.
 */

/** The part before the last @ (a quoted local part may hold an @ of its own). */
export function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

/** True when the address cannot be sent without SMTPUTF8: its local part has a non-ASCII character. */
export function needsSmtpUtf8(address: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  return /[^\u0000-\u007f]/.test(localPart(address));
}

/** Whether an EHLO answer (all its lines) offers SMTPUTF8. */
export function ehloOffersSmtpUtf8(ehlo: string): boolean {
  return /^250[ -]SMTPUTF8\b/im.test(ehlo);
}

/** Why such an address is refused when it enters Vestnik; «SMTPUTF8» in it names the import reason. */
export function smtpUtf8Refusal(address: string): string {
  return (
    `\`${address}\` has non-Latin characters before the @ («${localPart(address)}»): such an address ` +
    'can only be sent with SMTPUTF8, which many mail servers do not offer; ask for an address in Latin letters'
  );
}
