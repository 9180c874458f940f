// Runs named steps in order, one line of output each, and stops at the first failure.

export interface Done<T> {
  value: T;
  /** What the step saw, for its line of output. */
  note: string;
}

let counter = 0;

export async function step<T>(name: string, run: () => Promise<Done<T>>): Promise<T> {
  counter += 1;
  const label = `${String(counter).padStart(2)} ${name.padEnd(30)}`;
  const started = performance.now();
  try {
    const { value, note } = await run();
    const ms = Math.round(performance.now() - started);
    console.log(`ok   ${label} ${note} (${ms} ms)`);
    return value;
  } catch (error) {
    console.error(`FAIL ${label} ${describe(error)}`);
    throw new StepFailed();
  }
}

/** Thrown after the failing step has printed its line. */
export class StepFailed extends Error {
  override name = "StepFailed";
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // fetch reports an unreachable server as "fetch failed" with the reason in `cause`.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
