// The `self-trace` CLI: dispatches to a sub-command; every capability adds its own to `commands`.
import { knownCause } from '../engine/errors';
import { EXIT, type CliCommand, type CliContext } from './command';
import { compare } from './compare';
import { doctor } from './doctor';
import { explain } from './explain';
import { features } from './features';
import { graph } from './graph';
import { intervene } from './intervene';
import { reasoning } from './reasoning';
import { run } from './run';
import { study } from './study';
import { trace } from './trace';

export const commands: readonly CliCommand[] = [doctor, run, trace, graph, features, intervene, reasoning, explain, compare, study];

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'self-trace: attribution graphs for language models, without VS Code',
    '',
    'usage: self-trace <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `self-trace <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[], context: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  const { io } = context;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`self-trace: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, context);
  } catch (err) {
    // parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code for a wrong command line
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`self-trace ${name}: ${(err as Error).message}\nusage: ${command.usage}`);
      return EXIT.usage;
    }
    const known = knownCause(err);
    io.err(`self-trace ${name}: ${known ? known.message : err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}
