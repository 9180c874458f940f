// Draft autosave: a half-written form survives an expired session (the console returns to
// sign-in, then back). Drafts are kept in localStorage per user and form, hold form text
// only (never a password or a token), and are removed when the form is sent or the user
// signs out.
import { useState, useEffect } from "./ui.js";

const PREFIX = "tongxin.console.draft.";

function key(userId, form) {
  return `${PREFIX}${userId}.${form}`;
}

export function loadDraft(userId, form) {
  try {
    const raw = localStorage.getItem(key(userId, form));
    return raw === null ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function saveDraft(userId, form, value) {
  try {
    localStorage.setItem(key(userId, form), JSON.stringify(value));
  } catch {
    // Storage full or unavailable: the draft lives in memory only.
  }
}

export function clearDraft(userId, form) {
  try {
    localStorage.removeItem(key(userId, form));
  } catch {
    // Nothing to remove.
  }
}

/** Removes every draft of a user (on sign-out). */
export function clearDrafts(userId) {
  try {
    Object.keys(localStorage)
      .filter((k) => k.startsWith(`${PREFIX}${userId}.`))
      .forEach((k) => localStorage.removeItem(k));
  } catch {
    // Nothing to remove.
  }
}

/** `useState` whose value is autosaved as the draft of `form` for `userId`. */
export function useDraft(userId, form, initial) {
  const [value, setValue] = useState(() => loadDraft(userId, form) ?? initial);
  useEffect(() => {
    if (JSON.stringify(value) === JSON.stringify(initial)) clearDraft(userId, form);
    else saveDraft(userId, form, value);
  }, [userId, form, value]);
  return [value, setValue];
}
