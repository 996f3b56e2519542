import { describe, expect, it } from 'vitest';
import { SPECTRUM_FILE_EXTENSIONS, formatReaders } from '../readSpectra.js';

describe('open dialogs offer the readers extensions', () => {
  it('lists every extension a reader claims, once, lower case without a dot', () => {
    for (const r of formatReaders) for (const e of r.extensions) expect(SPECTRUM_FILE_EXTENSIONS).toContain(e);
    expect(new Set(SPECTRUM_FILE_EXTENSIONS).size).toBe(SPECTRUM_FILE_EXTENSIONS.length);
    for (const e of SPECTRUM_FILE_EXTENSIONS) expect(e).toMatch(/^[a-z0-9]+$/);
    // Formats the old hand-written list of the Electron dialog left out.
    expect(SPECTRUM_FILE_EXTENSIONS).toEqual(expect.arrayContaining(['l6s', 'rod', 'jcm']));
  });
});
