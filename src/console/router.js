// Client-side routing with the History API: pages have real paths under /console/ (the
// server answers index.html for them), so a deep link or a reload opens the same page.
import { html, useState, useEffect } from "./ui.js";

export const BASE = "/console/";
const listeners = new Set();

/** The page path after /console/ ("" for the start page). */
export function currentPath() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "";
  return path.replace(/\/+$/, "");
}

export function navigate(path, { replace = false } = {}) {
  const url = BASE + path;
  if (url !== location.pathname) {
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
  }
  listeners.forEach((listener) => listener(currentPath()));
}

addEventListener("popstate", () => listeners.forEach((listener) => listener(currentPath())));

/** The current page path, re-rendering on navigation. */
export function usePath() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    listeners.add(setPath);
    return () => listeners.delete(setPath);
  }, []);
  return path;
}

/** A link to a console page that navigates without reloading (which would sign out). */
export function Link({ to, children, ...rest }) {
  const onClick = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return html`<a href=${BASE + to} onClick=${onClick} ...${rest}>${children}</a>`;
}
