import type { Exec, ExecInput, ExecResult } from './exec-shim.js';

/** One call seen by FakeExec. */
export interface FakeExecCall {
  readonly cmd: string;
  readonly args: readonly string[];
  /** stdin as one string (a streamed input is joined, so tests compare text). */
  readonly input: string | undefined;
  /** Whether stdin was given as streamed pieces rather than one string. */
  readonly streamed: boolean;
}

/** Decides the result of a call; return undefined to fall through to the default (exit 0, no output). */
export type FakeExecHandler = (call: FakeExecCall) => ExecResult | undefined;

/**
 * FakeExec records every command and answers from handlers registered per
 * command name, so tests can model `iptables-save`, `ipset list` or `ip -j route`
 * output and then check exactly what was fed to `iptables-restore`.
 */
export class FakeExec implements Exec {
  readonly calls: FakeExecCall[] = [];
  private readonly handlers = new Map<string, FakeExecHandler>();

  /** Registers the handler for one command name (replacing any earlier one). */
  on(cmd: string, handler: FakeExecHandler): this {
    this.handlers.set(cmd, handler);
    return this;
  }

  /** Calls of one command, in order. */
  callsOf(cmd: string): FakeExecCall[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }

  run(cmd: string, args: readonly string[], input?: ExecInput): Promise<ExecResult> {
    if (input !== undefined && typeof input !== 'string' && Symbol.asyncIterator in input) {
      // Recorded in call order; the input (and the handler) once the producer has finished.
      const call = { cmd, args: [...args], input: '', streamed: true };
      this.calls.push(call);
      return (async () => {
        for await (const p of input) call.input += p;
        return this.handlers.get(cmd)?.(call) ?? { code: 0, stdout: '', stderr: '' };
      })();
    }
    const streamed = input !== undefined && typeof input !== 'string';
    const call: FakeExecCall = { cmd, args: [...args], input: streamed ? [...input].join('') : input, streamed };
    this.calls.push(call);
    const r = this.handlers.get(cmd)?.(call);
    return Promise.resolve(r ?? { code: 0, stdout: '', stderr: '' });
  }
}

/** Shorthand for a handler result. */
export function ok(stdout = ''): ExecResult {
  return { code: 0, stdout, stderr: '' };
}

export function fail(stderr: string, code = 1): ExecResult {
  return { code, stdout: '', stderr };
}
