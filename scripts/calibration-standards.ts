/**
 * Calibration accuracy on the real standards of ../shared/data/other/ramanchada2_calibration (see
 * docs/results/calibration.md):
 *
 * 1. own lines: each standard file calibrated on itself (neon, polystyrene; silicon has one line so it is not an
 *    accuracy test on its own) — RMS of its lines after the fit;
 * 2. prediction: the neon calibration of an instrument applied to its polystyrene and silicon files — where their
 *    bands land against the ASTM E1840 / 520.45 cm⁻¹ positions (no refit), before and after the laser correction
 *    from the silicon line (the neon lamp cannot know the laser wavelength);
 * 3. time per file.
 *
 *   npx tsx scripts/calibration-standards.ts
 */
import { readFileSync } from 'node:fs';
import { calibrateSpectra } from '../src-core/calibration/calibrate.js';
import type { CalibrationFit } from '../src-core/calibration/calibrate.js';
import { findPeaks } from '../src-core/calibration/peaks.js';
import { standardById } from '../src-core/calibration/standards.js';
import { applyXMap } from '../src-core/calibration/xMap.js';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import type { Spectrum } from '../src-core/spectrum/Spectrum.js';
import { calibrationFile } from '../test/calibrationData.js';

interface InstrumentSet {
  name: string;
  /** Laser when the files do not state it (Horiba exports carry only the shift axis). */
  laser?: number;
  neon: string[];
  polystyrene: string[];
  silicon: string[];
}

const SETS: InstrumentSet[] = [
  { name: 'ICV BWTek 532', neon: ['ICV_BW532/Ne_532nm_x100_110ms.txt', 'ICV_BW532/Ne_532nm_x50_800ms.txt'], polystyrene: ['ICV_BW532/PST02_iRPlus532_Z050_100_2500msx5.txt', 'ICV_BW532/PST02_iRPlus532_Z100_100_50000ms.txt'], silicon: [] },
  { name: 'FMNT BWTek 532', neon: ['FMNT-M_BW532/NeonSNQ043_iR532_Probe_100msx2.txt', 'FMNT-M_BW532/NeonSNQ043_iR532_Probe_5msx2.txt'], polystyrene: ['FMNT-M_BW532/PST10_iR532_Probe_100_3000msx7.txt'], silicon: ['FMNT-M_BW532/Sil10_iR532_Probe_100_60000msx2.txt'] },
  { name: 'ICV BWTek 785', neon: ['ICV_BW785/Ne_785nm_x20_50ms.txt'], polystyrene: ['ICV_BW785/PST02_iRPlus785_Z020_100_1300ms.txt', 'ICV_BW785/PST02_iRPlus785_Z050_100_3200ms.txt', 'ICV_BW785/PST02_iRPlus785_Z100_100_9000ms.txt'], silicon: [] },
  { name: 'FMNT Horiba 785 (OP01)', laser: 785, neon: ['FMNT-M_Ho785/NeonSNQ043_iR785_OP01.txt'], polystyrene: ['FMNT-M_Ho785/PST10_iR785_OP01_40000msx4.txt'], silicon: ['FMNT-M_Ho785/Sil10_iR785_OP01_6000msx4.txt'] },
  { name: 'FMNT Horiba 785 (OP02)', laser: 785, neon: ['FMNT-M_Ho785/NeonSNQ043_iR785_OP02.txt'], polystyrene: ['FMNT-M_Ho785/PST10_iR785_OP02_50000msx2.txt'], silicon: ['FMNT-M_Ho785/Sil10_iR785_OP02_25000msx2.txt'] },
  { name: 'FMNT Horiba 785 (OP03)', laser: 785, neon: ['FMNT-M_Ho785/NeonSNQ043_iR785_OP03.txt'], polystyrene: ['FMNT-M_Ho785/PST10_iR785_OP03_8000msx2.txt'], silicon: ['FMNT-M_Ho785/Sil10_iR785_OP03_8000msx2.txt'] },
  { name: 'TOP Horiba 633', laser: 632.8, neon: ['TOP_Ho633/neon_new2_Z010.txt'], polystyrene: ['TOP_Ho633/Pol_HLR633_Z010_100_15sx5.txt'], silicon: ['TOP_Ho633/Si_HLR633_Z010_100_40sx5.txt'] },
];

const read = (rel: string): Spectrum => readSpectra(readFileSync(calibrationFile(rel)), rel).spectra[0]!;
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '—');
const rmsOf = (v: number[]): number => Math.sqrt(v.reduce((s, r) => s + r * r, 0) / Math.max(1, v.length));

