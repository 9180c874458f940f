// Calls to /api/v1 with the signed-in user's tokens. The tokens live in this module's
// memory only (never in localStorage or sessionStorage): a reload signs out.
//
// The access token is refreshed (POST /auth/refresh, which rotates the refresh token) a
// minute before it expires; a request answered 401 `token_expired` refreshes and is retried
// once. When the session cannot be renewed, listeners hear `null` and the app shows sign-in.

export const API = "/api/v1";

/** A problem+json answer (RFC 9457): `status`, `code`, `detail`, `errors`. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

/** @type {{user: any, access: string, refresh: string, expiresAt: number} | null} */
let session = null;
let refreshTimer = 0;
let refreshing = null;
const listeners = new Set();

/** Calls `listener(user | null)` when the session starts or ends. */
export function onSession(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentUser() {
  return session ? session.user : null;
}

/** Starts a session from a token response (`/auth/login`, `/auth/password`, `/auth/refresh`). */
export function startSession(pair) {
  const wasSignedIn = session !== null;
  session = {
    user: pair.user,
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + pair.expires_in * 1000,
  };
  clearTimeout(refreshTimer);
  // A minute early (or halfway, for very short tokens).
  const lead = Math.min(60, pair.expires_in / 2) * 1000;
  refreshTimer = setTimeout(() => refresh().catch(() => {}), pair.expires_in * 1000 - lead);
  if (!wasSignedIn) listeners.forEach((listener) => listener(session.user));
}

/** Forgets the tokens; `notify` tells the app (the session ended on its own). */
export function endSession() {
  const had = session !== null;
  session = null;
  clearTimeout(refreshTimer);
  if (had) listeners.forEach((listener) => listener(null));
}

/** Rotates the refresh token; one refresh at a time, shared by concurrent callers. */
function refresh() {
  if (!session) return Promise.reject(new ApiError(401, { code: "unauthorized" }));
  if (!refreshing) {
    const token = session.refresh;
    refreshing = send("POST", "/auth/refresh", { json: { refresh_token: token }, auth: false })
      .then((pair) => {
        if (session && session.refresh === token) startSession(pair);
      })
      .catch((error) => {
        endSession();
        throw error;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

async function send(method, path, { json, body, contentType, accept, auth = true } = {}) {
  const headers = { Accept: accept || "application/json" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  if (auth && session) headers.Authorization = `Bearer ${session.access}`;
  const response = await fetch(API + path, { method, headers, body, credentials: "omit", cache: "no-store" });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    const problem = type.includes("json") ? await response.json().catch(() => ({})) : {};
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  if (accept && !accept.includes("json")) return response.blob();
  return type.includes("json") ? response.json() : response.text();
}

/**
 * One API call as the signed-in user: `api("GET", "/admin/users?q=li")`,
 * `api("POST", path, {json})`, `api("POST", path, {body, contentType: "text/csv"})`,
 * `api("GET", path, {accept: "text/csv"})` (a Blob). Throws `ApiError`.
 */
export async function api(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && session) {
      if (error.code === "token_expired") {
        await refresh();
        try {
          return await send(method, path, options);
        } catch (retryError) {
          if (retryError instanceof ApiError && retryError.status === 401) endSession();
          throw retryError;
        }
      }
      endSession();
    }
    throw error;
  }
}

/** A call made without the session's token (sign-in). */
export function publicApi(method, path, options = {}) {
  return send(method, path, { ...options, auth: false });
}

/** Every page of a list (`{items, next_cursor}`), up to `max` items. */
export async function listAll(path, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** Ends the session on the server too (POST /auth/logout), then forgets the tokens. */
export async function signOut() {
  if (!session) return;
  const token = session.refresh;
  clearTimeout(refreshTimer);
  try {
    await send("POST", "/auth/logout", { json: { refresh_token: token }, auth: false });
  } catch {
    // The tokens are forgotten either way; the server ends the session when they expire.
  }
  endSession();
}
