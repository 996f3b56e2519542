import type Database from 'better-sqlite3';
import { SpecmatchError } from '../../errors.js';
import type { CalibrationFit } from '../../calibration/calibrate.js';
import { recognises } from '../../calibration/profile.js';
import type { Calibration, InstrumentChoice, Instrument, InstrumentRule, IntensityCorrection } from '../../calibration/profile.js';
import type { SpectrumMeta } from '../../spectrum/Spectrum.js';

/**
 * Instrument profiles in the library file (schema v2, see schema.ts): the SQL behind Library's instrument
 * methods. Calibrations are append-only: a new one supersedes the older ones of its instrument, which stay for the
 * record (and for references imported through them).
 */

interface InstrumentRow {
  id: number;
  name: string;
  serial: string | null;
  laser_nm: number | null;
  recognise: string;
  created_at: string;
}

interface CalibrationRow {
  id: number;
  instrument_id: number;
  name: string;
  created_at: string;
  standard: string;
  body: string;
}

type CalibrationBody = Omit<Calibration, 'id' | 'instrumentId' | 'instrument' | 'createdAt' | 'standard'>;

export interface NewInstrument {
  name: string;
  serial?: string | null;
  laserNm?: number | null;
  recognise?: InstrumentRule[];
}

function toInstrument(r: InstrumentRow): Instrument {
  let recognise: InstrumentRule[] = [];
  try {
    const v = JSON.parse(r.recognise) as unknown;
    if (Array.isArray(v)) recognise = v.filter((x): x is InstrumentRule => typeof x === 'object' && x !== null && typeof (x as InstrumentRule).field === 'string' && typeof (x as InstrumentRule).contains === 'string');
  } catch {
    recognise = [];
  }
  return { id: r.id, name: r.name, serial: r.serial, laserNm: r.laser_nm, recognise, createdAt: r.created_at };
}

function toCalibration(r: CalibrationRow): Calibration {
  const body = JSON.parse(r.body) as CalibrationBody;
  return { id: r.id, instrumentId: r.instrument_id, instrument: r.name, createdAt: r.created_at, standard: r.standard, ...body };
}

const CAL_SELECT = 'SELECT c.id, c.instrument_id, i.name, c.created_at, c.standard, c.body FROM calibrations c JOIN instruments i ON i.id = c.instrument_id';

export function listInstruments(db: Database.Database): Instrument[] {
  return (db.prepare('SELECT * FROM instruments ORDER BY name').all() as InstrumentRow[]).map(toInstrument);
}

export function findInstrument(db: Database.Database, name: string): Instrument | undefined {
  const r = db.prepare('SELECT * FROM instruments WHERE name = ?').get(name.trim()) as InstrumentRow | undefined;
  return r ? toInstrument(r) : undefined;
}

export function getInstrument(db: Database.Database, name: string, file: string): Instrument {
  const inst = findInstrument(db, name);
  if (!inst) {
    const known = listInstruments(db).map((i) => i.name);
    throw new SpecmatchError('E_NOT_FOUND', `${file}: no instrument named '${name}'${known.length ? ` (known: ${known.join(', ')})` : ' (none defined yet: add one with specmatch calibrate --instrument NAME or the Instruments page)'}`, { file });
  }
  return inst;
}

/** Adds an instrument, or updates serial/laser/rules of an existing one of that name. */
export function saveInstrument(db: Database.Database, inst: NewInstrument, at: string): Instrument {
  const name = inst.name.trim();
  if (!name) throw new SpecmatchError('E_PARAM', 'an instrument needs a name');
  if (inst.laserNm !== undefined && inst.laserNm !== null && !(inst.laserNm > 100 && inst.laserNm < 2000)) throw new SpecmatchError('E_PARAM', `laser ${inst.laserNm} nm is not a Raman laser wavelength`);
  for (const r of inst.recognise ?? []) if (!r.field.trim() || !r.contains.trim()) throw new SpecmatchError('E_PARAM', 'a recognition rule needs a field and a text');
  const prior = findInstrument(db, name);
  if (prior) {
    db.prepare('UPDATE instruments SET serial = ?, laser_nm = ?, recognise = ? WHERE id = ?').run(
      inst.serial === undefined ? prior.serial : inst.serial,
      inst.laserNm === undefined ? prior.laserNm : inst.laserNm,
      JSON.stringify(inst.recognise ?? prior.recognise),
      prior.id,
    );
  } else {
    db.prepare('INSERT INTO instruments (name, serial, laser_nm, recognise, created_at) VALUES (?, ?, ?, ?, ?)').run(name, inst.serial ?? null, inst.laserNm ?? null, JSON.stringify(inst.recognise ?? []), at);
  }
  return findInstrument(db, name)!;
}

/** Stores an accepted fit as the instrument's newest calibration. */
export function addCalibration(db: Database.Database, instrumentId: number, fit: CalibrationFit, files: string[], at: string, intensity: IntensityCorrection | null = null): number {
  if (!fit.accepted) throw new SpecmatchError('E_CALIBRATION', `a refused fit is not stored: ${fit.reason ?? 'refused'}`);
  const body: CalibrationBody = {
    files,
    xMap: fit.map,
    lines: fit.lines,
    rms: fit.rms,
    resolutionCm: fit.resolutionCm,
    laserNm: fit.laser.nominalNm,
    laserCorrectedNm: fit.laser.correctedNm,
    intensity,
  };
  return Number(db.prepare('INSERT INTO calibrations (instrument_id, created_at, standard, body) VALUES (?, ?, ?, ?)').run(instrumentId, at, fit.standard, JSON.stringify(body)).lastInsertRowid);
}

export function calibrationById(db: Database.Database, id: number): Calibration | undefined {
  const r = db.prepare(`${CAL_SELECT} WHERE c.id = ?`).get(id) as CalibrationRow | undefined;
  return r ? toCalibration(r) : undefined;
}

export function calibrationsOf(db: Database.Database, instrumentId: number): Calibration[] {
  return (db.prepare(`${CAL_SELECT} WHERE c.instrument_id = ? ORDER BY c.created_at DESC, c.id DESC`).all(instrumentId) as CalibrationRow[]).map(toCalibration);
}

export function latestCalibration(db: Database.Database, instrumentId: number): Calibration | undefined {
  return calibrationsOf(db, instrumentId)[0];
}

/**
 * The calibration to apply to a spectrum: none for 'none'; the named instrument's latest (E_NOT_FOUND when the
 * instrument is unknown, E_CALIBRATION when it has no calibration yet); or, with no choice, the latest calibration
 * of the first instrument (by name) whose rules recognise the spectrum's metadata — none when no instrument does.
 */
export function calibrationFor(db: Database.Database, meta: SpectrumMeta, choice: InstrumentChoice): Calibration | null {
  if (choice === 'none') return null;
  if (choice !== undefined) {
    const inst = getInstrument(db, choice, meta.sourceFile);
    const cal = latestCalibration(db, inst.id);
    if (!cal) throw new SpecmatchError('E_CALIBRATION', `${meta.sourceFile}: instrument '${inst.name}' has no calibration yet (specmatch calibrate --instrument '${inst.name}' --standard …)`, { file: meta.sourceFile });
    return cal;
  }
  for (const inst of listInstruments(db)) {
    if (!recognises(inst, meta)) continue;
    const cal = latestCalibration(db, inst.id);
    if (cal && cal.xMap.input === meta.xKind) return cal;
  }
  return null;
}
