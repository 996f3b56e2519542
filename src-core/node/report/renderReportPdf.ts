import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { ReportEntry, ReportInput } from '../../report/ReportInput.js';
import { chemistryToUnicode, formatDateTime, formatParam, percent, VERDICT_LABEL } from '../../report/formatting.js';
import { overlayGeometry } from '../../report/plotGeometry.js';
import { assessQuality, formatSnr } from '../../preprocess/quality.js';
import { scaleBar } from '../../map/phaseFigure.js';

/**
 * The one PDF report renderer (CLI `specmatch report` and the app's Export report… both call it). A4 portrait,
 * DejaVu Sans embedded (subset) so mineral names and chemistry (accents, Greek, sub/superscripts) print as they
 * are stored; the overlay plot is drawn as vector paths, crisp at any print resolution.
 */
const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

const PAGE = { width: 595.28, height: 841.89, margin: 48 };
const CONTENT_W = PAGE.width - 2 * PAGE.margin;
const COLORS = { text: '#1d2430', muted: '#5b6675', rule: '#c9d0da', band: '#eef2f7', query: '#111827', traces: ['#d62728', '#1f77b4', '#2ca02c'] };
const VERDICT_COLOR: Record<string, string> = { match: '#1b7f3b', ambiguous: '#b26b00', 'no-match': '#b3261e' };

type Doc = PDFKit.PDFDocument;

function rule(doc: Doc, y: number): void {
  doc.save().moveTo(PAGE.margin, y).lineTo(PAGE.width - PAGE.margin, y).lineWidth(0.5).strokeColor(COLORS.rule).stroke().restore();
}

function sectionTitle(doc: Doc, title: string, y: number): number {
  doc.font('Bold').fontSize(10.5).fillColor(COLORS.text).text(title, PAGE.margin, y, { lineBreak: false });
  rule(doc, y + 15);
  return y + 21;
}

/** Make room for `needed` points; start a new page when the rest of this one is too short. */
function ensureSpace(doc: Doc, y: number, needed: number): number {
  if (y + needed <= PAGE.height - PAGE.margin - 24) return y;
  doc.addPage();
  return PAGE.margin;
}

/** A text that must stay on one line (the query file name): shrink the font until it fits, down to 5.5 pt. */
function oneLine(doc: Doc, text: string, x: number, y: number, width: number, size: number, font = 'Sans'): void {
  let s = size;
  doc.font(font);
  while (s > 5.5 && doc.fontSize(s).widthOfString(text) > width) s -= 0.25;
  doc.fontSize(s).text(text, x, y, { width, lineBreak: false, ellipsis: true });
}

