import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingSizeOf, type ArchitectureSpec } from '../../../engine/architecture.js';
import { makeRng } from '../../../engine/random.js';
import { headLogit } from '../../../engine/siameseHead.js';
import { FIXTURES } from '../../../../test/support.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { chooseBackend } from '../backend.js';
import { buildEnsemble, ensembleNetworks } from '../ensemble.js';
import { loadModel } from '../loadModel.js';
import { loadNetwork, readManifest, saveNetwork, writeManifest } from '../modelStore.js';
import { buildNetwork, disposeNetwork, embedInputs, headOf, type SiameseNetwork } from '../siameseNetwork.js';
import { trainModel } from '../trainModel.js';

/**
 * An ensemble is one network whose logit is the mean of its members' logits: proven on random networks (two and
 * three members, one of them already an ensemble), through save and load, and end to end on two tiny trained members.
 */
const SPEC: ArchitectureSpec = {
  inputPoints: 64,
  blocks: [
    { filters: 4, kernelSize: 5 },
    { filters: 4, kernelSize: 3 },
  ],
  poolSize: 2,
  leakyAlpha: 0.2,
  inputChannels: 2,
  headConstraint: 'non-positive',
};

function randomInputs(n: number, seed: number): Float32Array[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: SPEC.inputPoints }, () => rng()));
}

/** Gives a fresh network non-trivial BatchNorm statistics and a non-zero bias, so copying them is tested too. */
function perturb(net: SiameseNetwork, seed: number): SiameseNetwork {
  const rng = makeRng(seed);
  for (const layer of net.encoder.layers) {
    if (!layer.name.includes('bn')) continue;
    // gamma, beta, moving mean, moving variance: all positive draws in [0.5, 1.5).
    layer.setWeights(layer.getWeights().map((w) => tf.tensor(Float32Array.from(w.dataSync(), () => 0.5 + rng()), w.shape)));
  }
  net.headB.assign(net.headB.add(rng() * 2 - 1));
  return net;
}

