/**
 * True when some object in `text`, a JSON text that parses, names a key twice
 * (escapes decoded, so `"\u0061ctor"` repeats `"actor"`). `JSON.parse` keeps
 * the last of them and other readers the first: such text means different
 * things to different readers, and a verifier must not vouch for it.
 */
export function hasDuplicateKeys(text: string): boolean {
  // One entry per open container: the keys of an object, or null for an array.
  const open: Array<Set<string> | null> = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      let escaped = false;
      while (end < text.length) {
        const d = text.charCodeAt(end);
        if (d === 0x5c /* \ */) {
          escaped = true;
          end += 2;
        } else if (d === 0x22) {
          break;
        } else {
          end++;
        }
      }
      const keys = open[open.length - 1];
      if (keyNext && keys) {
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (keys.has(key)) return true;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      keyNext = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      keyNext = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      keyNext = false;
    } else if (c === 0x2c /* , */) {
      keyNext = open[open.length - 1] != null;
    }
  }
  return false;
}