/** Trim text with an ellipsis so it fits `width` at the current font and size (PDFKit's own ellipsis wraps first). */
function fit(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

function keyValues(doc: Doc, rows: Array<[string, string]>, y: number, keyW = 112): number {
  for (const [k, v] of rows) {
    y = ensureSpace(doc, y, 14);
    doc.font('Sans').fontSize(8.5).fillColor(COLORS.muted).text(k, PAGE.margin, y, { width: keyW - 6, lineBreak: false });
    doc.fillColor(COLORS.text);
    if (k === 'File') oneLine(doc, v, PAGE.margin + keyW, y, CONTENT_W - keyW, 8.5);
    else doc.font('Sans').fontSize(8.5).text(v, PAGE.margin + keyW, y, { width: CONTENT_W - keyW });
    y = Math.max(y + 12.5, doc.y + 1.5);
  }
  return y;
}

function header(doc: Doc, input: ReportInput): number {
  const y = PAGE.margin;
  doc.font('Bold').fontSize(16).fillColor(COLORS.text).text(input.title, PAGE.margin, y, { width: CONTENT_W * 0.6 });
  doc.font('Sans').fontSize(8.5).fillColor(COLORS.muted);
  const right = [input.lab ? `Lab: ${input.lab}` : 'Lab: —', input.analyst ? `Analyst: ${input.analyst}` : 'Analyst: —', formatDateTime(input.generatedAt, input.timeZone), `Specmatch ${input.appVersion}`];
  right.forEach((line, i) => doc.text(line, PAGE.margin + CONTENT_W * 0.45, y + i * 11, { width: CONTENT_W * 0.55, align: 'right', lineBreak: false }));
  const bottom = y + right.length * 11 + 6;
  doc.save().rect(PAGE.margin, bottom, CONTENT_W, 2).fill('#2f5d8a').restore();
  return bottom + 12;
}

function verdictBox(doc: Doc, entry: ReportEntry, y: number): number {
  const h = 40;
  y = ensureSpace(doc, y, h + 8);
  const verdict = entry.error ? 'error' : (entry.result?.verdict ?? 'no-match');
  const color = VERDICT_COLOR[verdict] ?? '#b3261e';
  doc.save().roundedRect(PAGE.margin, y, CONTENT_W, h, 4).fill(COLORS.band).restore();
  doc.save().roundedRect(PAGE.margin, y, 6, h, 2).fill(color).restore();
  const top = entry.result?.matches[0];
  const label = entry.error ? 'Not matched' : `${VERDICT_LABEL[verdict] ?? verdict}${entry.result && !entry.result.calibrated ? ' (uncalibrated)' : ''}`;
  doc.font('Bold').fontSize(13).fillColor(color).text(label, PAGE.margin + 16, y + 7, { lineBreak: false });
  doc.font('Sans').fontSize(9).fillColor(COLORS.text);
  const detail = entry.error
    ? `${entry.error.code}: ${entry.error.message}`
    : top
      ? `Best: ${chemistryToUnicode(top.substance)}: score ${percent(top.score)}, gap to next ${percent(top.gap)}`
      : 'The library returned no candidates.';
  doc.text(fit(doc, detail, CONTENT_W - 24), PAGE.margin + 16, y + 24, { width: CONTENT_W - 24, lineBreak: false });
  return y + h + 12;
}

function overlayPlot(doc: Doc, entry: ReportEntry, y: number): number {
  const plotH = 210;
  const left = PAGE.margin + 34;
  const w = CONTENT_W - 34 - 4;
  y = ensureSpace(doc, y, plotH + 56);
  const traces = [{ label: `Query: ${entry.query.fileName.split(/[\\/]/).pop() ?? ''}`, spectrum: entry.queryVector ?? entry.query.spectrum }, ...entry.overlays.slice(0, 3).map((o) => ({ label: `#${o.rank} ${chemistryToUnicode(o.substance)}`, spectrum: o.spectrum }))];
  const g = overlayGeometry(traces, w, plotH);
  // frame and grid
  doc.save().lineWidth(0.4).strokeColor('#e3e7ee');
  for (const t of g.xTicks) doc.moveTo(left + t.pos, y).lineTo(left + t.pos, y + plotH).stroke();
  for (const t of g.yTicks) doc.moveTo(left, y + t.pos).lineTo(left + w, y + t.pos).stroke();
  doc.restore();
  doc.save().lineWidth(0.7).strokeColor('#7a8494').rect(left, y, w, plotH).stroke().restore();
  doc.font('Sans').fontSize(7).fillColor(COLORS.muted);
  for (const t of g.xTicks) doc.text(String(t.value), left + t.pos - 20, y + plotH + 3, { width: 40, align: 'center', lineBreak: false });
  for (const t of g.yTicks) doc.text(t.value.toFixed(2), left - 30, y + t.pos - 3.5, { width: 26, align: 'right', lineBreak: false });
  const unit = entry.query.spectrum.meta.xKind === 'wavelength' ? 'Wavelength / nm' : entry.query.spectrum.meta.xKind === 'wavenumber' ? 'Wavenumber / cm⁻¹' : 'Raman shift / cm⁻¹';
  doc.fontSize(8).fillColor(COLORS.text).text(unit, left, y + plotH + 13, { width: w, align: 'center', lineBreak: false });
  doc.save().rotate(-90, { origin: [PAGE.margin + 2, y + plotH / 2] });
  doc.text('Normalised intensity', PAGE.margin + 2 - 60, y + plotH / 2 - 4, { width: 120, align: 'center', lineBreak: false });
  doc.restore();
  // traces: references first (thin, coloured), query last on top (dark)
  const order = [...g.traces.keys()].slice(1).concat([0]);
  for (const i of order) {
    const t = g.traces[i]!;
    if (t.points.length < 2) continue;
    doc.save().rect(left, y, w, plotH).clip();
    doc.lineWidth(i === 0 ? 0.9 : 0.7).strokeColor(i === 0 ? COLORS.query : COLORS.traces[(i - 1) % 3]!).lineJoin('round');
    const [p0, ...rest] = t.points;
    doc.moveTo(left + p0![0], y + p0![1]);
    for (const p of rest) doc.lineTo(left + p[0], y + p[1]);
    doc.stroke().restore();
  }
  // legend
  let lx = left;
  const ly = y + plotH + 27;
  g.traces.forEach((t, i) => {
    const color = i === 0 ? COLORS.query : COLORS.traces[(i - 1) % 3]!;
    doc.save().lineWidth(2).strokeColor(color).moveTo(lx, ly + 4).lineTo(lx + 14, ly + 4).stroke().restore();
    doc.font('Sans').fontSize(7.5).fillColor(COLORS.text);
    const label = t.label.length > 48 ? `${t.label.slice(0, 47)}…` : t.label;
    doc.text(label, lx + 18, ly, { lineBreak: false });
    lx += 18 + doc.widthOfString(label) + 14;
  });
  return ly + 18;
}

function resultsTable(doc: Doc, entry: ReportEntry, topN: number, y: number): number {
  const matches = entry.result?.matches.slice(0, topN) ?? [];
  const cols: Array<{ title: string; w: number; align: 'left' | 'right' }> = [
    { title: 'Rank', w: 36, align: 'right' },
    { title: 'Substance', w: 150, align: 'left' },
    { title: 'Score', w: 52, align: 'right' },
    { title: 'Gap', w: 48, align: 'right' },
    { title: 'Corr. HQI', w: 56, align: 'right' },
    { title: 'Deriv. HQI', w: 60, align: 'right' },
    { title: 'Cosine', w: 48, align: 'right' },
    { title: 'Euclid.', w: 0, align: 'right' },
  ];
  cols[cols.length - 1]!.w = CONTENT_W - cols.reduce((a, c) => a + c.w, 0);
  const rowH = 14;
  y = ensureSpace(doc, y, rowH * (Math.min(matches.length, 5) + 1) + 4);
  const drawHead = (yy: number): void => {
    doc.save().rect(PAGE.margin, yy, CONTENT_W, rowH).fill('#dfe6ef').restore();
    let x = PAGE.margin;
    doc.font('Bold').fontSize(7.5).fillColor(COLORS.text);
    for (const c of cols) {
      doc.text(c.title, x + 3, yy + 3.5, { width: c.w - 6, align: c.align, lineBreak: false, height: rowH - 4 });
      x += c.w;
    }
  };
  drawHead(y);
  y += rowH;
  if (matches.length === 0) {
    doc.font('Sans').fontSize(8.5).fillColor(COLORS.muted).text(entry.error ? 'No results: the query could not be read.' : 'No candidates.', PAGE.margin + 4, y + 3);
    return y + rowH + 6;
  }
  matches.forEach((m, i) => {
    if (y + rowH > PAGE.height - PAGE.margin - 24) {
      doc.addPage();
      y = PAGE.margin;
      drawHead(y);
      y += rowH;
    }
    if (i % 2 === 1) doc.save().rect(PAGE.margin, y, CONTENT_W, rowH).fill('#f6f8fb').restore();
    const cells = [String(m.rank), chemistryToUnicode(m.substance), percent(m.score), percent(m.gap), m.hqi.correlation.toFixed(3), m.hqi.derivative.toFixed(3), m.hqi.cosine.toFixed(3), m.hqi.euclidean.toFixed(3)];
    let x = PAGE.margin;
    doc.font(i === 0 ? 'Bold' : 'Sans').fontSize(8).fillColor(COLORS.text);
    cells.forEach((cell, j) => {
      const c = cols[j]!;
      doc.text(fit(doc, cell, c.w - 8), x + 4, y + 3.5, { width: c.w - 8, align: c.align, lineBreak: false });
      x += c.w;
    });
    y += rowH;
  });
  return y + 6;
}

const MIXTURE_VERDICT: Record<string, string> = { mixture: 'Mixture', single: 'Single substance', 'no-match': 'No match' };

/** Axis ticks for [lo, hi] at a readable step. */
function ticks(lo: number, hi: number, target: number): number[] {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(6)));
  return out;
}

