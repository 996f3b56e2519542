/**
 * Folder walks are bounded and cancellable: symbolic-link loops end, depth and entries are capped, an abort signal
 * stops the listing, and the event loop stays live while it runs.
 */
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandImportPaths } from '../importSources.js';
import { Library } from '../Library.js';
import { writeSyntheticSet } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'specmatch-walk-'));
const libs = mkdtempSync(join(tmpdir(), 'specmatch-walk-libs-'));

describe('folder walks', () => {
  it('a folder holding l1 -> . and l2 -> . is walked once: the file is imported, nothing hangs', async () => {
    const dir = join(root, 'loops');
    const [file] = writeSyntheticSet(dir, 1, 1);
    symlinkSync('.', join(dir, 'l1'));
    symlinkSync('.', join(dir, 'l2'));
    symlinkSync(root, join(dir, 'up')); // a link to an ancestor: its other folders are walked, this one not again
    const listed = await expandImportPaths([dir]);
    expect(listed.leaves.map((l) => l.path)).toEqual([file]);
    const lib = Library.open(join(libs, 'loops.specmatch'), { create: true });
    try {
      const r = await lib.importPaths([dir]);
      expect(r).toMatchObject({ added: 1, files: 1 });
    } finally {
      lib.close();
    }
  }, 20_000);

  it('depth and entries are capped with a message; an aborted signal stops the listing', async () => {
    let deep = join(root, 'deep');
    for (let i = 0; i < 6; i++) deep = join(deep, `d${i}`);
    mkdirSync(deep, { recursive: true });
    writeSyntheticSet(deep, 1, 1);
    const byDepth = await expandImportPaths([join(root, 'deep')], { maxDepth: 3 });
    expect(byDepth.leaves).toEqual([]);
    expect(byDepth.errors[0]!.message).toMatch(/deeper than 3 levels/);

    const wide = join(root, 'wide');
    writeSyntheticSet(wide, 10, 2);
    const byCount = await expandImportPaths([wide], { maxEntries: 5 });
    expect(byCount.leaves.length).toBe(4);
    expect(byCount.errors.at(-1)!.message).toMatch(/more than 5 folder entries/);

    const controller = new AbortController();
    controller.abort();
    expect((await expandImportPaths([wide], { signal: controller.signal })).leaves).toEqual([]);
    const lib = Library.open(join(libs, 'cancel.specmatch'), { create: true });
    try {
      expect(await lib.importPaths([wide], { signal: controller.signal })).toMatchObject({ cancelled: true, added: 0 });
    } finally {
      lib.close();
    }
  });

  it('lets the event loop run while it walks (a timer fires during a large listing)', async () => {
    const wide = join(root, 'wide2');
    writeSyntheticSet(wide, 15, 2);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const r = await expandImportPaths([wide]);
    clearInterval(timer);
    expect(r.leaves).toHaveLength(30);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('zip members', () => {
  it('a member whose bytes were damaged (stored, so it still "unpacks") fails its CRC check; the others import', async () => {
    const { zipSync } = await import('fflate');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const [a, b] = writeSyntheticSet(join(root, 'zipsrc'), 2, 1);
    const zip = zipSync({ 'a.txt': [readFileSync(a!), { level: 0 }], 'b.txt': [readFileSync(b!), { level: 0 }] });
    const bytes = Buffer.from(zip);
    const at = bytes.indexOf('##', 40); // inside a.txt's stored data
    bytes.writeUInt8(bytes.readUInt8(at + 500) ^ 0x20, at + 500);
    const path = join(root, 'damaged.zip');
    writeFileSync(path, bytes);
    const lib = Library.open(join(libs, 'zip.specmatch'), { create: true });
    try {
      const r = await lib.importPaths([path]);
      expect(r.added).toBe(1);
      expect(r.errors).toEqual([expect.objectContaining({ file: `${path}!/a.txt`, code: 'E_CORRUPT', message: expect.stringMatching(/checksum mismatch/) as unknown })]);
    } finally {
      lib.close();
    }
  });
});
