/**
 * The variables a template sees for one recipient: the contact, aggregates over their objects and the
 * organisation. Built from plain rows so it is the same at preview, at launch and in tests.
 */
import { formatKopecks, type TemplateScope } from './render.ts';

export interface ScopeContact {
  id: number;
  last_name: string;
  first_name: string;
  middle_name: string;
  phone: string | null;
  email: string | null;
  attributes: Record<string, unknown>;
}

export interface ScopeObject {
  kind: string;
  number: string;
  charges_kopecks: number;
  debt_kopecks: number;
}

export function buildScope(
  contact: ScopeContact,
  objects: readonly ScopeObject[],
  org: { name: string },
): TemplateScope {
  const join = (...parts: string[]) => parts.filter((p) => p.trim() !== '').join(' ');
  const charges = objects.reduce((s, o) => s + o.charges_kopecks, 0);
  const debt = objects.reduce((s, o) => s + o.debt_kopecks, 0);
  return {
    contact: {
      id: contact.id,
      last_name: contact.last_name,
      first_name: contact.first_name,
      middle_name: contact.middle_name,
      full_name: join(contact.last_name, contact.first_name, contact.middle_name),
      // «Уважаемый Иван Петрович»: the name and patronymic, as Russian letters address people.
      name: join(contact.first_name, contact.middle_name),
      phone: contact.phone ?? '',
      email: contact.email ?? '',
      attributes: contact.attributes,
    },
    objects: objects.map((o) => ({
      kind: o.kind,
      number: o.number,
      charges: formatKopecks(o.charges_kopecks),
      debt: formatKopecks(o.debt_kopecks),
    })),
    total: formatKopecks(charges),
    debt: formatKopecks(debt),
    org: { name: org.name },
  };
}
