// Entry of dist/cli.js (what bin/self-trace loads): runs the CLI on this process's arguments and streams.
import { main } from './main';

main(process.argv.slice(2), {
  io: { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) },
  distDir: __dirname,
}).then((code) => {
  process.exitCode = code;
});
