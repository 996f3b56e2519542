/**
 * Cross-instrument simulation on RRUFF (docs/results/calibration.md): the query spectra of a second "instrument"
 * have their x axis distorted by a smooth map d(s) of up to 8 cm⁻¹ (a band truly at s is reported at s + d(s));
 * the same distortion is applied to a real standard spectrum, which is then calibrated with `calibrateSpectra`, and
 * its map is applied to the distorted queries. One-shot top-1 (one reference spectrum per mineral, from its first
 * RRUFF sample; each other sample of the mineral gives one query) with the classic hqi-derivative method:
 * undistorted, distorted, and distorted then calibrated on neon and on polystyrene.
 *
 *   npx tsx scripts/calibration-crossinstrument.ts [ARCHIVE]   (default: RRUFF Processed excellent_unoriented)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateSpectra } from '../src-core/calibration/calibrate.js';
import { standardById } from '../src-core/calibration/standards.js';
import { applyXMap } from '../src-core/calibration/xMap.js';
import type { XMap } from '../src-core/calibration/xMap.js';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { listRruffArchive } from '../src-core/node/data/rruffArchive.js';
import { Library } from '../src-core/node/library/Library.js';
import { matchSpectrum } from '../src-core/node/library/matchLibrary.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';
import { calibrationFile } from '../test/calibrationData.js';
import { sharedPath } from '../test/support.js';

/** The distortion: smooth, not a polynomial, between −2 and +8 cm⁻¹. */
const distortion = (s: number): number => 3 + 5 * Math.sin((s - 300) / 700);

const archive = process.argv[2] ?? sharedPath('rruff/processed/excellent_unoriented__Raman_Data_Processed.tar.xz');
const files = listRruffArchive(archive);
interface Item {
  file: string;
  spectrum: Spectrum;
  mineral: string;
  sample: string;
}
const items: Item[] = [];
for (const f of files) {
  try {
    const s = readSpectra(readFileSync(f), f).spectra[0];
    if (!s || s.meta.xKind !== 'raman-shift' || !s.meta.substance) continue;
    items.push({ file: f, spectrum: s, mineral: s.meta.substance, sample: s.meta.sampleId ?? f });
  } catch {
    // unreadable files are left out (counted below)
  }
}
const byMineral = new Map<string, Item[]>();
for (const it of items) byMineral.set(it.mineral, [...(byMineral.get(it.mineral) ?? []), it]);
const refs: Item[] = [];
const queries: Item[] = [];
for (const list of byMineral.values()) {
  const samples = [...new Set(list.map((i) => i.sample))].sort();
  refs.push(list.find((i) => i.sample === samples[0])!);
  for (const s of samples.slice(1)) queries.push(list.find((i) => i.sample === s)!);
}
console.log(`${archive}: ${files.length} files, ${items.length} read, ${byMineral.size} minerals; ${refs.length} references, ${queries.length} queries (minerals with ≥ 2 samples)`);

const dir = mkdtempSync(join(tmpdir(), 'specmatch-xinst-'));
const lib = Library.open(join(dir, 'refs.specmatch'), { create: true, user: 'bench' });
try {
  const report = await lib.importPaths(refs.map((r) => r.file), { model: null, instrument: 'none' });
  console.log(`library: ${report.added} references added`);

  // Standards: real spectra, put on their true axis by their own calibration, then distorted like the queries.
  const laser = 532.14;
  const standard = (rel: string, id: string): { fit: ReturnType<typeof calibrateSpectra>; distorted: Spectrum } => {
    const s = readSpectra(readFileSync(calibrationFile(rel)), rel).spectra[0]!;
    const own = calibrateSpectra([s], standardById(id)!);
    if (!own.accepted) throw new Error(`${rel}: ${own.reason}`);
    const trueX = applyXMap(own.map, s.x);
    const distorted: Spectrum = { ...s, x: trueX.map((v) => v + distortion(v)) };
    return { fit: calibrateSpectra([distorted], standardById(id)!, { laserNm: laser }), distorted };
  };
  // two neon exposures of one lamp: the longer one shows the weak 556–575 nm lines that cover 500–1400 cm⁻¹
  const neon = standard('ICV_BW532/Ne_532nm_x50_800ms.txt', 'neon');
  const neonShort = standard('ICV_BW532/Ne_532nm_x100_110ms.txt', 'neon');
  const pst = standard('ICV_BW532/PST02_iRPlus532_Z050_100_2500msx5.txt', 'polystyrene');
  for (const [name, st] of [['neon (800 ms)', neon], ['neon (110 ms)', neonShort], ['polystyrene', pst]] as const) {
    console.log(`${name} on the distorted axis: ${st.fit.accepted ? 'accepted' : `refused (${st.fit.reason})`}, ${st.fit.lines.length} lines, RMS ${st.fit.rms.toFixed(2)} cm⁻¹`);
  }
  const residualAfter = (m: XMap): string => {
    const grid = Array.from({ length: 15 }, (_, i) => 200 + i * 100);
    const err = grid.map((s) => applyXMap(m, Float64Array.of(s + distortion(s)))[0]! - s);
    return `max |error| over 200–1600 cm⁻¹: ${Math.max(...err.map(Math.abs)).toFixed(2)} cm⁻¹`;
  };
  console.log(`neon (800 ms) map: ${residualAfter(neon.fit.map)}; neon (110 ms) map: ${residualAfter(neonShort.fit.map)}; polystyrene map: ${residualAfter(pst.fit.map)}`);

  const conditions: Array<[string, (s: Spectrum) => Spectrum]> = [
    ['undistorted', (s) => s],
    ['distorted (up to 8 cm⁻¹), uncalibrated', (s) => ({ ...s, x: s.x.map((v) => v + distortion(v)) })],
    ['distorted, calibrated on neon (800 ms exposure, 33 lines)', (s) => ({ ...s, x: applyXMap(neon.fit.map, s.x.map((v) => v + distortion(v))) })],
    ['distorted, calibrated on neon (110 ms exposure, 23 lines, one below 1444 cm⁻¹)', (s) => ({ ...s, x: applyXMap(neonShort.fit.map, s.x.map((v) => v + distortion(v))) })],
    ['distorted, calibrated on polystyrene', (s) => ({ ...s, x: applyXMap(pst.fit.map, s.x.map((v) => v + distortion(v))) })],
  ];
  console.log('\n| condition | one-shot top-1 (hqi-derivative) |\n|---|---|');
  for (const [name, fn] of conditions) {
    let hits = 0;
    for (const q of queries) {
      const r = await matchSpectrum(lib, fn(q.spectrum), { method: 'hqi-derivative', topK: 1 });
      if (r.matches[0]?.substance === q.mineral) hits++;
    }
    console.log(`| ${name} | ${((100 * hits) / queries.length).toFixed(1)} % (${hits}/${queries.length}) |`);
  }
} finally {
  lib.close();
  rmSync(dir, { recursive: true, force: true });
}
