/**
 * The generic table contract shared by the nftables and iptables drivers, like
 * Felix's generictables: managers describe whole chains; the driver owns the
 * read-diff-apply loop. Rule bodies are already rendered in the backend's own
 * syntax (nft rule statements, or iptables-restore match/target arguments):
 * rendering policy into rules is a separate, pure step (rules/).
 */

/** One rule in a chain. The driver adds the `cali:<hash>` identity comment itself. */
export interface Rule {
  /** Backend syntax without any comment, e.g. `ip saddr @cali40s:abc tcp dport 80 accept`. */
  readonly body: string;
  /** Human comment kept after the hash in the kernel (`cali:<hash>; <comment>`). */
  readonly comment?: string;
}

/** What one apply() did. */
export interface ApplyResult {
  /** Commands (nft) or lines (iptables-restore) sent; 0 when nothing was needed. */
  readonly commands: number;
  /** Whether the kernel state had to be (re)read first (start, resync, after a failure). */
  readonly readKernel: boolean;
  readonly durationMs: number;
}

/** The chain-level Table interface that managers depend on. */
export interface Table {
  readonly name: string;
  /** Replaces the desired content of one chain (created when new). */
  updateChain(chain: { readonly name: string; readonly rules: readonly Rule[] }): void;
  /** Forgets a chain; it is deleted from the kernel at the next apply. */
  removeChain(name: string): void;
  /** Sends the minimal delta between believed kernel state and desired state as one transaction. */
  apply(): Promise<ApplyResult>;
  /** Re-reads the kernel, then repairs anything that differs from the desired state. */
  resync(): Promise<ApplyResult>;
  /** Marks the believed kernel state unknown: the next apply() re-reads first. */
  invalidate(): void;
}
