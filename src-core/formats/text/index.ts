import type { FormatReader } from '../FormatReader.js';
import { agilentAsp } from './agilentAsp.js';
import { delimitedText } from './delimitedText.js';
import { openSpecy } from './openSpecy.js';
import { ramanOpenDatabase } from './ramanOpenDatabase.js';
import { rruffTxt } from './rruffTxt.js';
import { textMap } from './textMap.js';
import { jcampDx } from '../jcamp/jcampDx.js';

/** Text formats (RRUFF, CSV/TXT/ASC exports, JCAMP-DX, ASP, ROD, vendor text exports). Most specific first. */
export const textReaders: FormatReader[] = [rruffTxt, jcampDx, ramanOpenDatabase, openSpecy, agilentAsp, textMap, delimitedText];
