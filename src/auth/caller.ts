/** The authenticated caller of a request. Services take `userId` as a plain parameter. */
export interface Caller {
  userId: string;
}

/** The user every caller is when auth is off, as in AGS. */
export const GUEST_USER_ID = 'guestuser@gmail.com';
