// The syntax-error text Go's encoding/json gives for a malformed document, so APIs that
// echo it (etcd's /v2/members answers `{"message": err.Error()}`) answer byte for byte.
// A small scanner after Go's encoding/json/scanner.go: it only finds the first error.
// Go scans bytes: pass a body as `buf.toString('latin1')` (one character per byte) so a
// bad byte is named as Go names it.

function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) {
    // strconv.Quote's named escapes.
    const named: Record<string, string> = {
      '\x07': '\\a',
      '\b': '\\b',
      '\f': '\\f',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      '\v': '\\v',
    };
    return `'${named[c] ?? `\\x${code.toString(16).padStart(2, '0')}`}'`;
  }
  // Not printable for strconv.Quote (C1 controls, soft hyphen).
  if ((code >= 0x80 && code <= 0x9f) || code === 0xad) return `'\\u00${code.toString(16)}'`;
  return `'${c}'`;
}

/** Go's encoding/json maxNestingDepth. */
const MAX_DEPTH = 10000;

const invalid = (c: string, context: string) => `invalid character ${quoteChar(c)} ${context}`;
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Returns Go's error message for `text`, or null when it is valid JSON. */
export function goJsonSyntaxError(text: string): string | null {
  let i = 0;
  const eof = () => i >= text.length;
  const skip = () => {
    while (!eof() && isSpace(text[i]!)) i++;
  };
  const END = 'unexpected end of JSON input';

  const literal = (word: string): string | null => {
    for (let k = 1; k < word.length; k++) {
      // At the end Go's scanner steps a space, so a cut literal reports ' '.
      const c = text[i + k] ?? ' ';
      if (c !== word[k]) return invalid(c, `in literal ${word} (expecting '${word[k]}')`);
    }
    i += word.length;
    return null;
  };

  const string = (): string | null => {
    i++; // opening quote
    while (!eof()) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return null;
      }
      if (c === '\\') {
        const e = text[i + 1] ?? ' ';
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            const h = text[i + k] ?? ' ';
            if (!/[0-9a-fA-F]/.test(h)) return invalid(h, 'in \\u hexadecimal character escape');
          }
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) return invalid(e, 'in string escape code');
        i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) return invalid(c, 'in string literal');
      i++;
    }
    return END;
  };

  const number = (): string | null => {
    if (text[i] === '-') {
      i++;
      if (!isDigit(text[i])) return invalid(text[i] ?? ' ', 'in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (isDigit(text[i])) i++;
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i]))
        return invalid(text[i] ?? ' ', 'after decimal point in numeric literal');
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) return invalid(text[i] ?? ' ', 'in exponent of numeric literal');
      while (isDigit(text[i])) i++;
    }
    return null;
  };

  // Containers are walked with an explicit stack (no recursion: deep input cannot
  // overflow ours), and, as Go's scanner, refused past 10000 levels.
  const stack: ('{' | '[')[] = [];
  const push = (c: '{' | '['): string | null => {
    stack.push(c);
    return stack.length > MAX_DEPTH ? invalid(c, 'exceeded max depth') : null;
  };
  const scalar = (c: string): string | null => {
    if (c === '"') return string();
    if (c === '-' || isDigit(c)) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return invalid(c, 'looking for beginning of value');
  };
  /** An object key and its colon; null when the value follows. */
  const key = (): string | null => {
    skip();
    if (eof()) return END;
    if (text[i] !== '"') return invalid(text[i]!, 'looking for beginning of object key string');
    const e = string();
    if (e) return e;
    skip();
    if (eof()) return END;
    if (text[i] !== ':') return invalid(text[i]!, 'after object key');
    i++;
    return null;
  };

  const value = (): string | null => {
    for (;;) {
      // A value begins here.
      skip();
      if (eof()) return END;
      const c = text[i]!;
      let closed = false;
      if (c === '{' || c === '[') {
        i++;
        const e = push(c);
        if (e) return e;
        skip();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          stack.pop();
          closed = true;
        } else if (c === '{') {
          const k = key();
          if (k) return k;
          continue;
        } else {
          continue;
        }
      } else {
        const e = scalar(c);
        if (e) return e;
        closed = true;
      }
      // After a complete value: close containers or move to the next element.
      while (closed) {
        const top = stack[stack.length - 1];
        if (top === undefined) return null;
        skip();
        if (eof()) return END;
        const d = text[i]!;
        if (d === ',') {
          i++;
          if (top === '{') {
            const k = key();
            if (k) return k;
          }
          closed = false;
        } else if (d === (top === '{' ? '}' : ']')) {
          i++;
          stack.pop();
        } else {
          return invalid(d, top === '{' ? 'after object key:value pair' : 'after array element');
        }
      }
    }
  };

  const err = value();
  if (err) return err;
  skip();
  if (!eof()) return invalid(text[i]!, 'after top-level value');
  return null;
}
