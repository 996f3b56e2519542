/**
 * Library checks on a synthetic library (no ../shared needed): a moved spectrum is found as mislabelled with the
 * substance it belongs to, a noisy copy under a new name as a duplicate, a clipped and spiky spectrum as a quality
 * finding; dismissals persist; the spectrum-level edits the Checks panel uses undo exactly. The CLI's JSON line
 * shape is checked in libraryCheckCli.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSpectra } from '../../../formats/readSpectra.js';
import { findingJson } from '../../../matching/libraryChecks.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { checkLibrary } from '../checkLibrary.js';
import { Library } from '../Library.js';
import { mineralName, syntheticRruffText } from './synthetic.js';

const read = (m: number, s: number, name?: string): Spectrum =>
  readSpectra(new TextEncoder().encode(syntheticRruffText({ mineral: m, sample: s, ...(name ? { name } : {}) })), `m${m}-s${s}.txt`).spectra[0]!;

describe('library checks', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'specmatch-checks-')), 'lib.specmatch');
  let lib: Library;
  let moved = 0;
  let copy = 0;
  let bad = 0;
  let spiky = 0;
  const idOf = new Map<string, number>();

  beforeAll(async () => {
    lib = Library.open(path, { create: true });
    for (let m = 1; m <= 6; m++) {
      for (let s = 0; s < 3; s++) {
        const r = await lib.addSpectrum(read(m, s), { substance: mineralName(m) });
        idOf.set(`${m}/${s}`, r.spectrumId);
      }
    }
    // A spectrum of mineral 1 filed under mineral 2.
    moved = idOf.get('1/0')!;
    lib.moveSpectrum(moved, lib.findSubstancesByName(mineralName(2))[0]!);
    // A near-identical copy of mineral 3 (scaled, offset, a little noise) under a new name.
    const src = read(3, 1);
    const y = Float64Array.from(src.y, (v, i) => 1.1 * v + 40 + 2 * Math.sin(i * 12.9898));
    copy = (await lib.addSpectrum({ ...src, y, meta: { ...src.meta, sourceFile: 'copy.txt' } }, { substance: 'Copycat' })).spectrumId;
    // A clipped top (saturated detector), and two cosmic-ray spikes in another spectrum.
    const q = read(4, 5);
    const top = Math.max(...q.y) * 0.6;
    bad = (await lib.addSpectrum({ ...q, y: Float64Array.from(q.y, (v) => Math.min(v, top)), meta: { ...q.meta, sourceFile: 'bad.txt' } }, { substance: mineralName(4) })).spectrumId;
    const p = read(5, 5);
    const yp = Float64Array.from(p.y);
    yp[200] = yp[200]! + 5000;
    yp[700] = yp[700]! + 4000;
    spiky = (await lib.addSpectrum({ ...p, y: yp, meta: { ...p.meta, sourceFile: 'spiky.txt' } }, { substance: mineralName(5) })).spectrumId;
  });

  it('finds the moved spectrum, the copy and the bad one, with evidence and a suggestion', async () => {
    const r = await checkLibrary(lib);
    expect(r.method).toBe('hqi-derivative');
    const mis = r.findings.filter((f) => f.kind === 'mislabelled');
    expect(mis.map((f) => f.spectrumIds[0])).toContain(moved);
    const f = mis.find((x) => x.spectrumIds[0] === moved)!;
    expect(f.substances).toEqual([mineralName(2)]);
    expect(f.suggested?.name).toBe(mineralName(1));
    expect(f.evidence).toMatch(new RegExp(`Synthetica-1.*Synthetica-2's`));
    // nothing else is called mislabelled
    expect(mis).toHaveLength(1);
    // (the moved spectrum is also a near-identical re-measurement of mineral 1 filed under another name)
    const dups = r.findings.filter((x) => x.kind === 'duplicate' && x.spectrumIds.includes(copy));
    // the copy is near-identical to its source (and to the other samples of mineral 3, which differ only by noise)
    expect(dups.length).toBeGreaterThanOrEqual(1);
    for (const d of dups) expect(d.substances).toEqual([mineralName(3), 'Copycat']);
    expect(dups.map((d) => d.spectrumIds.join(','))).toContain([idOf.get('3/1')!, copy].sort((a, b) => a - b).join(','));
    const quality = r.findings.filter((x) => x.kind === 'quality');
    expect(quality.map((x) => x.spectrumIds[0]).sort()).toEqual([bad, spiky].sort());
    expect(quality.find((x) => x.spectrumIds[0] === bad)!.evidence).toMatch(/clipped top/);
    expect(quality.find((x) => x.spectrumIds[0] === spiky)!.evidence).toBe('2 cosmic-ray spikes');
    // the moved spectrum also makes mineral 2 disagree with itself
    expect(r.findings.filter((x) => x.kind === 'spread').flatMap((x) => x.spectrumIds)).toContain(moved);
    expect(Object.keys(findingJson(f))).toEqual(['kind', 'spectrumIds', 'substances', 'evidence', 'score']);
  });

  it('keeps dismissals in the library and leaves them out', async () => {
    const before = await checkLibrary(lib);
    const key = before.findings.find((f) => f.kind === 'quality')!.key;
    lib.setFindingDismissed(key, true);
    lib.close();
    lib = Library.open(path);
    const after = await checkLibrary(lib);
    expect(after.findings.some((f) => f.key === key)).toBe(false);
    expect(after.dismissed).toBe(1);
    const all = await checkLibrary(lib, { includeDismissed: true });
    expect(all.findings.find((f) => f.key === key)?.dismissed).toBe(true);
    lib.setFindingDismissed(key, false);
    expect(lib.dismissedFindings().size).toBe(0);
    expect(() => lib.setFindingDismissed('nonsense', true)).toThrow(/not a check finding key/);
  });

  it('moving back and removing a spectrum with undo restore the library exactly', async () => {
    const sub1 = lib.findSubstancesByName(mineralName(1))[0]!;
    const { fromSubstanceId } = lib.moveSpectrum(moved, sub1);
    expect(lib.getSubstance(sub1).spectraList.map((s) => s.id)).toContain(moved);
    expect((await checkLibrary(lib)).findings.filter((f) => f.kind === 'mislabelled')).toHaveLength(0);
    lib.moveSpectrum(moved, fromSubstanceId);
    lib.moveSpectrum(moved, sub1);
    const count = lib.info().spectra;
    const token = lib.removeSpectrum(copy);
    expect(lib.info().spectra).toBe(count - 1);
    expect(() => lib.getSpectrum(copy)).toThrow(/no spectrum/);
    expect((await checkLibrary(lib)).findings.filter((f) => f.kind === 'duplicate')).toHaveLength(0);
    lib.undo(token);
    expect(lib.info().spectra).toBe(count);
    expect(lib.getSpectrumInfo(copy).substanceId).toBe(lib.findSubstancesByName('Copycat')[0]!);
    expect(() => lib.undo(token)).toThrow(/no longer in the removed items/);
    lib.close();
  });
});
