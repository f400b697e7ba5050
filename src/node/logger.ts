/**
 * Structured logging for the agent (pino, JSON lines on stderr), levels named
 * as Felix's logSeverityScreen: TRACE, DEBUG, INFO, WARNING, ERROR, FATAL.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const LEVELS: Readonly<Record<string, string>> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal' };

export function pinoLevel(felixSeverity: string): string {
  return LEVELS[felixSeverity.toUpperCase()] ?? 'info';
}

export function createLogger(felixSeverity: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: pinoLevel(felixSeverity), base: { component: 'calico-node', ...bindings } }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
