/**
 * Builds the bundled default library pack, resources/library/rruff-default-v1.pack.gz, from ../shared/data's
 * RRUFF RAW spectra (never from elsewhere), with its NOTICE and a small manifest.
 *
 *   npx tsx scripts/build-pack.ts [--shared DIR] [--out DIR] [--with-model]
 *
 * --with-model stores every spectrum's embedding under the installed default Siamese model's key too, so a default
 * library created from the pack matches with that model at once (rebuild the pack whenever the model changes).
 *
 * Selection: every spectrum of the excellent_unoriented set, then, for each mineral missing from it, every
 * spectrum of that mineral in fair_unoriented, then poor_unoriented, so every mineral of ../shared/data is in the
 * pack at least once and the best-rated spectra are preferred. The output is deterministic for given inputs
 * (sorted order, fixed creation date taken from the newest archive's mtime).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSpectra } from '../src-core/formats/readSpectra.js';
import { listRruffArchive } from '../src-core/node/data/rruffArchive.js';
import { loadDefaultModelIfAny } from '../src-core/node/library/cliSupport.js';
import { DEFAULT_PACK_FILE } from '../src-core/node/library/defaultLibrary.js';
import { decodePack, encodePack } from '../src-core/node/library/pack.js';
import type { PackEntry } from '../src-core/node/library/pack.js';

const { values } = parseArgs({ options: { shared: { type: 'string' }, out: { type: 'string' }, 'with-model': { type: 'boolean' } } });
const repo = resolve(import.meta.dirname, '..');
const shared = resolve(values.shared ?? process.env['SPECMATCH_SHARED_DATA'] ?? join(repo, '../shared/data'));
const outDir = resolve(values.out ?? join(repo, 'resources/library'));
const QUALITIES = ['excellent', 'fair', 'poor'] as const;

const entries: PackEntry[] = [];
const minerals = new Set<string>();
const counts: Record<string, { files: number; spectra: number; minerals: number; skipped: number }> = {};
let newest = 0;
for (const q of QUALITIES) {
  const archive = join(shared, 'rruff/raw', `${q}_unoriented__Raman_Data_RAW.tar.xz`);
  newest = Math.max(newest, statSync(archive).mtimeMs);
  const files = listRruffArchive(archive);
  const take: PackEntry[] = [];
  const seenHere = new Set<string>();
  let skipped = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    const name = file.split('/').pop()!;
    let spectra;
    try {
      spectra = readSpectra(bytes, name).spectra;
    } catch (err) {
      process.stderr.write(`skip ${name}: ${(err as Error).message}\n`);
      skipped++;
      continue;
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    for (const s of spectra) {
      const mineral = s.meta.substance ?? name;
      if (q !== 'excellent' && minerals.has(mineral)) continue;
      seenHere.add(mineral);
      s.meta.warnings.push('stored in the bundled pack: x rounded to 0.001 cm⁻¹, y quantised to 16 bits of its range');
      take.push({ substance: { name: mineral, formula: s.meta.fields['IDEAL CHEMISTRY'] ?? null }, sha, index: s.meta.position.index, x: s.x, y: s.y, meta: s.meta });
    }
  }
  for (const m of seenHere) minerals.add(m);
  counts[q] = { files: files.length, spectra: take.length, minerals: seenHere.size, skipped };
  entries.push(...take);
  process.stderr.write(`${q}: ${files.length} files, took ${take.length} spectra of ${seenHere.size} minerals\n`);
}
entries.sort((a, b) => (a.substance.name < b.substance.name ? -1 : a.substance.name > b.substance.name ? 1 : a.meta.sourceFile < b.meta.sourceFile ? -1 : 1));

let embeddings: { modelId: string; pipelineHash: string; dim: number } | undefined;
if (values['with-model']) {
  const model = await loadDefaultModelIfAny();
  if (!model) throw new Error('--with-model: no default model is installed in resources/models/');
  for (let i = 0; i < entries.length; i += 64) {
    const chunk = entries.slice(i, i + 64);
    const vectors = await model.embed(chunk.map((e) => ({ x: Float64Array.from(e.x), y: Float64Array.from(e.y), meta: e.meta })));
    chunk.forEach((e, j) => (e.embedding = vectors[j]));
    process.stderr.write(`\rembedding ${Math.min(entries.length, i + 64)}/${entries.length}`);
  }
  process.stderr.write('\n');
  embeddings = { modelId: model.manifest.id, pipelineHash: model.manifest.pipelineHash, dim: model.manifest.embeddingSize };
  model.dispose();
}

const created = new Date(newest).toISOString();
const source =
  'RRUFF Project (rruff.info, University of Arizona) Raman RAW spectra, excellent/fair/poor unoriented sets. Cite: Lafuente B, Downs R T, Yang H, Stone N (2015) The power of databases: the RRUFF project. In: Highlights in Mineralogical Crystallography, T Armbruster and R M Danisi, eds. Berlin, W. De Gruyter, pp 1-30.';
const gz = encodePack({ name: 'RRUFF default library v1', source, created, ...(embeddings ? { embeddings } : {}) }, entries);
const check = decodePack(gz, DEFAULT_PACK_FILE);
if (check.spectra.length !== entries.length) throw new Error('pack round trip lost spectra');
mkdirSync(outDir, { recursive: true });
const packPath = join(outDir, DEFAULT_PACK_FILE);
writeFileSync(packPath, gz);
const manifest = {
  file: DEFAULT_PACK_FILE,
  bytes: gz.length,
  sha256: createHash('sha256').update(gz).digest('hex'),
  created,
  spectra: entries.length,
  substances: check.header.substances.length,
  embeddings: embeddings ?? null,
  sets: counts,
  builtBy: 'npx tsx scripts/build-pack.ts',
};
writeFileSync(join(outDir, DEFAULT_PACK_FILE.replace(/\.pack\.gz$/, '.json')), JSON.stringify(manifest, null, 2) + '\n');
process.stderr.write(`${packPath}: ${(gz.length / 1e6).toFixed(2)} MB, ${entries.length} spectra, ${manifest.substances} substances\n`);
