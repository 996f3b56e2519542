/**
 * Calibration speed: one `calibrateSpectra` fit per standard file of ../shared/data/other/ramanchada2_calibration
 * (files read beforehand), 5 repeats each; wall time and the process's CPU time (user + system), which the shared
 * machine's load inflates less than wall time. Target: < 1 s per file.
 *
 *   npm run bench -- calibration
 */
import { readFileSync } from 'node:fs';
import { calibrateSpectra } from '../src-core/calibration/calibrate.js';
import { standardById } from '../src-core/calibration/standards.js';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { calibrationFile } from '../test/calibrationData.js';
import { HAS_SHARED_DATA } from '../test/support.js';

const FILES: Array<[string, string, number | undefined]> = [
  ['ICV_BW532/Ne_532nm_x100_110ms.txt', 'neon', undefined],
  ['ICV_BW785/Ne_785nm_x20_50ms.txt', 'neon', undefined],
  ['FMNT-M_Ho785/NeonSNQ043_iR785_OP01.txt', 'neon', 785],
  ['TOP_Ho633/neon_new2_Z010.txt', 'neon', 632.8],
  ['ICV_BW532/PST02_iRPlus532_Z050_100_2500msx5.txt', 'polystyrene', undefined],
  ['TOP_Ho633/Si_HLR633_Z010_100_40sx5.txt', 'silicon', 632.8],
];

export async function run(): Promise<void> {
  if (!HAS_SHARED_DATA) {
    console.log('[skip] calibration bench: needs ../shared/data');
    return;
  }
  console.log('| file | points | standard | wall ms (median of 5) | CPU ms (median of 5) |\n|---|---|---|---|---|');
  for (const [rel, std, laser] of FILES) {
    const s = readSpectra(readFileSync(calibrationFile(rel)), rel).spectra[0]!;
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let k = 0; k < 5; k++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      calibrateSpectra([s], standardById(std)!, laser ? { laserNm: laser } : {});
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const med = (v: number[]): string => [...v].sort((a, b) => a - b)[2]!.toFixed(1);
    console.log(`| ${rel} | ${s.x.length} | ${std} | ${med(wall)} | ${med(cpu)} |`);
  }
  await Promise.resolve();
}
