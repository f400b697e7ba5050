import type { ValidationIssue } from '../../lib/errors.js';
import { ValidationError } from '../../lib/errors.js';

/**
 * Issues collects validation problems with their field paths while a
 * validator walks a document, so one run reports every problem at once.
 */
export class Issues {
  private readonly items: ValidationIssue[] = [];

  /** Records a problem at `path` (e.g. `spec.ingress[0].destination.ports[1]`). */
  add(path: string, reason: string, value?: unknown): void {
    this.items.push(value === undefined ? { path, reason } : { path, reason, value });
  }

  get list(): readonly ValidationIssue[] {
    return this.items;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Throws ValidationError naming `document` when any issue was recorded. */
  throwIfAny(document?: string): void {
    if (this.items.length) throw new ValidationError(this.items.slice(), document);
  }
}
