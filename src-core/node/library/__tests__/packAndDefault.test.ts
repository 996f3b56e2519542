import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test/support.js';
import { readSpectra } from '../../../formats/readSpectra.js';
import { createLibraryFromPack, DEFAULT_PACK_FILE, defaultLibraryPath, defaultPackPath, openDefaultLibrary } from '../defaultLibrary.js';
import { matchSpectrum } from '../matchLibrary.js';
import { networkFilesystemOf } from '../networkShare.js';
import { decodePack, encodePack } from '../pack.js';
import type { PackEntry } from '../pack.js';
import { syntheticRruffText, syntheticXY } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'specmatch-pack-'));

function entries(n: number): PackEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const s = readSpectra(new TextEncoder().encode(syntheticRruffText({ mineral: i % 4, sample: i })), `f${i}.txt`).spectra[0]!;
    return { substance: { name: `Synthetica-${i % 4}`, formula: 'Cu_2_S' }, sha: i.toString(16).padStart(64, '0'), index: 0, x: s.x, y: s.y, meta: s.meta };
  });
}

describe('reference pack format', () => {
  it('round-trips x to 0.001 cm⁻¹ and y to 1/65535 of its range, with metadata and identities', () => {
    const e = entries(8);
    const { header, spectra } = decodePack(encodePack({ name: 'test', source: 'SYNTHETIC', created: '2026-01-01T00:00:00.000Z' }, e), 'test.pack.gz');
    expect(header).toMatchObject({ format: 'specmatch-pack', version: 1, name: 'test', source: 'SYNTHETIC' });
    expect(header.substances.map((s) => s.name)).toEqual(['Synthetica-0', 'Synthetica-1', 'Synthetica-2', 'Synthetica-3']);
    spectra.forEach((s, i) => {
      const src = e[i]!;
      expect(s.sha).toBe(src.sha);
      expect(s.meta.fields['NAMES']).toBe(src.meta.fields['NAMES']);
      const span = s.yMax - s.yMin;
      for (let k = 0; k < src.x.length; k++) {
        expect(Math.abs(s.x[k]! - src.x[k]!)).toBeLessThanOrEqual(0.0005 + 1e-9);
        expect(Math.abs(s.y[k]! - src.y[k]!)).toBeLessThanOrEqual(span / 65535 / 2 + 1e-9);
      }
    });
  });

  it('carries embeddings under one model key; a library made from it holds them under that key', () => {
    const e = entries(6).map((x, i) => ({ ...x, embedding: Float32Array.from([i, i + 0.5, -i]) }));
    const gz = encodePack({ name: 't', source: 'SYNTHETIC', embeddings: { modelId: 'm', pipelineHash: 'h', dim: 3 } }, e);
    const { header, spectra } = decodePack(gz, 'e.pack.gz');
    expect(header.embeddings).toEqual({ modelId: 'm', pipelineHash: 'h', dim: 3 });
    expect(Array.from(spectra[4]!.embedding!)).toEqual([4, 4.5, -4]);
    const pack = join(root, 'emb.pack.gz');
    writeFileSync(pack, gz);
    const dest = join(root, 'emb.specmatch');
    createLibraryFromPack(pack, dest);
    const lib = openDefaultLibrary({ path: dest, packPath: pack });
    expect(lib.embeddingStatus('m:h')).toMatchObject({ total: 6, current: 6, missing: 0 });
    lib.close();
    expect(() => encodePack({ name: 't', source: 's', embeddings: { modelId: 'm', pipelineHash: 'h', dim: 4 } }, e)).toThrow(/size 4/);
  });

  it('answers E_CORRUPT for damaged packs', () => {
    const good = encodePack({ name: 't', source: 's' }, entries(2));
    expect(() => decodePack(new Uint8Array([1, 2, 3]), 'x.pack.gz')).toThrow(/x.pack.gz: not a valid Specmatch pack: gzip/);
    expect(() => decodePack(gzipSync(Buffer.from('NOPE00000000')), 'x')).toThrow(/signature/);
    // cut the payload short, or add a byte: unzip the good pack, change it, gzip again
    const plain = gunzipSync(good);
    expect(() => decodePack(gzipSync(plain.subarray(0, plain.length - 10)), 'cut')).toThrow(/truncated/);
    expect(() => decodePack(gzipSync(Buffer.concat([plain, Buffer.from([0])])), 'long')).toThrow(/trailing/);
  });
});