/**
 * The mixture section: verdict and fit, the components with their fractions and scores, and a plot of the query
 * (baseline removed, peak height 1) with the fitted sum and each scaled component, the residual below.
 */
function mixtureSection(doc: Doc, entry: ReportEntry, y: number): number {
  y = sectionTitle(doc, 'Mixture analysis', ensureSpace(doc, y, 360));
  if (entry.mixtureError || !entry.mixture) {
    doc.font('Sans').fontSize(8.5).fillColor(COLORS.muted).text(`Not available: ${entry.mixtureError?.message ?? 'no answer'}`, PAGE.margin, y, { width: CONTENT_W });
    return doc.y + 10;
  }
  const m = entry.mixture;
  const names = m.components.map((c) => `${chemistryToUnicode(c.substance)} ${percent(c.fraction)}`).join(' + ');
  doc.font('Bold').fontSize(10).fillColor(m.verdict === 'no-match' ? (VERDICT_COLOR['no-match'] ?? COLORS.text) : COLORS.text).text(`${MIXTURE_VERDICT[m.verdict] ?? m.verdict}: ${names || '—'}`, PAGE.margin, y, { width: CONTENT_W });
  y = doc.y + 2;
  doc.font('Sans').fontSize(8.5).fillColor(COLORS.muted).text(
    `Fit of the sum: R² ${m.fit.r2.toFixed(3)}, HQI ${m.fit.hqi.toFixed(3)}, residual ${percent(m.fit.residual)} of the query. Best single substance: ${m.single.components[0] ? chemistryToUnicode(m.single.components[0].substance) : '—'} (R² ${m.single.fit.r2.toFixed(3)}).`,
    PAGE.margin,
    y,
    { width: CONTENT_W },
  );
  y = doc.y + 6;
  // Components table.
  const cols = [
    { t: 'Component', w: 64, a: 'left' as const },
    { t: 'Substance', w: 190, a: 'left' as const },
    { t: 'Fraction', w: 70, a: 'right' as const },
    { t: 'Score', w: 70, a: 'right' as const },
    { t: 'Shift', w: 0, a: 'right' as const },
  ];
  cols[cols.length - 1]!.w = CONTENT_W - cols.reduce((a, c) => a + c.w, 0);
  const rowH = 14;
  doc.save().rect(PAGE.margin, y, CONTENT_W, rowH).fill('#dfe6ef').restore();
  let x = PAGE.margin;
  doc.font('Bold').fontSize(7.5).fillColor(COLORS.text);
  for (const c of cols) {
    doc.text(c.t, x + 4, y + 3.5, { width: c.w - 8, align: c.a, lineBreak: false });
    x += c.w;
  }
  y += rowH;
  m.components.forEach((c, i) => {
    const cells = [String(i + 1), chemistryToUnicode(c.substance), percent(c.fraction), c.score.toFixed(3), `${c.shiftCm > 0 ? '+' : ''}${c.shiftCm} cm⁻¹`];
    x = PAGE.margin;
    doc.save().rect(PAGE.margin + 2, y + 4, 6, 6).fill(COLORS.traces[i % 3]).restore();
    doc.font('Sans').fontSize(8).fillColor(COLORS.text);
    cells.forEach((cell, j) => {
      const col = cols[j]!;
      doc.text(fit(doc, cell, col.w - 8 - (j === 0 ? 8 : 0)), x + 4 + (j === 0 ? 8 : 0), y + 3.5, { width: col.w - 8 - (j === 0 ? 8 : 0), align: col.a, lineBreak: false });
      x += col.w;
    });
    y += rowH;
  });
  y += 8;
  const curves = m.curves;
  if (!curves || curves.x.length < 2) return y;
  // Plot: components and fit on top, residual in a band below, one shared y scale.
  const plotH = 200;
  const left = PAGE.margin + 34;
  const w = CONTENT_W - 38;
  y = ensureSpace(doc, y, plotH + 40);
  let hi = -Infinity;
  let rMin = Infinity;
  let rMax = -Infinity;
  for (const v of curves.query) hi = Math.max(hi, v);
  for (const v of curves.fitted) hi = Math.max(hi, v);
  for (const v of curves.residual) {
    rMin = Math.min(rMin, v);
    rMax = Math.max(rMax, v);
  }
  const gap = 0.06 * hi;
  const offset = -gap - rMax; // the residual's top sits just under zero
  const lo = Math.min(-0.05 * hi, rMin + offset);
  const x0 = curves.x[0]!;
  const x1 = curves.x[curves.x.length - 1]!;
  const px = (v: number): number => left + ((v - x0) / (x1 - x0)) * w;
  const py = (v: number): number => y + plotH - ((v - lo) / (hi * 1.04 - lo)) * plotH;
  doc.save().lineWidth(0.4).strokeColor('#e3e7ee');
  for (const t of ticks(x0, x1, 8)) doc.moveTo(px(t), y).lineTo(px(t), y + plotH).stroke();
  doc.restore();
  doc.save().lineWidth(0.7).strokeColor('#7a8494').rect(left, y, w, plotH).stroke().restore();
  doc.font('Sans').fontSize(7).fillColor(COLORS.muted);
  for (const t of ticks(x0, x1, 8)) doc.text(String(t), px(t) - 20, y + plotH + 3, { width: 40, align: 'center', lineBreak: false });
  for (const t of ticks(0, hi, 4)) doc.text(t.toFixed(1), left - 30, py(t) - 3.5, { width: 26, align: 'right', lineBreak: false });
  doc.text('residual', left - 34, py(offset) - 3.5, { width: 30, align: 'right', lineBreak: false });
  doc.fontSize(8).fillColor(COLORS.text).text('Raman shift / cm⁻¹', left, y + plotH + 13, { width: w, align: 'center', lineBreak: false });
  const trace = (ys: readonly number[], color: string, width: number, dash: boolean, shift = 0): void => {
    doc.save().rect(left, y, w, plotH).clip();
    doc.lineWidth(width).strokeColor(color).lineJoin('round');
    if (dash) doc.dash(3, { space: 2 });
    doc.moveTo(px(curves.x[0]!), py(ys[0]! + shift));
    for (let i = 1; i < ys.length; i++) doc.lineTo(px(curves.x[i]!), py(ys[i]! + shift));
    doc.stroke().undash().restore();
  };
  doc.save().lineWidth(0.4).strokeColor('#9aa3af').moveTo(left, py(offset)).lineTo(left + w, py(offset)).stroke().restore();
  curves.components.forEach((c, i) => trace(c, COLORS.traces[i % 3]!, 0.7, false));
  trace(curves.query, COLORS.query, 0.9, false);
  trace(curves.fitted, '#7c3aed', 0.8, true);
  trace(curves.residual, '#6b7280', 0.6, false, offset);
  // Legend.
  let lx = left;
  const ly = y + plotH + 27;
  const items: Array<[string, string, boolean]> = [
    ['Query (baseline removed)', COLORS.query, false],
    ['Fitted sum', '#7c3aed', true],
    ...m.components.map((c, i): [string, string, boolean] => [`${chemistryToUnicode(c.substance)} × ${c.coefficient.toFixed(2)}`, COLORS.traces[i % 3]!, false]),
    ['Residual', '#6b7280', false],
  ];
  for (const [label, color, dash] of items) {
    doc.save().lineWidth(2).strokeColor(color);
    if (dash) doc.dash(3, { space: 2 });
    doc.moveTo(lx, ly + 4).lineTo(lx + 14, ly + 4).stroke().undash().restore();
    doc.font('Sans').fontSize(7.5).fillColor(COLORS.text).text(label, lx + 18, ly, { lineBreak: false });
    lx += 18 + doc.widthOfString(label) + 14;
  }
  return ly + 20;
}

