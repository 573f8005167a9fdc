/**
 * The authenticated caller of a request. Services take the whole Caller (not a bare user id) so
 * that every ownership check goes through {@link ownedBy} / {@link canSee}: one place decides
 * that role `admin` sees every user's rows (protocol §2.7).
 */
export interface Caller {
  /** Owner id of the rows this caller creates: the token's `sub` (else `email`), or the AGS user id. */
  userId: string;
  /** Role `admin`: reads and changes every user's rows. */
  isAdmin: boolean;
  name?: string;
  email?: string;
  roles: string[];
}

/** The user every caller is when auth is off, as in AGS. */
export const GUEST_USER_ID = 'guestuser@gmail.com';

/** The role that lifts the per-user filter. */
export const ADMIN_ROLE = 'admin';

/** A plain, non-admin caller (auth off, tests, or acting as a row's owner). */
export function userCaller(userId: string): Caller {
  return { userId, isAdmin: false, roles: [] };
}

/**
 * The `where` fragment that scopes a query to what the caller may see: `{ user_id }`, or
 * nothing for an admin. Spread it into every find/update/delete of an owned row.
 */
export function ownedBy(caller: Caller): { user_id?: string } {
  return caller.isAdmin ? {} : { user_id: caller.userId };
}

/** Whether the caller may see a row it already holds (e.g. a run looked up by id alone). */
export function canSee(caller: Caller, row: { user_id: string }): boolean {
  return caller.isAdmin || row.user_id === caller.userId;
}
