/**
 * Report generation time: PDF per page and per query (createReport + render), on a library built from the RRUFF
 * fixtures with the default classic method. Prints ms per page.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Library } from '../src-core/node/library/Library.js';
import { createReport } from '../src-core/node/report/createReport.js';
import { renderReportPdf } from '../src-core/node/report/renderReportPdf.js';
import { reportToCsv } from '../src-core/report/reportTables.js';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { identifyMap } from '../src-core/node/map/identifyMap.js';
import { createMapReport, mapFileSha256 } from '../src-core/node/report/mapReport.js';
import { writeMapFile } from '../test/fixtureMap.js';

export async function run(): Promise<void> {
  const fixtures = join(import.meta.dirname, '../test/fixtures/rruff');
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.txt')).map((f) => join(fixtures, f));
  const lib = Library.open(join(mkdtempSync(join(tmpdir(), 'specmatch-bench-report-')), 'b.specmatch'), { create: true });
  await lib.importPaths(files);
  const queries = files.map((f) => ({ fileName: f, bytes: new Uint8Array(readFileSync(f)) }));
  // warm-up (font loading, JIT)
  await renderReportPdf(await createReport(queries.slice(0, 1), { library: lib, appVersion: 'bench' }));
  for (const n of [1, 12]) {
    const t0 = performance.now();
    const input = await createReport(queries.slice(0, n), { library: lib, appVersion: 'bench' });
    const t1 = performance.now();
    const pdf = await renderReportPdf(input);
    const t2 = performance.now();
    const pages = (Buffer.from(pdf).toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
    reportToCsv(input);
    console.log(`report ${n} quer${n === 1 ? 'y' : 'ies'}: gather+match ${(t1 - t0).toFixed(0)} ms, PDF render ${(t2 - t1).toFixed(0)} ms, ${pages} pages, ${((t2 - t1) / pages).toFixed(1)} ms/page, ${(pdf.length / 1024).toFixed(0)} KiB`);
  }
  // The map report page (specmatch map --out OUT.pdf, the app's map Export report…): from an identified map.
  const mapBytes = new Uint8Array(readFileSync(writeMapFile()));
  const read = readSpectra(mapBytes, 'map.txt');
  const identified = await identifyMap(lib, read.spectra, { method: 'hqi-derivative' });
  const t0 = performance.now();
  const input = createMapReport({ fileName: 'map.txt', sha256: mapFileSha256(mapBytes), format: read.format, identified }, { library: lib, appVersion: 'bench' });
  const t1 = performance.now();
  const pdf = await renderReportPdf(input);
  const t2 = performance.now();
  const pages = (Buffer.from(pdf).toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
  console.log(`map report (${read.spectra.length} spectra, ${identified.map.layout.width} × ${identified.map.layout.height}): gather (phase image PNG) ${(t1 - t0).toFixed(0)} ms, PDF render ${(t2 - t1).toFixed(0)} ms, ${pages} page${pages === 1 ? '' : 's'}, ${(pdf.length / 1024).toFixed(0)} KiB`);
  lib.close();
}