function legend(doc: Doc, y: number): number {
  y = ensureSpace(doc, y, 60);
  const text =
    `Score: similarity of the query to the best reference spectrum of each substance under the method below, from 0 to 100 % (higher is more similar); ` +
    `for the Siamese method it is the network's output, trained on other minerals to estimate whether both spectra are of the same substance (its verdict thresholds, not the score itself, are calibrated on minerals it never trained on). Gap: the score's lead over the next substance. ` +
    `Corr. HQI: squared Pearson correlation of the preprocessed spectra; Deriv. HQI: the same on their first derivatives; Cosine: cosine similarity; ` +
    `Euclid.: 1 / (1 + distance) of the L2-normalised spectra (all 0 to 1). Verdict: "Match" when the top score and its gap clear the calibrated thresholds, ` +
    `"Ambiguous" when the top candidates are too close to call, "No match" when no reference is similar enough — a candidate list is always shown. ` +
    `The plot shows the vectors the scores were computed on — the query and each reference through the pipeline under Method — min–max scaled.`;
  doc.font('Sans').fontSize(7.5).fillColor(COLORS.muted).text(text, PAGE.margin, y, { width: CONTENT_W, align: 'justify' });
  return doc.y + 8;
}

function methodSection(doc: Doc, input: ReportInput, y: number): number {
  const m = input.method;
  y = ensureSpace(doc, y, 120);
  y = sectionTitle(doc, 'Method', y);
  const steps = m.pipeline.steps.length
    ? m.pipeline.steps.map((s, i) => `${i + 1}. ${s.kind}(${Object.entries(s.params).map(([k, v]) => `${k}=${formatParam(v)}`).join(', ')})`).join('\n')
    : 'none (raw spectra)';
  const rows: Array<[string, string]> = [
    ['Matching method', m.methodLabel],
    [
      'Preprocessing',
      `${m.analystPipeline ? `the analyst's ${m.analystPipeline.length} step${m.analystPipeline.length === 1 ? '' : 's'} (1–${m.analystPipeline.length} below), then the method's own; ` : "the method's own; "}the same for the query and every reference`,
    ],
    ['Pipeline steps', steps],
    ['Pipeline hash', `SHA-256 ${m.pipeline.hash} (${m.pipeline.name ?? 'vectors'})`],
    ['Excluded ranges', m.exclude.length ? m.exclude.map(([a, b]) => `${a}–${b} cm⁻¹`).join(', ') : 'none'],
  ];
  if (!m.calibrated) rows.push(['Verdict', 'uncalibrated: its thresholds were measured for the default pipeline, not for this one']);
  if (m.model) rows.push(['Model', `${m.model.id} (version ${m.model.version}${m.model.backend ? `, ${m.model.backend} backend` : ''})`], ['Model manifest', `SHA-256 ${m.model.manifestHash}`]);
  rows.push(['Library', `${m.library.name}${m.library.version ? ` (${m.library.version})` : ''}: ${m.library.substances} substances, ${m.library.spectra} spectra`]);
  if (m.calibration?.length) rows.push(['X-axis calibration', m.calibration.join('\n')]);
  return keyValues(doc, rows, y) + 6;
}

