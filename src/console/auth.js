// Signing in: the console is for staff; a learner's tokens are handed back at once.
import { publicApi, startSession, ApiError } from "./api.js";

export const STAFF_ROLES = ["editor", "reviewer", "org_admin", "admin"];

/** Thrown when a learner signs in: their session is ended right away. */
export class NotStaffError extends Error {}

async function accept(pair) {
  if (!STAFF_ROLES.includes(pair.user.role)) {
    await publicApi("POST", "/auth/logout", { json: { refresh_token: pair.refresh_token } }).catch(() => {});
    throw new NotStaffError(pair.user.role);
  }
  startSession(pair);
  return pair.user;
}

/**
 * POST /auth/login. Throws `ApiError` (403 `password_change_required` when the password is
 * a temporary one: then call `replacePassword`) or `NotStaffError`.
 */
export async function signIn(username, password) {
  return accept(await publicApi("POST", "/auth/login", { json: { username, password } }));
}

/** POST /auth/password: replaces a temporary password and signs in. */
export async function replacePassword(username, password, newPassword) {
  return accept(
    await publicApi("POST", "/auth/password", { json: { username, password, new_password: newPassword } }),
  );
}

export { ApiError };
