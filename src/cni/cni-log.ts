/**
 * CniLog: the plugin's level-guarded log (config `log_level`,
 * `log_file_path`). One JSON line per entry, appended synchronously so
 * nothing is lost when the process exits right after printing its result.
 * Stdout is reserved for the CNI result; without a file, entries go to stderr.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const LEVELS = { debug: 10, info: 20, warning: 30, warn: 30, error: 40, fatal: 50, panic: 60, none: 100 } as const;
type Level = keyof typeof LEVELS;

export class CniLog {
  private readonly threshold: number;
  constructor(level: string, private readonly file: string | undefined, private readonly fields: Record<string, string> = {}) {
    this.threshold = LEVELS[level.toLowerCase() as Level] ?? LEVELS.info;
    if (file) {
      try { mkdirSync(dirname(file), { recursive: true }); } catch { /* reported on first write */ }
    }
  }

  with(fields: Record<string, string>): CniLog {
    return new CniLog(Object.keys(LEVELS).find((k) => LEVELS[k as Level] === this.threshold) ?? 'info', this.file, { ...this.fields, ...fields });
  }

  debug(msg: string, extra?: Record<string, unknown>): void { this.write('debug', msg, extra); }
  info(msg: string, extra?: Record<string, unknown>): void { this.write('info', msg, extra); }
  warn(msg: string, extra?: Record<string, unknown>): void { this.write('warning', msg, extra); }
  error(msg: string, extra?: Record<string, unknown>): void { this.write('error', msg, extra); }

  private write(level: Level, msg: string, extra?: Record<string, unknown>): void {
    if (LEVELS[level] < this.threshold) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.fields, ...extra }) + '\n';
    try {
      if (this.file) appendFileSync(this.file, line);
      else process.stderr.write(line);
    } catch { /* logging must never fail a CNI operation */ }
  }
}
