import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../../test/support.js';
import { defaultModelDir } from '../../engine/loadModel.js';
import { Library } from '../../library/Library.js';
import { createApp, defaultModels } from '../createApp.js';

const RRUFF = join(FIXTURES, 'rruff');

describe.skipIf(!existsSync(join(defaultModelDir(), 'manifest.json')))('app start with a model (the shipped one)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmatch-startup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('embeds the library spectra the model lacks as a background job, so the first fused match does not wait', async () => {
    const libPath = join(dir, 'lib.specmatch');
    const lib = Library.open(libPath, { create: true });
    await lib.importPaths(readdirSync(RRUFF).filter((f) => f.endsWith('.txt')).map((f) => join(RRUFF, f)));
    lib.close();
    const models = await defaultModels(join(dir, 'models'), () => undefined);
    const app = createApp({ libraryPath: libPath, shell: 'web', models });
    try {
      const key = models.current()!.key;
      const [job] = app.jobs.list();
      expect(job).toMatchObject({ kind: 'embed', state: 'running' });
      const end = await app.jobs.settled(job!.id);
      expect(end.state).toBe('done');
      expect(app.backend.libraryInfo().embeddings).toMatchObject({ modelKey: key, stale: 0 });
      // Nothing missing at the next start: no job.
      expect(app.backend.embedMissingInBackground()).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('a model switch while the start-up job runs cancels it and takes over, instead of being refused', async () => {
    const libPath = join(dir, 'lib2.specmatch');
    const lib = Library.open(libPath, { create: true });
    await lib.importPaths(readdirSync(RRUFF).filter((f) => f.endsWith('.txt')).map((f) => join(RRUFF, f)));
    lib.close();
    const models = await defaultModels(join(dir, 'models2'), () => undefined);
    const app = createApp({ libraryPath: libPath, shell: 'web', models });
    try {
      const [startup] = app.jobs.list();
      expect(startup).toMatchObject({ kind: 'embed', state: 'running' });
      const { job } = await app.backend.selectModel(models.current()!.manifest.id);
      expect(app.jobs.get(startup!.id).state).not.toBe('running');
      if (job) expect((await app.jobs.settled(job.id)).state).toBe('done');
      expect(app.backend.libraryInfo().embeddings).toMatchObject({ stale: 0 });
    } finally {
      await app.close();
    }
  });
});
