// One message catalogue per locale (i18n/<locale>.js); zh-Hans is the default. The chosen
// locale (and nothing else) is remembered in localStorage.
import zhHans from "./i18n/zh-Hans.js";
import en from "./i18n/en.js";

const CATALOGUES = { "zh-Hans": zhHans, en };
const KEY = "tongxin.console.locale";
export const LOCALES = Object.keys(CATALOGUES);

let current = readStored();
const listeners = new Set();

function readStored() {
  try {
    const stored = localStorage.getItem(KEY);
    return stored && CATALOGUES[stored] ? stored : "zh-Hans";
  } catch {
    return "zh-Hans";
  }
}

export function locale() {
  return current;
}

export function setLocale(next) {
  if (!CATALOGUES[next] || next === current) return;
  current = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = next;
  listeners.forEach((listener) => listener(next));
}

/** Calls `listener(locale)` on every change; returns the unsubscribe function. */
export function onLocaleChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The message `key` of the current locale, `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const message = CATALOGUES[current][key] ?? CATALOGUES["zh-Hans"][key] ?? key;
  return message.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}
