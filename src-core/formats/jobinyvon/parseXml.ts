/**
 * A small, strict XML element parser for the vendor XML exports we read (Horiba LabSpec/JobinYvon `.xml`,
 * TriVista `.tvf`). It builds elements with attributes and their direct text, decodes the predefined and numeric
 * character references, skips the prolog, comments, processing instructions and DOCTYPE (no DTD entities are
 * expanded, so no entity-expansion attack), and is iterative (no recursion), with a nesting limit. Malformed input
 * throws `XmlSyntaxError` with the byte position; readers turn it into an E_CORRUPT error (`parseXmlFile`).
 */

import { parseError } from '../../errors.js';
import { decodeText } from '../textDecode.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated direct text content (character references decoded, not trimmed). */
  text: string;
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

/** Deeper nesting than this is refused: the vendor files nest about ten levels. */
export const MAX_XML_DEPTH = 512;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return PREDEFINED[body] ?? m;
  });
}

const NAME_RE = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ATTR_RE = /\s*([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parses a whole document and returns its root element. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const top = stack[stack.length - 1];
      const chunk = text.slice(i, textEnd);
      if (top) top.text += decodeXmlEntities(chunk);
      else if (chunk.trim() !== '') throw new XmlSyntaxError(`text outside the root element at ${i}`);
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw new XmlSyntaxError(`unterminated comment at ${i}`);
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) throw new XmlSyntaxError(`unterminated processing instruction at ${i}`);
      i = end + 2;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlSyntaxError(`unterminated CDATA section at ${i}`);
      const top = stack[stack.length - 1];
      if (!top) throw new XmlSyntaxError(`CDATA outside the root element at ${i}`);
      top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE (possibly with an internal subset in brackets): skipped, its entities are never expanded.
      let depth = 0;
      let j = i + 2;
      for (; j < n; j++) {
        const c = text[j];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth <= 0) break;
      }
      if (j >= n) throw new XmlSyntaxError(`unterminated declaration at ${i}`);
      i = j + 1;
    } else if (text.startsWith('</', i)) {
      NAME_RE.lastIndex = i + 2;
      const m = NAME_RE.exec(text);
      if (!m) throw new XmlSyntaxError(`bad closing tag at ${i}`);
      const top = stack.pop();
      if (!top || top.name !== m[0])
        throw new XmlSyntaxError(`closing tag </${m[0]}> at ${i} does not match <${top?.name ?? ''}>`);
      const gt = text.indexOf('>', NAME_RE.lastIndex);
      if (gt < 0 || text.slice(NAME_RE.lastIndex, gt).trim() !== '')
        throw new XmlSyntaxError(`bad closing tag at ${i}`);
      i = gt + 1;
    } else {
      NAME_RE.lastIndex = i + 1;
      const m = NAME_RE.exec(text);
      if (!m) throw new XmlSyntaxError(`bad tag at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      let j = NAME_RE.lastIndex;
      for (;;) {
        ATTR_RE.lastIndex = j;
        const a = ATTR_RE.exec(text);
        if (!a) break;
        el.attrs[a[1]!] = decodeXmlEntities(a[3] ?? a[4] ?? '');
        j = ATTR_RE.lastIndex;
      }
      while (j < n && /\s/.test(text[j]!)) j++;
      let selfClosing = false;
      if (text.startsWith('/>', j)) {
        selfClosing = true;
        j += 2;
      } else if (text[j] === '>') j += 1;
      else throw new XmlSyntaxError(`malformed start tag <${el.name}> at ${i}`);
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new XmlSyntaxError(`second root element <${el.name}> at ${i}`);
      else root = el;
      if (!selfClosing) {
        if (stack.length >= MAX_XML_DEPTH)
          throw new XmlSyntaxError(`elements nested deeper than ${MAX_XML_DEPTH} at ${i}`);
        stack.push(el);
      }
      i = j;
    }
  }
  if (stack.length > 0)
    throw new XmlSyntaxError(`document ends inside <${stack[stack.length - 1]!.name}> (truncated?)`);
  if (!root) throw new XmlSyntaxError('no root element');
  return root;
}

/**
 * A reader's whole file as XML whose root element must be `rootName`: malformed XML is E_CORRUPT, another root
 * element E_FORMAT_MISMATCH, both naming the file.
 */
export function parseXmlFile(bytes: Uint8Array, fileName: string, label: string, rootName: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(decodeText(bytes));
  } catch (err) {
    if (err instanceof XmlSyntaxError)
      throw parseError('E_CORRUPT', fileName, label, `XML is malformed: ${err.message}`, err);
    throw err;
  }
  if (root.name !== rootName)
    throw parseError('E_FORMAT_MISMATCH', fileName, label, `root element is <${root.name}>, not <${rootName}>`);
  return root;
}
