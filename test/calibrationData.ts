/**
 * The ramanchada2 calibration standards of ../shared/data (other/ramanchada2_calibration/datasets2.tar.xz),
 * unpacked once into the cache outside the repository (see src-core/node/data/rruffArchive.ts).
 */
import { join } from 'node:path';
import { unpackArchive } from '../src-core/node/data/rruffArchive.js';
import { sharedPath } from './support.js';

export const CALIBRATION_ARCHIVE = sharedPath('other/ramanchada2_calibration/datasets2.tar.xz');

/** Path of a file of the archive, e.g. calibrationFile('ICV_BW532/Ne_532nm_x100_110ms.txt'). */
export function calibrationFile(rel: string): string {
  return join(unpackArchive(CALIBRATION_ARCHIVE), 'datasets2', rel);
}
