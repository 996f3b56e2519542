/**
 * Synthetic RRUFF-format spectra for the library tests (made up here, labelled SYNTHETIC in their headers): each
 * "mineral" has its own Lorentzian bands on a sloped baseline, each sample a little noise and shift, so matching
 * has a right answer without needing ../shared/data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export interface SyntheticOptions {
  mineral: number;
  sample: number;
  points?: number;
  noise?: number;
}

/** Band positions of synthetic mineral m (3–5 bands between 150 and 1400 cm⁻¹). */
export function bandsOf(m: number): Array<{ x: number; h: number; w: number }> {
  const r = rng(1000 + m * 7919);
  const n = 3 + Math.floor(r() * 3);
  return Array.from({ length: n }, () => ({ x: 150 + r() * 1250, h: 200 + r() * 1800, w: 3 + r() * 10 }));
}

export function syntheticXY(o: SyntheticOptions): { x: number[]; y: number[] } {
  const r = rng(o.mineral * 1_000_003 + o.sample * 97 + 1);
  const points = o.points ?? 1200;
  const shift = (r() - 0.5) * 2;
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < points; i++) {
    const xi = 90 + (i * 1400) / (points - 1) + 0.0003 * i * i * 0.01;
    let yi = 300 + 0.2 * xi;
    for (const b of bandsOf(o.mineral)) yi += b.h / (1 + ((xi - b.x - shift) / b.w) ** 2);
    yi += (o.noise ?? 6) * (r() - 0.5);
    x.push(Number(xi.toFixed(4)));
    y.push(Number(yi.toFixed(3)));
  }
  return { x, y };
}

export const mineralName = (m: number): string => `Synthetica-${m}`;

/** One RRUFF-format file's text. `name` overrides ##NAMES (e.g. to test entity decoding). */
export function syntheticRruffText(o: SyntheticOptions & { name?: string; formula?: string }): string {
  const { x, y } = syntheticXY(o);
  const id = `S${String(o.mineral).padStart(4, '0')}${String(o.sample).padStart(2, '0')}`;
  const head = [
    `##NAMES=${o.name ?? mineralName(o.mineral)}`,
    `##RRUFFID=${id}`,
    `##IDEAL CHEMISTRY=${o.formula ?? (o.mineral % 2 === 0 ? 'Ca(CO_3_)' : 'Cu_2_S')}`,
    '##LOCALITY=SYNTHETIC (generated for tests)',
    '##OWNER=Specmatch tests',
    '##SOURCE=SYNTHETIC',
    '##DESCRIPTION=SYNTHETIC spectrum, not a measurement',
    '##STATUS=synthetic',
    '##URL=none',
  ];
  return [...head, ...x.map((xi, i) => `${xi}, ${y[i]}`), '##END=', ''].join('\r\n');
}

/** Writes `minerals × samples` files into dir; returns their paths in order. */
export function writeSyntheticSet(dir: string, minerals: number, samples: number, first = 0): string[] {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let m = first; m < first + minerals; m++) {
    for (let s = 0; s < samples; s++) {
      const p = join(dir, `${mineralName(m)}__S${m}-${s}__Raman__532__0__unoriented__Raman_Data_RAW__${m * 100 + s}.txt`);
      writeFileSync(p, syntheticRruffText({ mineral: m, sample: s }));
      paths.push(p);
    }
  }
  return paths;
}
