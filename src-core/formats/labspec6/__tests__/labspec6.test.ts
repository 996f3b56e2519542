import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpecmatchError } from '../../../errors.js';
import { describeShared, sharedPath } from '../../../../test/support.js';
import { readSpectra } from '../../readSpectra.js';
import { labspec6 } from '../labspec6.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SpecmatchError ? `${err.code}: ${err.message}` : 'untyped';
  }
  return undefined;
}

describe('LabSpec 6 .l6s', () => {
  it('is recognised by its signature and refused with a way out', () => {
    const bytes = new Uint8Array(64);
    bytes.set(new TextEncoder().encode('LabSpec6'));
    expect(labspec6.sniff(bytes, 'whatever.bin')).toBe(3);
    expect(codeOf(() => readSpectra(bytes, 'a.l6s'))).toBe(
      'E_UNSUPPORTED: a.l6s: cannot read as Horiba LabSpec 6: LabSpec 6 binary: export it as .txt from LabSpec',
    );
  });

  it('does not claim other files', () => {
    expect(labspec6.sniff(new TextEncoder().encode('LabSpec5 text'), 'a.l6s')).toBe(0);
    expect(codeOf(() => labspec6.read(new TextEncoder().encode('hello'), 'b.l6s'))).toMatch(/^E_FORMAT_MISMATCH/);
  });
});

describeShared('LabSpec 6 on vendor/horiba/ramanchada2', () => {
  it('refuses the real .l6s with E_UNSUPPORTED', () => {
    const f = sharedPath('vendor/horiba/ramanchada2/PST10_iR785_OP01_8000msx8.l6s');
    expect(codeOf(() => readSpectra(readFileSync(f), f))).toMatch(/^E_UNSUPPORTED: .*export it as \.txt from LabSpec$/);
  });
});