function notesAndSignatures(doc: Doc, input: ReportInput, y: number): number {
  y = ensureSpace(doc, y, 110);
  y = sectionTitle(doc, 'Notes', y);
  doc.font('Sans').fontSize(8.5).fillColor(input.notes ? COLORS.text : COLORS.muted).text(input.notes?.trim() || '—', PAGE.margin, y, { width: CONTENT_W });
  y = doc.y + 22;
  y = ensureSpace(doc, y, 44);
  const colW = (CONTENT_W - 30) / 2;
  for (const [i, who] of ['Analyst', 'Reviewer'].entries()) {
    const x = PAGE.margin + i * (colW + 30);
    doc.save().moveTo(x, y + 18).lineTo(x + colW, y + 18).lineWidth(0.6).strokeColor('#6b7480').stroke().restore();
    const name = who === 'Analyst' && input.analyst ? ` (${input.analyst})` : '';
    doc.font('Sans').fontSize(8).fillColor(COLORS.muted).text(`${who}${name}: signature and date`, x, y + 22, { width: colW, lineBreak: false });
  }
  return y + 40;
}

function queryPage(doc: Doc, input: ReportInput, entry: ReportEntry, first: boolean): void {
  if (!first) doc.addPage();
  let y = header(doc, input);
  y = sectionTitle(doc, entry.query.count > 1 ? `Query: spectrum ${entry.query.index + 1} of ${entry.query.count}` : 'Query', y);
  const meta = entry.query.spectrum.meta;
  const rows: Array<[string, string]> = [
    ['File', entry.query.fileName],
    ['SHA-256', entry.query.sha256],
    ['Format', entry.query.format],
  ];
  if (entry.query.count > 1) rows.push(['Spectrum in file', `${entry.query.index + 1} of ${entry.query.count}${meta.position.label ? ` (${meta.position.label})` : ''}`]);
  if (meta.substance) rows.push(['Name in file', chemistryToUnicode(meta.substance)]);
  if (meta.sampleId) rows.push(['Sample', meta.sampleId]);
  if (meta.instrument) rows.push(['Instrument', meta.instrument]);
  rows.push(['Laser', meta.laserNm ? `${meta.laserNm} nm` : 'not stated in the file']);
  if (meta.date) rows.push(['Acquired', meta.date]);
  const n = entry.query.spectrum.x.length;
  if (n > 0) rows.push(['Points', `${n}, ${entry.query.spectrum.x[0]!.toFixed(1)} to ${entry.query.spectrum.x[n - 1]!.toFixed(1)} ${meta.xKind === 'wavelength' ? 'nm' : 'cm⁻¹'}`]);
  if (n > 0) {
    const q = assessQuality(entry.query.spectrum);
    rows.push(['Signal-to-noise', `${formatSnr(q.snr)} (peak height over noise σ from first differences)${q.saturated ? '; clipped top: saturated detector' : ''}${q.spikes > 0 ? `; ${q.spikes} cosmic-ray spike${q.spikes === 1 ? '' : 's'}` : ''}`]);
  }
  y = keyValues(doc, rows, y) + 6;
  y = verdictBox(doc, entry, y);
  if (!entry.error) y = overlayPlot(doc, entry, y);
  y = sectionTitle(doc, `Ranked matches (top ${input.topN})`, ensureSpace(doc, y, 80));
  y = resultsTable(doc, entry, input.topN, y);
  if (entry.mixture || entry.mixtureError) y = mixtureSection(doc, entry, y);
  y = legend(doc, y);
  y = methodSection(doc, input, y);
  notesAndSignatures(doc, input, y);
}

