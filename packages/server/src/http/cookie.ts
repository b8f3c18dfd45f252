/** The console's session cookie: HttpOnly (no script reads it), SameSite=Strict. */
export const SESSION_COOKIE = "latchkey_session";
