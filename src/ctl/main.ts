import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isCalicoError } from '../lib/errors.js';
import { DefaultCtlContext, type CtlContext, type CtlIO } from './context.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerCreateCommand } from './commands/create.js';
import { registerDeleteCommand } from './commands/delete.js';
import { registerGetCommand } from './commands/get.js';
import { registerLabelCommand } from './commands/label.js';
import { registerPatchCommand } from './commands/patch.js';
import { registerReplaceCommand } from './commands/replace.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerVersionCommand } from './commands/version.js';
import { errorText } from './config-command.js';

/**
 * calicoctl's entry point. `main(argv, io)` runs one command and returns the
 * exit code (0 success, 1 any failure), so tests run the CLI in-process.
 *
 *   argv -> commander (global -l/--log-level, --context, --allow-version-mismatch)
 *        -> command module action (ctx: lazily opened datastore, stdout/stderr)
 *        -> CalicoError / command failure -> message on stderr, exit 1
 */

const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];

/**
 * Other helpers' command modules, wired when present: ipam (IPAM), explain
 * (policy calculation), node (routing: `node status`). The first of
 * commands/<name>.js, commands/<name>*.js that exports the register function wins.
 */
const OPTIONAL_COMMANDS: readonly { command: string; register: string }[] = [
  { command: 'ipam', register: 'registerIpamCommand' },
  { command: 'explain', register: 'registerExplainCommand' },
  { command: 'node', register: 'registerNodeCommand' },
];

/** commands/<command>.js first, then any other commands/<command>*.js (not tests). */
function candidateFiles(dir: string, command: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const others = names.filter((f) => f.startsWith(command) && f.endsWith('.js') && !f.endsWith('.test.js') && f !== `${command}.js`).sort();
  return [...(names.includes(`${command}.js`) ? [`${command}.js`] : []), ...others];
}

type RegisterFn = (program: Command, ctx: CtlContext) => void;

export function defaultIO(): CtlIO {
  // `calicoctl get ... | head -1`: a closed pipe ends output quietly, as SIGPIPE does for Go's calicoctl.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: readProcessStdin,
    env: process.env,
  };
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Builds the program; exported for tests that inspect commands. Optional
 * command modules load only when `argv` names them (or asks for help), so
 * `calicoctl get` does not pay for loading IPAM or the policy simulator.
 */
export async function buildProgram(ctx: DefaultCtlContext, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('calicoctl')
    .description('The calicoctl command line tool is used to manage Calico network and security policy, to view and manage endpoint configuration, and to manage a Calico node instance.')
    .option('-l, --log-level <level>', 'Set the log level (one of panic, fatal, error, warn, info, debug)', 'panic')
    .option('--context <context>', 'The name of the kubeconfig context to use (accepted, unused).')
    .option('--allow-version-mismatch', 'Allow client and cluster versions mismatch.')
    // docopt's version summary, as calicoctl prints for --version.
    .version("Run 'calicoctl version' to see version information.", '--version', 'Show how to see version information.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout(s), writeErr: (s) => ctx.stderr(s), outputError: () => undefined })
    .showSuggestionAfterError(false)
    // Like docopt, a usage error shows the command's usage (sub-commands inherit this).
    .showHelpAfterError(true);

  for (const register of [
    registerCreateCommand, registerReplaceCommand, registerApplyCommand, registerPatchCommand, registerDeleteCommand,
    registerGetCommand, registerLabelCommand, registerValidateCommand, registerVersionCommand,
  ]) register(program, ctx);

  const here = dirname(fileURLToPath(import.meta.url));
  const wantsHelp = argv.length === 0 || argv.some((a) => a === '-h' || a === '--help' || a === 'help');
  for (const opt of OPTIONAL_COMMANDS) {
    if (!wantsHelp && !argv.includes(opt.command)) continue;
    for (const file of candidateFiles(join(here, 'commands'), opt.command)) {
      const path = join(here, 'commands', file);
      const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const fn = mod[opt.register];
      if (typeof fn !== 'function') continue;
      (fn as RegisterFn)(program, ctx);
      break;
    }
  }

  program.hook('preAction', (root, action) => {
    const level = String(root.opts()['logLevel'] ?? 'panic');
    if (!LOG_LEVELS.includes(level.toLowerCase())) {
      throw new UsageFailure(`Unknown log level: ${level}, expected one of: \npanic, fatal, error, warn, info, debug.`);
    }
    // An explicit -c/--config names the file; otherwise the default file if present, else the environment.
    ctx.useConfigFile(action.getOptionValueSource('config') === 'cli' ? String(action.opts()['config']) : undefined);
    // The global --allow-version-mismatch reaches every command (calicoctl appends it to the sub-command's args).
    if (root.opts()['allowVersionMismatch'] === true && action.options.some((o) => o.attributeName() === 'allowVersionMismatch')) {
      action.setOptionValue('allowVersionMismatch', true);
    }
  });
  return program;
}

class UsageFailure extends Error {}

/** calicoctl's `get -a` is an alias of `-A`. */
function normaliseArgs(argv: readonly string[]): string[] {
  const i = argv.indexOf('get');
  return argv.map((a, j) => (i >= 0 && j > i && a === '-a' ? '-A' : a));
}

export async function main(argv: readonly string[], io: CtlIO = defaultIO()): Promise<number> {
  const ctx = new DefaultCtlContext(io);
  try {
    const program = await buildProgram(ctx, argv);
    if (argv.length === 0) {
      ctx.stdout(program.helpInformation());
      return 1;
    }
    await program.parseAsync(normaliseArgs(argv), { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      ctx.stderr(`Invalid option: 'calicoctl ${argv.join(' ')}'. Use flag '--help' to read about a specific subcommand.\n${e.message.replace(/^error: /, '')}\n`);
      return 1;
    }
    if (e instanceof UsageFailure) {
      ctx.stdout(`${e.message}\n`);
      return 1;
    }
    if (isCalicoError(e)) {
      ctx.stderr(`${errorText(e)}\n`);
      return 1;
    }
    ctx.stderr(`${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
