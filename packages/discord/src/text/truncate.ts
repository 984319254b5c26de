const ELLIPSIS = '…';

/**
 * Cuts `text` to at most `maxLength` UTF-16 units, ending in an ellipsis when cut, never splitting a
 * surrogate pair. Counting UTF-16 units keeps the result within a limit counted in code points as
 * well, whichever way Discord counts.
 */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 0) return '';
  let cut = maxLength - ELLIPSIS.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, Math.max(0, cut))}${ELLIPSIS}`;
}

// Unpaired surrogates are not valid Unicode: JSON encoders and encodeURIComponent reject or mangle them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces unpaired surrogates with U+FFFD, like `String.prototype.toWellFormed`. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}
