/**
 * The two places where go-yaml v2 (what calicoctl's `-o yaml` ends in)
 * writes differently from the `yaml` package's 1.1 mode, so our output
 * reads the same to a go-yaml reader and sorts the same for a reader's eye.
 */

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLetter = (c: string): boolean => /\p{L}/u.test(c);

/**
 * go-yaml v2's map key order (sorter.go keyList.Less) for string keys:
 * letters compare by code point; a non-letter sorts before a letter; runs
 * of digits compare by numeric value (`rack9` < `rack10`), then by length.
 * Returns <0, 0 or >0 like a sort comparator.
 */
export function goYamlKeyCompare(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i]!;
    const bc = br[i]!;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac.codePointAt(0)! - bc.codePointAt(0)!;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      // A zero inside a number (after non-zero digits) keeps the numeric comparison honest.
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an - bn;
    if (ai !== bi) return ai - bi;
    return ac.codePointAt(0)! - bc.codePointAt(0)!;
  }
  return ar.length - br.length;
}

/**
 * Strings go-yaml v2 resolves to a non-string that the `yaml` package's
 * 1.1 schema leaves plain: Go-style `0o17` octal (strconv.ParseInt base 0,
 * underscores allowed). They must be quoted. (The merge key `<<` is the
 * other one; the `yaml` package always prints it plain.)
 */
export function goYamlNeedsQuotes(s: string): boolean {
  return /^[-+]?0[oO][0-7_]+$/.test(s) && /[0-7]/.test(s.slice(s.search(/[oO]/) + 1));
}
