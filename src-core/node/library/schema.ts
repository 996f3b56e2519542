import type Database from 'better-sqlite3';

/**
 * The library file's schema. The version lives in `PRAGMA user_version`; `application_id` marks the file as a
 * Specmatch library so another SQLite file is refused instead of being written into.
 *
 * Migrations: `MIGRATIONS[v]` upgrades a file from version v to v + 1 inside one transaction. Each earlier version
 * has a frozen fixture in test/fixtures/library/ that the migration tests open.
 */
export const SCHEMA_VERSION = 3;
/** 'SPM1' as a 32-bit integer. */
export const APPLICATION_ID = 0x53504d31;

const V1 = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE substances (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  aliases    TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  formula    TEXT,                         -- RRUFF IDEAL CHEMISTRY (markup kept) or user text
  cas        TEXT,
  tags       TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  notes      TEXT NOT NULL DEFAULT '',
  elements   TEXT NOT NULL DEFAULT '',     -- ' Ca C O ': symbols parsed from formula, space-delimited for LIKE
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  removed_at TEXT                          -- soft delete (undo); purged later
);
CREATE INDEX substances_name ON substances(name);
CREATE TABLE spectra (
  id           INTEGER PRIMARY KEY,
  substance_id INTEGER NOT NULL REFERENCES substances(id) ON DELETE CASCADE,
  file_sha256  TEXT NOT NULL,
  file_index   INTEGER NOT NULL,
  source_file  TEXT NOT NULL,
  format       TEXT NOT NULL,
  laser_nm     REAL,
  instrument   TEXT,
  sample_id    TEXT,
  x_kind       TEXT NOT NULL,
  points       INTEGER NOT NULL,
  x_min        REAL NOT NULL,
  x_max        REAL NOT NULL,
  x            BLOB NOT NULL,              -- float32 little-endian
  y            BLOB NOT NULL,              -- float32 little-endian
  meta         TEXT NOT NULL,              -- JSON: the file's SpectrumMeta (every header field)
  added_at     TEXT NOT NULL,
  UNIQUE (file_sha256, file_index)
);
CREATE INDEX spectra_substance ON spectra(substance_id);
CREATE TABLE embeddings (
  spectrum_id   INTEGER NOT NULL REFERENCES spectra(id) ON DELETE CASCADE,
  model_id      TEXT NOT NULL,
  pipeline_hash TEXT NOT NULL,
  vector        BLOB NOT NULL,             -- float32 little-endian
  PRIMARY KEY (spectrum_id, model_id, pipeline_hash)
) WITHOUT ROWID;
CREATE INDEX embeddings_key ON embeddings(model_id, pipeline_hash);
CREATE TABLE audit (
  id     INTEGER PRIMARY KEY,
  at     TEXT NOT NULL,
  user   TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL                     -- JSON
);
`;

/**
 * Version 2 (library checks and the embedding map, issue 15): dismissed check findings, and the 2-D map of each
 * model key's vectors with the spectrum ids it was computed from (stale when they differ from the library's).
 */
const V2 = `
CREATE TABLE check_dismissals (
  finding_key TEXT PRIMARY KEY,            -- kind:spectrumId,… (src-core/matching/libraryChecks.ts findingKey)
  at          TEXT NOT NULL,
  user        TEXT NOT NULL
);
CREATE TABLE map_cache (
  model_id      TEXT NOT NULL,
  pipeline_hash TEXT NOT NULL,
  params        TEXT NOT NULL,             -- JSON: method and its settings (seed, neighbours, …)
  ids_hash      TEXT NOT NULL,             -- SHA-256 of the spectrum ids (and vectors' key) it was computed from
  spectrum_ids  BLOB NOT NULL,             -- int32 little-endian
  points        BLOB NOT NULL,             -- float32 little-endian x, y pairs
  computed_at   TEXT NOT NULL,
  PRIMARY KEY (model_id, pipeline_hash)
) WITHOUT ROWID;
`;

/**
 * Version 3: instrument profiles (src-core/calibration/profile.ts). A calibration's body is JSON (files, x map,
 * lines with residuals, RMS, resolution, laser, optional intensity correction). `spectra.calibration_id` names the
 * calibration a reference was imported through: its x/y stay raw, the calibrated spectrum is derived on reading.
 */
const V3 = `
CREATE TABLE instruments (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  serial     TEXT,
  laser_nm   REAL,
  recognise  TEXT NOT NULL DEFAULT '[]',   -- JSON array of {field, contains}
  created_at TEXT NOT NULL
);
CREATE TABLE calibrations (
  id            INTEGER PRIMARY KEY,
  instrument_id INTEGER NOT NULL REFERENCES instruments(id) ON DELETE CASCADE,
  created_at    TEXT NOT NULL,
  standard      TEXT NOT NULL,
  body          TEXT NOT NULL               -- JSON, see above
);
CREATE INDEX calibrations_instrument ON calibrations(instrument_id, created_at);
ALTER TABLE spectra ADD COLUMN calibration_id INTEGER REFERENCES calibrations(id);
`;

/** Creates the current schema in an empty database (inside the caller's transaction). */
export function createSchema(db: Database.Database): void {
  db.exec(V1);
  for (let v = 1; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(db);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** MIGRATIONS[v] takes a version-v file to v + 1. */
export const MIGRATIONS: Record<number, (db: Database.Database) => void> = {
  1: (db) => db.exec(V2),
  2: (db) => db.exec(V3),
};
