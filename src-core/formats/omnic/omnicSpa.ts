import type { FormatReader } from '../FormatReader.js';
import { countOmnicSpectra, hasOmnicMagic, hasOmnicSeriesMagic, readOmnic } from './readOmnic.js';

/**
 * Thermo OMNIC `.spa`: one spectrum (layout in readOmnic.ts and docs/formats/omnic.md). OMNIC series `.srs` files
 * are recognised here too, and refused with E_UNSUPPORTED.
 */
export const omnicSpa: FormatReader = {
  id: 'omnic-spa',
  label: 'Thermo OMNIC SPA',
  extensions: ['spa', 'srs'],
  sniff(bytes) {
    if (hasOmnicSeriesMagic(bytes)) return 2;
    if (!hasOmnicMagic(bytes)) return 0;
    // A group file has several spectrum headers; leave those to omnic-spg.
    return countOmnicSpectra(bytes) > 1 ? 2 : 3;
  },
  read(bytes, fileName) {
    return readOmnic(bytes, fileName, 'omnic-spa', 'Thermo OMNIC SPA');
  },
};
