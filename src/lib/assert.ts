/** Bugs are assertions, not error codes: a failed assert is a broken invariant. */
export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionFailure';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionFailure(message);
}

export function assertDefined<T>(value: T | null | undefined, message: string): T {
  if (value === null || value === undefined) throw new AssertionFailure(message);
  return value;
}

export function assertNever(x: never, message = 'unexpected value'): never {
  throw new AssertionFailure(`${message}: ${JSON.stringify(x)}`);
}
