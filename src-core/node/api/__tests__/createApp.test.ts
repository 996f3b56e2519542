import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { noModels } from '../noModels.js';

describe('createApp: which library it opens', () => {
  it('a missing --library is an error, not a new empty library; New Library… (createLibrary) creates one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-createapp-'));
    const typo = join(dir, 'libary.specmatch');
    expect(() => createApp({ libraryPath: typo, shell: 'web', models: noModels('none') })).toThrow(
      expect.objectContaining({ code: 'E_LIBRARY', message: expect.stringMatching(/no such library/) as unknown }),
    );
    expect(existsSync(typo)).toBe(false);
    const app = createApp({ libraryPath: typo, createLibrary: true, shell: 'web', models: noModels('none') });
    try {
      expect(app.backend.libraryInfo()).toMatchObject({ substances: 0, spectra: 0 });
      expect(existsSync(typo)).toBe(true);
    } finally {
      await app.close();
    }
  });
});
