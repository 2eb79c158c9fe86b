/** Who is signed in, as /api/v1/me answers; the pages read it to show or hide what the role may do. */
import { createContext, useContext } from 'react';

export type Role = 'owner' | 'admin' | 'operator' | 'moderator' | 'viewer';

export interface Me {
  org: { id: number; name: string; timeZone: string };
  role: Role;
  initiator: string;
  user: { id: number; email: string; name: string } | null;
  csrfToken?: string;
}

export const SessionContext = createContext<Me | null>(null);
export const useSession = () => useContext(SessionContext);

/** Mirrors src/core/roles.ts: who may change settings and top up the balance. */
export const canManage = (me: Me | null) => me?.role === 'owner' || me?.role === 'admin';
export const canSend = (me: Me | null) => canManage(me) || me?.role === 'operator';
