// The UI library in one place: Preact with hooks, and htm for tagged-template markup (no
// build step). The vendored files and their checksums: vendor/VERSIONS.json.
import { h, render } from "./vendor/preact.mjs";
import htm from "./vendor/htm.mjs";

export { h, render };
export { useState, useEffect, useMemo, useCallback, useRef } from "./vendor/hooks.mjs";

/** `html\`<p>${text}</p>\`` builds Preact elements. */
export const html = htm.bind(h);