function summaryPage(doc: Doc, input: ReportInput): void {
  let y = header(doc, input);
  y = sectionTitle(doc, `Summary of ${input.entries.length} queries`, y);
  const cols = [
    { t: '#', w: 24 },
    { t: 'Query file', w: 182 },
    { t: 'Spectrum', w: 56 },
    { t: 'Verdict', w: 62 },
    { t: 'Top substance', w: 120 },
    { t: 'Score', w: 0 },
  ];
  cols[cols.length - 1]!.w = CONTENT_W - cols.reduce((a, c) => a + c.w, 0);
  const rowH = 14;
  const head = (yy: number): void => {
    doc.save().rect(PAGE.margin, yy, CONTENT_W, rowH).fill('#dfe6ef').restore();
    let x = PAGE.margin;
    doc.font('Bold').fontSize(8).fillColor(COLORS.text);
    for (const c of cols) {
      doc.text(c.t, x + 4, yy + 3.5, { width: c.w - 8, lineBreak: false });
      x += c.w;
    }
  };
  head(y);
  y += rowH;
  input.entries.forEach((e, i) => {
    if (y + rowH > PAGE.height - PAGE.margin - 24) {
      doc.addPage();
      y = PAGE.margin;
      head(y);
      y += rowH;
    }
    if (i % 2 === 1) doc.save().rect(PAGE.margin, y, CONTENT_W, rowH).fill('#f6f8fb').restore();
    const top = e.result?.matches[0];
    const verdict = e.error ? 'error' : (e.result?.verdict ?? '');
    const cells = [String(i + 1), e.query.fileName.split(/[\\/]/).pop() ?? e.query.fileName, `${e.query.index + 1}/${e.query.count}`, e.error ? 'Error' : (VERDICT_LABEL[verdict] ?? verdict), e.error ? e.error.code : top ? chemistryToUnicode(top.substance) : '—', top && !e.error ? percent(top.score) : ''];
    let x = PAGE.margin;
    cells.forEach((cell, j) => {
      const c = cols[j]!;
      doc.font('Sans').fontSize(8).fillColor(j === 3 ? (VERDICT_COLOR[verdict] ?? COLORS.text) : COLORS.text);
      doc.text(fit(doc, cell, c.w - 8), x + 4, y + 3.5, { width: c.w - 8, lineBreak: false });
      x += c.w;
    });
    y += rowH;
  });
  y = methodSection(doc, input, y + 12);
}

