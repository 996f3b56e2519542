/**
 * Child process of crashSafety.test.ts: imports a folder in small batches and reports each commit on stdout, so the
 * test can SIGKILL it mid-import. Not a test itself.
 */
import { Library } from '../Library.js';

const [libPath, dir, batch] = process.argv.slice(2);
const lib = Library.open(libPath!, { create: true, user: 'crash-test' });
await lib.importPaths([dir!], {
  batchFiles: Number(batch ?? 20),
  onBatchCommitted: (files, added) => process.stdout.write(`committed ${files} ${added}\n`),
});
lib.close();
process.stdout.write('done\n');
