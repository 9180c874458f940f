// The typed client and the checks every step applies to what the server answers.
import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type Schemas = components["schemas"];
export type Api = Client<paths>;
type Problem = Schemas["Problem"];

/** A client for the server at `baseUrl`; with `token`, every request carries it. */
export function connect(baseUrl: string, token?: string): Api {
  const headers = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  return createClient<paths>({ baseUrl, headers });
}

/** A failed expectation: the scenario stops at the first one. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioError(message);
}

// What openapi-fetch returns. `error` is typed as Problem, so an operation whose spec
// documents an error body other than problem+json fails to compile here.
interface Outcome<T> {
  data?: T;
  error?: Problem;
  response: Response;
}

/** The body of a response that must have this status. */
export function expectBody<T>(what: string, outcome: Outcome<T>, status: number): T {
  expectStatus(what, outcome, status);
  check(outcome.data !== undefined, `${what}: HTTP ${status} came without a body`);
  return outcome.data;
}

export function expectStatus(what: string, outcome: Outcome<unknown>, status: number): void {
  const got = outcome.response.status;
  if (got !== status) {
    const problem = outcome.error === undefined ? "" : ` (${outcome.error.code}: ${outcome.error.detail})`;
    throw new ScenarioError(`${what}: expected HTTP ${status}, got ${got}${problem}`);
  }
}