describe('ensembleNetworks', () => {
  beforeAll(async () => {
    await chooseBackend({ force: 'wasm', log: () => undefined });
  });

  it('scores every pair with the mean of its members’ logits, keeps the head non-positive, and survives save and load', async () => {
    const a = perturb(buildNetwork(SPEC, 3), 11);
    const b = perturb(buildNetwork(SPEC, 7), 12);
    const c = perturb(buildNetwork(SPEC, 9), 13);
    const ab = ensembleNetworks([a, b]);
    const abc = ensembleNetworks([ab, c]);
    const live = new Set([a, b, c, ab, abc]);
    const dir = mkdtempSync(join(tmpdir(), 'specmatch-ens-net-'));
    try {
      expect(ab.spec.towers).toBe(2);
      expect(abc.spec.towers).toBe(3);
      expect(embeddingSizeOf(abc.spec)).toBe(3 * embeddingSizeOf(SPEC));
      const x = randomInputs(6, 5);
      const members = [a, b, c].map((n) => ({ emb: embedInputs(n.encoder, x, SPEC.inputPoints), head: headOf(n) }));
      // The ensemble owns its weights: the members (and the intermediate ensemble) can go.
      for (const n of [a, b, c, ab]) {
        disposeNetwork(n);
        live.delete(n);
      }
      await saveNetwork(abc, dir);
      const loaded = await loadNetwork(dir);
      try {
        for (const ens of [abc, loaded]) {
          const emb = embedInputs(ens.encoder, x, SPEC.inputPoints);
          const head = headOf(ens);
          expect(head.w.every((w) => w <= 0)).toBe(true);
          for (let i = 0; i < x.length; i++) {
            // The ensemble's embedding is the members' side by side.
            const concat = Float32Array.from(members.flatMap((m) => Array.from(m.emb[i]!)));
            for (let k = 0; k < concat.length; k++) expect(emb[i]![k]).toBeCloseTo(concat[k]!, 5);
            for (let j = 0; j < x.length; j++) {
              const mean = members.reduce((s, m) => s + headLogit(m.head, m.emb[i]!, m.emb[j]!), 0) / members.length;
              expect(headLogit(head, emb[i]!, emb[j]!)).toBeCloseTo(mean, 4);
            }
            // A spectrum scores itself at least as high as any other (non-positive head).
            for (let j = 0; j < x.length; j++) expect(headLogit(head, emb[i]!, emb[i]!)).toBeGreaterThanOrEqual(headLogit(head, emb[i]!, emb[j]!));
          }
        }
      } finally {
        disposeNetwork(loaded);
      }
    } finally {
      for (const n of live) disposeNetwork(n);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses fewer than two networks and networks of different architectures', () => {
    const a = buildNetwork(SPEC, 1);
    const other = buildNetwork({ ...SPEC, blocks: [{ filters: 8, kernelSize: 5 }, { filters: 4, kernelSize: 3 }] }, 2);
    try {
      expect(() => ensembleNetworks([a])).toThrow(/at least two/);
      expect(() => ensembleNetworks([a, other])).toThrow(/another architecture/);
    } finally {
      disposeNetwork(a);
      disposeNetwork(other);
    }
  });
});

describe('buildEnsemble (two tiny members trained on fixtures)', () => {
  const DATA = join(FIXTURES, 'rruff');
  const root = mkdtempSync(join(tmpdir(), 'specmatch-ens-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes a calibrated model folder that loads and embeds; members with another split are refused', async () => {
    const m1 = join(root, 'm1');
    const m2 = join(root, 'm2');
    const run = (outDir: string, initSeed: number) => trainModel({ data: [DATA], outDir, recipe: 'two-channel', epochs: 1, pairsPerEpoch: 8, backend: 'wasm', seed: 1, initSeed });
    await run(m1, 1);
    const r2 = await run(m2, 2);
    expect(r2.manifest.training['initSeed']).toBe(2);
    const out = join(root, 'ens');
    const manifest = await buildEnsemble({ members: [m1, m2], data: [DATA], outDir: out });
    expect(manifest.id).toBe('ens');
    expect(manifest.embeddingSize).toBe(2 * (r2.manifest.embeddingSize));
    expect(manifest.training).toMatchObject({ recipe: 'ensemble', seed: 1, architecture: { towers: 2 } });
    expect((manifest.training['members'] as unknown[]).length).toBe(2);
    expect(manifest.fusedCalibration).toBeDefined();
    expect(readManifest(out).pipelineHash).toBe(r2.manifest.pipelineHash);

    const model = await loadModel(out, { force: 'wasm', log: () => undefined });
    const file = join(DATA, 'Quartz__R060604__Raman__532__0__unoriented__Raman_Data_RAW__31948.txt');
    const s = readSpectra(new Uint8Array(readFileSync(file)), file).spectra[0]!;
    const [e] = await model.embed([s]);
    expect(e).toHaveLength(manifest.embeddingSize);
    model.dispose();

    // A member that holds out other classes (another --seed) leaves nothing to calibrate the ensemble on.
    const m3 = join(root, 'm3');
    const third = readManifest(m2);
    const net = await loadNetwork(m2);
    await saveNetwork(net, m3);
    disposeNetwork(net);
    writeManifest(m3, { ...third, training: { ...third.training, seed: 5 } });
    await expect(buildEnsemble({ members: [m1, m3], data: [DATA], outDir: join(root, 'bad') })).rejects.toThrow(/training\.seed differs/);
    await expect(buildEnsemble({ members: [m1], data: [DATA], outDir: join(root, 'bad') })).rejects.toThrow(/at least two/);
    // Writing over a member would lose that model.
    await expect(buildEnsemble({ members: [m1, m2], data: [DATA], outDir: `${m2}/` })).rejects.toThrow(/is one of the members/);
    expect(readManifest(m2).training['initSeed']).toBe(2);
  }, 120_000);
});
