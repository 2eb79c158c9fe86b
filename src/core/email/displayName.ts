/**
 * The display name of an e-mail's From header (CT-5), for every e-mail gateway (SMTP, UniSender):
 * a campaign's sender name or the gateway's own default goes through here just before it is sent,
 * whatever path it came by (a registered sender is cleaned when registered, a gateway's fromName
 * or senderName setting and a message's sender were not). The rule itself — header specials
 * `( ) < > , : @ ! / = ;` (and `"`, `\`) removed, controls, bidirectional and zero-width
 * characters removed — is sanitizeDisplayName's, so a name registered and a name sent agree.
 */
import { sanitizeDisplayName } from '../senders.ts';

/** The cleaned name, or null when nothing is left of it (then the letter goes without a name). */
export function headerDisplayName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  const r = sanitizeDisplayName(name);
  if (r.ok) return r.value;
  // Longer than a header's name should be (100): its beginning, rather than no name at all.
  const cut = sanitizeDisplayName([...name].slice(0, 100).join(''));
  return cut.ok ? cut.value : null;
}