const um = (v: number): string => `${+v.toPrecision(5)} µm`;
const hex = (c: readonly [number, number, number]): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/**
 * A map's page: what was mapped, the phase image (the pixels of `specmatch map`'s PNG, x to the right, y downwards)
 * with its scale bar and stage range, a table of the phases with colour, pixel count, fraction and mean score, the
 * assignment rule, then the method (pipeline, model, library), notes and signatures.
 */
function mapPage(doc: Doc, input: ReportInput, map: NonNullable<ReportInput['map']>): void {
  let y = header(doc, input);
  y = sectionTitle(doc, 'Map', y);
  const shape = map.kind === 'grid' ? `${map.spectra} spectra on a ${map.width} × ${map.height} grid (columns × rows)` : `${map.spectra} spectra on a line`;
  const rows: Array<[string, string]> = [
    ['File', map.fileName],
    ['SHA-256', map.sha256],
    ['Format', map.format],
    ['Spectra', shape],
    [
      'Stage',
      map.stepUm && map.rangeUm
        ? `step ${map.kind === 'grid' ? `${um(map.stepUm.x)} in x, ${um(map.stepUm.y)} in y` : `${um(map.stepUm.x)} along the line`}; x ${um(map.rangeUm.x[0])} to ${um(map.rangeUm.x[1])}, y ${um(map.rangeUm.y[0])} to ${um(map.rangeUm.y[1])}`
        : 'no stage positions in the file (pixels in file order)',
    ],
  ];
  const cleaning = [map.despike ? `cosmic rays removed across neighbouring pixels (${map.spikes} spike${map.spikes === 1 ? '' : 's'})` : 'no cosmic-ray removal', map.snrMin === undefined ? 'no signal-to-noise mask' : `spectra with signal-to-noise under ${map.snrMin} left out`];
  rows.push(['Cleaning', cleaning.join('; ')]);
  y = keyValues(doc, rows, y) + 6;

  y = sectionTitle(doc, 'Phase map', y);
  // The image scaled to at most 240 pt on its longer side (a 480-px PNG: about 140 dpi, map pixels as blocks).
  const maxSide = 240;
  const scale = Math.min(maxSide / map.image.width, maxSide / map.image.height);
  const w = map.image.width * scale;
  const h = map.image.height * scale;
  doc.image(Buffer.from(map.image.png), PAGE.margin, y, { width: w, height: h });
  doc.save().lineWidth(0.6).strokeColor('#3c3c3c').rect(PAGE.margin, y, w, h).stroke().restore();
  // Beside the image: orientation, scale bar and the colour key.
  const rx = PAGE.margin + w + 18;
  const rw = CONTENT_W - w - 18;
  let ry = y;
  doc.font('Sans').fontSize(8).fillColor(COLORS.muted);
  doc.text(map.kind === 'grid' ? 'x increases to the right, y downwards (the first scan line at the top); white: no spectrum.' : 'The line from its first spectrum (left) to its last (right).', rx, ry, { width: rw });
  ry = doc.y + 8;
  const bar = map.stepUm ? scaleBar((map.stepUm.x * map.width) / w, w) : undefined;
  if (bar) {
    doc.save().rect(rx, ry + 3, bar.lengthPx, 4).fill('#000000').restore();
    doc.font('Sans').fontSize(8).fillColor(COLORS.text).text(bar.label, rx + bar.lengthPx + 6, ry, { lineBreak: false });
    ry += 18;
  }
  const key: Array<[string, [number, number, number]]> = [
    ...map.phases.map((p): [string, [number, number, number]] => [chemistryToUnicode(p.substance), p.colour]),
    ['unidentified', [190, 190, 190]],
    ...(map.lowSignal > 0 ? [['low signal', [90, 90, 90]] as [string, [number, number, number]]] : []),
  ];
  for (const [label, colour] of key.slice(0, 14)) {
    doc.save().rect(rx, ry + 1, 9, 9).fill(hex(colour)).restore();
    doc.save().lineWidth(0.4).strokeColor('#3c3c3c').rect(rx, ry + 1, 9, 9).stroke().restore();
    doc.font('Sans').fontSize(8).fillColor(COLORS.text).text(fit(doc, label, rw - 14), rx + 14, ry + 1, { lineBreak: false });
    ry += 13;
  }
  if (key.length > 14) {
    doc.font('Sans').fontSize(8).fillColor(COLORS.muted).text(`… ${key.length - 14} more in the table below`, rx, ry + 1, { lineBreak: false });
    ry += 13;
  }
  const rule =
    `Each spectrum was matched against the library as a single query would be (method below); its pixel takes the colour of its top substance when the verdict is "Match" or "Ambiguous"` +
    `${map.minScore > 0 ? ` and the score is at least ${percent(map.minScore)}` : ''}, else it is unidentified (grey). Fraction: pixels of the phase over all ${map.spectra} spectra. ` +
    `Mean score: the mean top score of the phase's pixels.${map.firstError ? ` Not matchable: ${map.firstError}.` : ''}`;
  doc.font('Sans').fontSize(7.5).fillColor(COLORS.muted).text(rule, rx, ry + 6, { width: rw });
  ry = doc.y;
  y = Math.max(y + h, ry) + 14;

  // The phases table: colour, substance, pixels, fraction of all spectra, mean score.
  const cols = [
    { t: 'Phase', w: 240, a: 'left' as const },
    { t: 'Pixels', w: 70, a: 'right' as const },
    { t: 'Fraction', w: 80, a: 'right' as const },
    { t: 'Mean score', w: 0, a: 'right' as const },
  ];
  cols[cols.length - 1]!.w = CONTENT_W - cols.reduce((a, c) => a + c.w, 0);
  const rowH = 14;
  const head = (yy: number): void => {
    doc.save().rect(PAGE.margin, yy, CONTENT_W, rowH).fill('#dfe6ef').restore();
    let x = PAGE.margin;
    doc.font('Bold').fontSize(7.5).fillColor(COLORS.text);
    for (const c of cols) {
      doc.text(c.t, x + 4, yy + 3.5, { width: c.w - 8, align: c.a, lineBreak: false });
      x += c.w;
    }
  };
  y = ensureSpace(doc, y, rowH * 3);
  head(y);
  y += rowH;
  const pct = (k: number): string => `${((100 * k) / Math.max(1, map.spectra)).toFixed(1)} %`;
  const tableRows: Array<{ colour: [number, number, number]; cells: string[]; muted?: boolean }> = [
    ...map.phases.map((p) => ({ colour: p.colour, cells: [chemistryToUnicode(p.substance), String(p.pixels), pct(p.pixels), percent(p.meanScore)] })),
    { colour: [190, 190, 190] as [number, number, number], cells: [`unidentified${map.errors ? ` (${map.errors} not matchable)` : ''}`, String(map.unidentified), pct(map.unidentified), '–'], muted: true },
  ];
  if (map.lowSignal > 0) tableRows.push({ colour: [90, 90, 90], cells: ['low signal (left out)', String(map.lowSignal), pct(map.lowSignal), '–'], muted: true });
  tableRows.forEach((r, i) => {
    if (y + rowH > PAGE.height - PAGE.margin - 24) {
      doc.addPage();
      y = PAGE.margin;
      head(y);
      y += rowH;
    }
    if (i % 2 === 1) doc.save().rect(PAGE.margin, y, CONTENT_W, rowH).fill('#f6f8fb').restore();
    doc.save().rect(PAGE.margin + 4, y + 3, 8, 8).fill(hex(r.colour)).restore();
    let x = PAGE.margin;
    r.cells.forEach((cell, j) => {
      const c = cols[j]!;
      const inset = j === 0 ? 16 : 4;
      doc.font('Sans').fontSize(8).fillColor(r.muted ? COLORS.muted : COLORS.text);
      doc.text(fit(doc, cell, c.w - inset - 4), x + inset, y + 3.5, { width: c.w - inset - 4, align: c.a, lineBreak: false });
      x += c.w;
    });
    y += rowH;
  });
  y = methodSection(doc, input, y + 10);
  notesAndSignatures(doc, input, y);
}

