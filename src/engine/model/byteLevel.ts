// GPT-2's byte-level vocabulary alphabet (bytes_to_unicode): each byte is spelled by one printable character.
// Shared by the tokenizer and the host's pre-trace vocabulary check (src/extension/tracePrechecks.ts).

/** GPT-2's byte ↔ printable-character table (bytes_to_unicode), inverted: character → byte. */
export const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const map = new Map<string, number>();
  let next = 256;
  for (let b = 0; b < 256; b++) map.set(String.fromCodePoint(printable(b) ? b : next++), b);
  return map;
})();
