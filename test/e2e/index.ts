// Extension-host entry of the end-to-end suite (the extensionTestsPath): runs every *.test.js next to it with
// mocha, the same contract @vscode/test-electron uses, so the suite also runs under desktop VS Code.
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // SELF_TRACING_E2E_GREP runs only the tests whose titles match (e.g. "Inline trace views")
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', grep: process.env.SELF_TRACING_E2E_GREP || undefined });
  for (const file of fs.readdirSync(__dirname, { recursive: true }) as string[]) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} end-to-end tests failed`)) : resolve()));
  });
}
