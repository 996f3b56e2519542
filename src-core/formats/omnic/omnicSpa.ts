import type { FormatReader } from '../FormatReader.js';
import { countOmnicSpectra, hasOmnicMagic, readOmnic } from './readOmnic.js';

/** Thermo OMNIC `.spa`: one spectrum (layout in readOmnic.ts and docs/formats/omnic.md). */
export const omnicSpa: FormatReader = {
  id: 'omnic-spa',
  label: 'Thermo OMNIC SPA',
  extensions: ['spa'],
  sniff(bytes) {
    if (!hasOmnicMagic(bytes)) return 0;
    // A group file has several spectrum headers; leave those to omnic-spg.
    return countOmnicSpectra(bytes) > 1 ? 2 : 3;
  },
  read(bytes, fileName) {
    return readOmnic(bytes, fileName, 'omnic-spa', 'Thermo OMNIC SPA');
  },
};
