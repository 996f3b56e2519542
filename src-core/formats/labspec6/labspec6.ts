import { parseError } from '../../errors.js';
import type { FormatReader } from '../FormatReader.js';

const MAGIC = 'LabSpec6';

function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/**
 * Horiba LabSpec 6 `.l6s` project files. Their binary layout is not published and no open reader exists (the
 * ramanchada2 test suite skips them), so we recognise the file by its `LabSpec6` signature and refuse it with a
 * clear way out instead of guessing at undocumented structures. See docs/notes/formats-opus-spa.md.
 */
export const labspec6: FormatReader = {
  id: 'labspec6',
  label: 'Horiba LabSpec 6',
  extensions: ['l6s', 'l6m'],
  sniff(bytes) {
    return hasMagic(bytes) ? 3 : 0;
  },
  read(bytes, fileName) {
    if (!hasMagic(bytes))
      throw parseError('E_FORMAT_MISMATCH', fileName, 'Horiba LabSpec 6', `the file does not start with '${MAGIC}'`);
    throw parseError('E_UNSUPPORTED', fileName, 'Horiba LabSpec 6', 'LabSpec 6 binary: export it as .txt from LabSpec');
  },
};
