/**
 * Plain-data types of the reference library's store API (src-core/node/library/Library.ts), used by the library, the
 * CLI and the app's backend; every value is structured-clone safe. What the app's renderer receives are the wire
 * types of src-core/ipc/contract.ts (`LibraryInfo`, `SubstanceSummary`, …, shaped for the views): the store's
 * types that describe the same things carry a `Stored` prefix so the two are never confused.
 */

export interface LibraryModelKey {
  /** `${modelId}:${pipelineHash}` (EmbeddingModel.key), or `classic:<hash>` for the classic methods' vectors. */
  key: string;
  modelId: string;
  pipelineHash: string;
  /** Spectra holding a vector under this key. */
  spectra: number;
}

export interface StoredLibraryInfo {
  path: string;
  name: string;
  schemaVersion: number;
  substances: number;
  spectra: number;
  modelKeys: LibraryModelKey[];
  /** Journal mode in use ('wal', or 'delete' on a network share). */
  journalMode: string;
  /** Things the user should know (e.g. the file is on a network share). */
  warnings: string[];
}

export interface StoredSubstanceSummary {
  id: number;
  /** Verbatim as imported (RRUFF ##NAMES= with entities decoded) or as renamed. */
  name: string;
  aliases: string[];
  formula: string | null;
  cas: string | null;
  tags: string[];
  /** Element symbols parsed from the formula (RRUFF IDEAL CHEMISTRY), sorted. */
  elements: string[];
  /** Number of reference spectra. */
  spectra: number;
}

export interface SpectrumInfo {
  id: number;
  substanceId: number;
  sourceFile: string;
  format: string;
  /** SHA-256 (hex) of the bytes of the file the spectrum came from; with `fileIndex` its identity. */
  fileSha256: string;
  fileIndex: number;
  laserNm: number | null;
  instrument: string | null;
  sampleId: string | null;
  points: number;
  xMin: number;
  xMax: number;
  addedAt: string;
}

export interface StoredSubstanceDetail extends StoredSubstanceSummary {
  notes: string;
  createdAt: string;
  updatedAt: string;
  spectraList: SpectrumInfo[];
}

export interface SubstanceQuery {
  /** Case-insensitive substring of the name, an alias or a tag. */
  query?: string;
  /** Element symbol(s) that must all be in the formula (e.g. 'Cu' or ['Cu', 'S']). */
  element?: string | string[];
  /** Exact tag (case-insensitive). */
  tag?: string;
  /** @default 200 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface SubstancePage {
  /** Matching substances in all (for paging). */
  total: number;
  items: StoredSubstanceSummary[];
}

export interface StoredSubstancePatch {
  name?: string;
  aliases?: string[];
  formula?: string | null;
  cas?: string | null;
  tags?: string[];
  notes?: string;
}

export interface ImportFileResult {
  /** Path as given, or `archive.zip!/entry` for a zip member. */
  file: string;
  format?: string;
  spectra: number;
  added: number;
  duplicates: number;
  error?: { code: string; message: string };
  /** Imported, with something to know (e.g. a spectrum the model could not embed). */
  warnings?: string[];
}

export interface ImportReport {
  /** Files read (zip members count one each). */
  files: number;
  /** Spectra read from them. */
  spectra: number;
  added: number;
  /** Spectra already in the library (same file bytes and index): skipped. */
  duplicates: number;
  substancesCreated: number;
  /** One entry per file that could not be imported; the batch went on. */
  errors: Array<{ file: string; code: string; message: string }>;
  results: ImportFileResult[];
  /** True when stopped by the AbortSignal (everything before was committed). */
  cancelled: boolean;
  /** Embeddings computed with the model during the import (0 without a model). */
  embedded: number;
  elapsedMs: number;
}

export interface StoredEmbeddingStatus {
  key: string;
  /** Spectra in the library. */
  total: number;
  /** Spectra with an embedding under this key. */
  current: number;
  /** Spectra still to embed (total − current). */
  missing: number;
}

/** Opaque token returned by removeSubstance, accepted by undoRemove. */
export type UndoToken = string;

export interface MergeFromReport {
  substancesAdded: number;
  substancesMatched: number;
  spectraAdded: number;
  duplicates: number;
}