describe('default library', () => {
  it('lives in SPECMATCH_HOME, else the platform data folder', () => {
    expect(defaultLibraryPath({ SPECMATCH_HOME: '/x' }, 'linux')).toBe(join('/x', 'default.specmatch'));
    expect(defaultLibraryPath({ XDG_DATA_HOME: '/d' }, 'linux')).toBe(join('/d', 'specmatch', 'default.specmatch'));
    expect(defaultLibraryPath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toContain(join('specmatch', 'default.specmatch'));
    expect(defaultLibraryPath({}, 'darwin')).toContain(join('Library', 'Application Support', 'specmatch'));
  });

  it('is created on first use from a pack, atomically, and reused afterwards', async () => {
    const pack = join(root, 'mini.pack.gz');
    writeFileSync(pack, encodePack({ name: 'mini', source: 'SYNTHETIC' }, entries(12)));
    const path = join(root, 'home', 'default.specmatch');
    const lib = openDefaultLibrary({ path, packPath: pack });
    try {
      expect(lib.info()).toMatchObject({ name: 'RRUFF default library', substances: 4, spectra: 12 });
      expect(existsSync(`${path}.creating-${process.pid}`)).toBe(false);
      const q = readSpectra(new TextEncoder().encode(syntheticRruffText({ mineral: 2, sample: 99 })), 'q.txt').spectra[0]!;
      expect((await matchSpectrum(lib, q, { topK: 1 })).matches[0]!.substance).toBe('Synthetica-2');
      lib.removeSubstance(lib.findSubstancesByName('Synthetica-0')[0]!, { purge: true });
    } finally {
      lib.close();
    }
    const again = openDefaultLibrary({ path, packPath: pack });
    expect(again.info().substances).toBe(3); // not re-created
    again.close();
    expect(() => createLibraryFromPack(join(root, 'missing.pack.gz'), join(root, 'other.specmatch'))).toThrow(/cannot read the reference pack/);
    expect(existsSync(join(root, 'other.specmatch'))).toBe(false);
  });

  it('the bundled pack is found, under 20 MB, with its NOTICE, and holds every mineral with RRUFF identities', () => {
    const pack = defaultPackPath({});
    expect(pack.endsWith(join('resources', 'library', DEFAULT_PACK_FILE))).toBe(true);
    const bytes = readFileSync(pack);
    expect(bytes.length).toBeLessThan(20 * 1024 * 1024);
    const notice = readFileSync(join(REPO_ROOT, 'resources/library/NOTICE.md'), 'utf8');
    expect(notice).toContain('Lafuente');
    const { header, spectra } = decodePack(bytes, pack);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'resources/library/rruff-default-v1.json'), 'utf8')) as { spectra: number; substances: number; sha256: string };
    expect(spectra.length).toBe(manifest.spectra);
    expect(header.substances.length).toBe(manifest.substances);
    expect(header.source).toContain('Lafuente');
    expect(spectra.every((s) => /^[0-9a-f]{64}$/.test(s.sha) && s.meta.format === 'rruff-txt')).toBe(true);
  });
});

describe('network share detection', () => {
  const mounts = ['/dev/sda1 / ext4 rw 0 0', 'server:/export /mnt/lab nfs4 rw 0 0', '//nas/share /mnt/smb\\040share cifs rw 0 0', 'tmpfs /mnt/lab/tmp tmpfs rw 0 0'].join('\n');
  it('finds nfs/cifs mounts by the longest mount point and UNC paths; local paths pass', () => {
    expect(networkFilesystemOf('/mnt/lab/libs/a.specmatch', mounts, 'linux')).toBe('nfs4');
    expect(networkFilesystemOf('/mnt/smb share/a.specmatch', mounts, 'linux')).toBe('cifs');
    expect(networkFilesystemOf('/mnt/lab/tmp/a.specmatch', mounts, 'linux')).toBeUndefined();
    expect(networkFilesystemOf('/home/u/a.specmatch', mounts, 'linux')).toBeUndefined();
    expect(networkFilesystemOf('\\\\server\\share\\a.specmatch', '', 'win32')).toBe('smb (UNC path)');
    expect(networkFilesystemOf('C:\\data\\a.specmatch', '', 'win32')).toBeUndefined();
  });
  it('syntheticXY stays deterministic (the fixtures depend on it)', () => {
    expect(syntheticXY({ mineral: 1, sample: 0, points: 5 })).toEqual(syntheticXY({ mineral: 1, sample: 0, points: 5 }));
  });
});
