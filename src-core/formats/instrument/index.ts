import type { FormatReader } from '../FormatReader.js';
import { jobinYvonXml } from '../jobinyvon/jobinYvonXml.js';
import { labspec6 } from '../labspec6/labspec6.js';
import { omnicSpa } from '../omnic/omnicSpa.js';
import { omnicSpg } from '../omnic/omnicSpg.js';
import { brukerOpus } from '../opus/brukerOpus.js';
import { trivistaTvf } from '../trivista/trivistaTvf.js';

/** Vendor formats without an npm reader: Bruker OPUS, Thermo OMNIC SPA/SPG, Horiba JobinYvon XML, TriVista, and LabSpec 6 (recognised, refused). */
export const instrumentReaders: FormatReader[] = [brukerOpus, omnicSpa, omnicSpg, jobinYvonXml, trivistaTvf, labspec6];
