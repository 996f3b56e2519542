import type { FormatReader } from '../FormatReader.js';
import { perkinElmerSp } from '../perkinelmer/perkinElmerSp.js';
import { andorSif } from '../sif/andorSif.js';
import { galacticSpc } from '../spc/galacticSpc.js';
import { princetonSpe } from '../spe/princetonSpe.js';
import { wdf } from '../wdf/wdf.js';
import { renishawWxd } from '../wdf/wxd.js';

/** Binary formats with a public layout or an MIT reader: Galactic SPC, Renishaw WDF/WXD, Andor SIF, Princeton SPE. */
export const binaryReaders: FormatReader[] = [wdf, renishawWxd, andorSif, princetonSpe, perkinElmerSp, galacticSpc];
