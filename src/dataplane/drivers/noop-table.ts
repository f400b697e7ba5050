import type { ApplyResult, Rule, Table } from './table.js';

/**
 * NoopTable is the null object for the Table seam (Felix's NoopTable): it
 * accepts every update and programs nothing, for a dataplane or IP family
 * that is switched off, so managers need no special cases.
 */
export class NoopTable implements Table {
  constructor(readonly name: string = 'noop') {}
  updateChain(_chain: { readonly name: string; readonly rules: readonly Rule[] }): void { /* nothing to program */ }
  removeChain(_name: string): void { /* nothing to program */ }
  apply(): Promise<ApplyResult> { return Promise.resolve({ commands: 0, readKernel: false, durationMs: 0 }); }
  resync(): Promise<ApplyResult> { return this.apply(); }
  invalidate(): void { /* no believed state */ }
}
