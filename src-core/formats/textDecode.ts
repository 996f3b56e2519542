/**
 * Text decoding shared by the text readers: UTF-8 (BOM stripped) when the bytes are valid UTF-8, else Latin-1
 * (Horiba LabSpec writes ISO-8859-1), UTF-16 when a UTF-16 BOM is present.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
  } catch {
    return new TextDecoder('latin1').decode(bytes.subarray(start));
  }
}

/** True when the first `limit` bytes look like text (no NUL, few control bytes). */
export function looksLikeText(bytes: Uint8Array, limit = 4096): boolean {
  const n = Math.min(bytes.length, limit);
  if (n === 0) return false;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) bad++;
  }
  return bad / n < 0.01;
}

/** Split into lines on CRLF, LF or lone CR (files mix them). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode HTML character references (&#183; &#x3A3; &amp; …) as RRUFF headers use them. */
export function decodeHtmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}
