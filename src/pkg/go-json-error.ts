// The syntax-error text Go's encoding/json gives for a malformed document, so APIs that
// echo it (etcd's /v2/members answers `{"message": err.Error()}`) answer byte for byte.
// A small scanner after Go's encoding/json/scanner.go: it only finds the first error.

function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return `'${named[c] ?? `\\x${code.toString(16).padStart(2, '0')}`}'`;
  }
  return `'${c}'`;
}

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

  const value = (): string | null => {
    skip();
    if (eof()) return END;
    const c = text[i]!;
    if (c === '{') {
      i++;
      skip();
      if (text[i] === '}') {
        i++;
        return null;
      }
      for (;;) {
        skip();
        if (eof()) return END;
        if (text[i] !== '"') return invalid(text[i]!, 'looking for beginning of object key string');
        const e = string();
        if (e) return e;
        skip();
        if (eof()) return END;
        if (text[i] !== ':') return invalid(text[i]!, 'after object key');
        i++;
        const v = value();
        if (v) return v;
        skip();
        if (eof()) return END;
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return null;
        }
        return invalid(text[i]!, 'after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') {
        i++;
        return null;
      }
      for (;;) {
        const v = value();
        if (v) return v;
        skip();
        if (eof()) return END;
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return null;
        }
        return invalid(text[i]!, 'after array element');
      }
    }
    if (c === '"') return string();
    if (c === '-' || isDigit(c)) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return invalid(c, 'looking for beginning of value');
  };

  const err = value();
  if (err) return err;
  skip();
  if (!eof()) return invalid(text[i]!, 'after top-level value');
  return null;
}
