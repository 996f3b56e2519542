import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'test/fixtures');
export const SHARED_DATA = process.env['SPECMATCH_SHARED_DATA'] ?? resolve(ROOT, '../shared/data');
export const ARTIFACTS = join(ROOT, 'e2e/artifacts');

/** RRUFF RAW fixtures (test/fixtures/rruff), by mineral. */
export const RRUFF_DIR = join(FIXTURES, 'rruff');
export function rruffFixtures(): string[] {
  return readdirSync(RRUFF_DIR)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => join(RRUFF_DIR, f))
    .sort();
}

/** A Quartz spectrum kept OUT of the e2e library, so matching it is a real test (another Quartz sample is in). */
export const HELD_OUT_QUARTZ = join(RRUFF_DIR, 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt');
/** A Thermo Galactic SPC file from a Raman instrument (vendor binary format). */
export const VENDOR_SPC = join(FIXTURES, 'formats-jcamp-spc/nCal_Qontor785_z005H12_100_1x3s.spc');

/** A CSV with 11 spectra (one per column), for the picker and Match all. */
export const MULTI_SPECTRUM_CSV = join(FIXTURES, 'formats-text/rampp_References_excerpt.CSV');

/** RRUFF's plain-text sample in ../shared/data (bigger imports), when present. */
export function sharedSampleDir(): string | null {
  const d = join(SHARED_DATA, 'rruff/sample');
  return existsSync(d) ? d : null;
}
