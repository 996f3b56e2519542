import type { SpectrumMeta } from '../../spectrum/Spectrum.js';

/**
 * One spectrum as JCAMP-DX 5.01 text (McDonald & Wilks 1988; Lampen et al. 1999 for 5.01). Raman x values are
 * not evenly spaced in most instrument files, so the data are written as `##XYPOINTS=(XY..XY)` pairs, which every
 * JCAMP reader accepts, rather than a compressed `##XYDATA=(X++(Y..Y))` table that needs an even axis.
 */
export interface JcampInput {
  title: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  meta: SpectrumMeta;
  formula: string | null;
  cas: string | null;
  sampleId: string | null;
  spectrumId: number;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

export function jcampDx(d: JcampInput): string {
  const n = Math.min(d.x.length, d.y.length);
  const lines = [
    `##TITLE=${oneLine(d.title)}`,
    '##JCAMP-DX=5.01',
    '##DATA TYPE=RAMAN SPECTRUM',
    '##ORIGIN=Specmatch library export',
    `##OWNER=${oneLine(d.meta.fields['OWNER'] ?? 'see source')}`,
  ];
  if (d.formula) lines.push(`##MOLFORM=${oneLine(d.formula)}`);
  if (d.cas) lines.push(`##CAS REGISTRY NO=${d.cas}`);
  if (d.meta.laserNm) lines.push(`##$LASER WAVELENGTH=${d.meta.laserNm}`);
  if (d.sampleId) lines.push(`##$SAMPLE ID=${oneLine(d.sampleId)}`);
  lines.push(`##$SOURCE FILE=${oneLine(d.meta.sourceFile)}`, `##$SPECMATCH SPECTRUM ID=${d.spectrumId}`);
  for (const [k, v] of Object.entries(d.meta.fields)) {
    if (k === 'NAMES' || k === 'END') continue;
    lines.push(`##$RRUFF ${oneLine(k).replace(/=/g, '-')}=${oneLine(v)}`);
  }
  lines.push('##XUNITS=1/CM', '##YUNITS=ARBITRARY UNITS', '##XFACTOR=1', '##YFACTOR=1');
  if (n > 0) lines.push(`##FIRSTX=${d.x[0]}`, `##LASTX=${d.x[n - 1]}`);
  lines.push(`##NPOINTS=${n}`, '##XYPOINTS=(XY..XY)');
  for (let i = 0; i < n; i++) lines.push(`${Number(d.x[i]!.toPrecision(8))}, ${Number(d.y[i]!.toPrecision(8))}`);
  lines.push('##END=', '');
  return lines.join('\r\n');
}
