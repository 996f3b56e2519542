import type { FormatReader } from '../FormatReader.js';
import { countOmnicSpectra, hasOmnicMagic, readOmnic } from './readOmnic.js';

/** Thermo OMNIC `.spg` group file: every spectrum of the group, in file order (layout in readOmnic.ts). */
export const omnicSpg: FormatReader = {
  id: 'omnic-spg',
  label: 'Thermo OMNIC SPG',
  extensions: ['spg'],
  sniff(bytes) {
    if (!hasOmnicMagic(bytes)) return 0;
    return countOmnicSpectra(bytes) > 1 ? 3 : 2;
  },
  read(bytes, fileName) {
    return readOmnic(bytes, fileName, 'omnic-spg', 'Thermo OMNIC SPG');
  },
};