/** Render the report to PDF bytes. */
export async function renderReportPdf(input: ReportInput): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.margin, bottom: PAGE.margin, left: PAGE.margin, right: PAGE.margin },
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: '1.7',
    info: { Title: input.title, Author: input.analyst ?? '', Subject: 'Raman spectrum identification', Creator: `Specmatch ${input.appVersion}`, Producer: 'Specmatch (PDFKit)', CreationDate: input.generatedAt },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('Sans', join(FONT_DIR, 'DejaVuSans.ttf'));
  doc.registerFont('Bold', join(FONT_DIR, 'DejaVuSans-Bold.ttf'));
  doc.font('Sans');
  const batch = input.entries.length > 1;
  if (input.map) mapPage(doc, input, input.map);
  else if (batch) summaryPage(doc, input);
  input.entries.forEach((e, i) => queryPage(doc, input, e, !batch && !input.map && i === 0));
  if (input.entries.length === 0 && !input.map) {
    header(doc, input);
    doc.font('Sans').fontSize(10).text('No queries.', PAGE.margin, 140);
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: lift the margin while drawing it so PDFKit does not start a new page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const fy = PAGE.height - PAGE.margin + 14;
    doc.font('Sans').fontSize(7).fillColor(COLORS.muted);
    doc.text(`${input.title}: ${formatDateTime(input.generatedAt, input.timeZone)}`, PAGE.margin, fy, { width: CONTENT_W * 0.7, lineBreak: false, height: 10 });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, PAGE.margin + CONTENT_W * 0.7, fy, { width: CONTENT_W * 0.3, align: 'right', lineBreak: false, height: 10 });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await done;
  const buf = Buffer.concat(chunks);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
