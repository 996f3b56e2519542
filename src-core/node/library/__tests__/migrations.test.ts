/**
 * Schema migrations against frozen fixtures: every earlier schema version has a library file in
 * test/fixtures/library/v<N>.specmatch, made by the Specmatch of that version. Each must open with the current
 * code (migrated in place on a copy), keep its contents, and match.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../../test/support.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { CLASSIC_PIPELINE_HASH } from '../../../matching/classicAxis.js';
import { Library } from '../Library.js';
import { matchSpectrum } from '../matchLibrary.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema.js';
import { syntheticRruffText } from './synthetic.js';

const DIR = join(FIXTURES, 'library');

describe('library schema migrations', () => {
  it('has a frozen fixture and a migration step for every earlier version', () => {
    for (let v = 1; v < SCHEMA_VERSION; v++) {
      expect(existsSync(join(DIR, `v${v}.specmatch`)), `fixture v${v}.specmatch`).toBe(true);
      expect(typeof MIGRATIONS[v], `MIGRATIONS[${v}]`).toBe('function');
    }
    expect(existsSync(join(DIR, `v${SCHEMA_VERSION}.specmatch`))).toBe(true);
  });

  const fixtures = readdirSync(DIR).filter((f) => /^v\d+\.specmatch$/.test(f));
  it.each(fixtures)('%s opens with the current schema, keeps its contents and matches', async (name) => {
    const tmp = join(mkdtempSync(join(tmpdir(), 'specmatch-migrate-')), name);
    copyFileSync(join(DIR, name), tmp);
    const lib = Library.open(tmp, { user: 'migration-test' });
    // v3 was made from a copy of the v2 fixture, so it carries v2's name and notes
    const made = name === 'v3.specmatch' ? 'v2 fixture' : name.replace('.specmatch', ' fixture');
    try {
      const info = lib.info();
      expect(info.schemaVersion).toBe(SCHEMA_VERSION);
      expect(lib.database.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(info).toMatchObject({ name: made, substances: 2, spectra: 3 });
      // v2 added check dismissals and the map cache: empty after migrating v1, kept from v2 on
      if (name !== 'v1.specmatch') {
        expect(lib.dismissedFindings().has('quality:1')).toBe(true);
        expect(Array.from(lib.mapCache('classic', 'fixture')!.spectrumIds)).toEqual([1, 2]);
      } else expect(lib.dismissedFindings().size).toBe(0);
      const jul = lib.getSubstance(lib.findSubstancesByName('Julgoldite-(Fe²⁺)')[0]!);
      expect(jul).toMatchObject({ aliases: ['Julgoldite'], cas: '12173-31-0', notes: made, elements: ['Ca', 'Fe', 'H', 'O', 'Si'] });
      expect(lib.listSubstances({ tag: 'fixture' }).items.map((s) => s.name)).toEqual(['Synthetica-1']);
      // v3 added instrument profiles: v1 and v2 files have none, the v3 fixture keeps its instrument and calibration
      if (name !== 'v3.specmatch') expect(lib.listInstruments()).toEqual([]);
      else {
        expect(lib.listInstruments().map((i) => i.name)).toContain('Fixture 532');
        const cal = lib.latestCalibration('Fixture 532')!;
        expect(cal.standard).toBe('neon');
        expect(cal.rms).toBeLessThan(0.5);
      }
      const q = readSpectra(new TextEncoder().encode(syntheticRruffText({ mineral: 1, sample: 5, points: 300 })), 'q.txt').spectra[0]!;
      const r = await matchSpectrum(lib, q, { topK: 5 });
      expect(r.matches[0]!.substance).toBe('Synthetica-1');
      expect(r.matches).toHaveLength(2);
      // vectors of an earlier classic pipeline were replaced by the current one's, never mixed
      expect(lib.info().modelKeys.filter((k) => k.modelId === 'classic').map((k) => k.key)).toEqual([`classic:${CLASSIC_PIPELINE_HASH}`]);
    } finally {
      lib.close();
    }
  });
});

describe('vector keys from before the single vectorizer hash (frozen v1-model-keys.specmatch)', () => {
  it('re-files the model embeddings under the migrated manifest hash, recomputes the classic vectors, and matches', async () => {
    const { loadModel, modelsDir } = await import('../../engine/loadModel.js');
    const { readFileSync } = await import('node:fs');
    const tmp = join(mkdtempSync(join(tmpdir(), 'specmatch-keys-')), 'lib.specmatch');
    copyFileSync(join(DIR, 'v1-model-keys.specmatch'), tmp);
    // the fixture's embeddings were made by v3 (the default model then): v3 re-files them
    const model = await loadModel(join(modelsDir(), 'siamese-rruff-v3'), { force: 'wasm', log: () => undefined });
    const lib = Library.open(tmp, { user: 'migration-test' });
    try {
      const before = lib.info().modelKeys.map((k) => k.key);
      expect(before).toEqual([expect.stringMatching(/^classic:classic-v2-[0-9a-f]{8}$/), 'siamese-rruff-v3:3772dc7ec799ca8b']);
      expect(model.manifest.legacyPipelineHashes).toEqual(['3772dc7ec799ca8b']);
      expect(lib.embeddingStatus(model)).toMatchObject({ total: 3, current: 3, missing: 0 });
      // the re-filed vectors are what the migrated pipeline computes today (so re-filing, not recomputing, is right)
      const quartz = lib.getSubstance(lib.findSubstancesByName('Quartz')[0]!);
      const sid = quartz.spectraList[0]!.id;
      const stored = lib.vectorOf(sid, model.manifest.id, model.manifest.pipelineHash)!;
      const [now] = await model.embed([lib.getSpectrum(sid)]);
      stored.forEach((v, i) => expect(v).toBeCloseTo(now![i]!, 4));
      const file = join(FIXTURES, 'rruff', 'Quartz__R100134__Raman__532__0__unoriented__Raman_Data_RAW__34501.txt');
      const q = readSpectra(new Uint8Array(readFileSync(file)), file).spectra[0]!;
      for (const method of ['siamese', 'hqi-derivative'] as const) {
        const r = await matchSpectrum(lib, q, { method, model, topK: 3 });
        expect(r.matches[0]!.substance).toBe('Quartz');
        expect(r.references).toBe(3);
      }
      expect(lib.info().modelKeys.map((k) => k.key).sort()).toEqual([`classic:${CLASSIC_PIPELINE_HASH}`, model.key].sort());
      expect(lib.auditLog(5).map((a) => a.action)).toContain('adopt-legacy-vectors');
    } finally {
      lib.close();
      model.dispose();
    }
  });
});
