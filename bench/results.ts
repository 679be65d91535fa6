// bench/RESULTS.md holds the latest numbers of every benchmark, one marked section each, replaced in place.
import * as fs from 'node:fs';
import * as path from 'node:path';

const FILE = path.resolve('bench', 'RESULTS.md');
const HEADER = '# Benchmark results\n\nWritten by `npm run bench`; each section is replaced by its benchmark\'s latest run.\n';

export function writeSection(id: string, title: string, body: string): void {
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${start}\n## ${title}\n\n_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC_\n\n${body}\n${end}`;
  const text = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(FILE, next);
}