/** Band positions predicted by `map` for a standard's reference lines: nearest found peak within 6 cm⁻¹. */
function predict(fit: CalibrationFit, s: Spectrum, stdId: string): number[] {
  const std = standardById(stdId)!;
  const x = applyXMap(fit.map, s.x);
  const peaks = findPeaks(x, s.y);
  const errors: number[] = [];
  for (const l of std.lines) {
    if (l.position < x[0]! || l.position > x[x.length - 1]!) continue;
    let best: number | undefined;
    for (const p of peaks) if (Math.abs(p.position - l.position) <= 6 && (best === undefined || Math.abs(p.position - l.position) < Math.abs(best - l.position))) best = p.position;
    if (best !== undefined) errors.push(best - l.position);
  }
  return errors;
}

const times: number[] = [];
const timed = <T>(fn: () => T): T => {
  const t = performance.now();
  const v = fn();
  times.push(performance.now() - t);
  return v;
};

console.log('## Own lines: each file calibrated on itself\n');
console.log('| instrument | standard | file | lines | degree | RMS cm⁻¹ | accepted |');
console.log('|---|---|---|---|---|---|---|');
const ownRms: Record<string, number[]> = { neon: [], polystyrene: [] };
for (const set of SETS) {
  for (const std of ['neon', 'polystyrene'] as const) {
    for (const f of set[std]) {
      const fit = timed(() => calibrateSpectra([read(f)], standardById(std)!, set.laser ? { laserNm: set.laser } : {}));
      if (fit.accepted) ownRms[std]!.push(fit.rms);
      console.log(`| ${set.name} | ${std} | ${f.split('/')[1]} | ${fit.lines.length} | ${fit.degree} | ${f2(fit.rms)} | ${fit.accepted ? 'yes' : `no: ${fit.reason}`} |`);
    }
  }
}
for (const [k, v] of Object.entries(ownRms)) console.log(`\n${k}: median RMS ${f2([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN)} cm⁻¹ over ${v.length} accepted files, worst ${f2(Math.max(...v))}`);

console.log('\n## Neon calibration predicting the same instrument\'s polystyrene and silicon bands (no refit)\n');
console.log('| instrument | neon RMS | polystyrene: bands, mean error, RMS (cm⁻¹) | silicon 520.45: error (cm⁻¹) | polystyrene after the silicon laser correction: mean, RMS |');
console.log('|---|---|---|---|---|');
const pstAll: number[] = [];
const pstCorrected: number[] = [];
const siAll: number[] = [];
for (const set of SETS) {
  const neon = timed(() => calibrateSpectra(set.neon.map(read), standardById('neon')!, set.laser ? { laserNm: set.laser } : {}));
  if (!neon.accepted) {
    console.log(`| ${set.name} | refused: ${neon.reason} | | | |`);
    continue;
  }
  const pst = set.polystyrene.flatMap((f) => predict(neon, read(f), 'polystyrene'));
  const si = set.silicon.flatMap((f) => predict(neon, read(f), 'silicon'));
  pstAll.push(...pst);
  siAll.push(...si);
  let corrected = '—';
  if (set.silicon.length) {
    const laserFit = timed(() => calibrateSpectra(set.silicon.map(read), standardById('silicon')!, { ...(set.laser ? { laserNm: set.laser } : {}), base: neon.map }));
    if (laserFit.accepted) {
      const pc = set.polystyrene.flatMap((f) => predict(laserFit, read(f), 'polystyrene'));
      pstCorrected.push(...pc);
      corrected = `${f2(pc.reduce((a, b) => a + b, 0) / pc.length)}, ${f2(rmsOf(pc))} (laser ${laserFit.laser.nominalNm} → ${laserFit.laser.correctedNm} nm)`;
    } else corrected = `refused: ${laserFit.reason}`;
  }
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  console.log(`| ${set.name} | ${f2(neon.rms)} | ${pst.length}, ${f2(mean(pst))}, ${f2(rmsOf(pst))} | ${si.length ? si.map(f2).join(', ') : 'no file'} | ${corrected} |`);
}
console.log(`\nAll instruments: polystyrene RMS ${f2(rmsOf(pstAll))} cm⁻¹ over ${pstAll.length} bands; silicon RMS ${f2(rmsOf(siAll))} over ${siAll.length}; polystyrene after the laser correction RMS ${f2(rmsOf(pstCorrected))} over ${pstCorrected.length}`);
const sorted = [...times].sort((a, b) => a - b);
console.log(`\nTime per calibration (${times.length} fits, files already read): median ${f2(sorted[Math.floor(sorted.length / 2)]!)} ms, max ${f2(sorted[sorted.length - 1]!)} ms`);
