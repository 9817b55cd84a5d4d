// The command-line parser: Go's flag package under 2.0.13's codegangsta/cli argument order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FlagDef,
  FlagError,
  commandArgs,
  parseGoFlags,
  parseGoInt,
} from '../../src/cli/etcdctl/goflag.js';

const DEFS: FlagDef[] = [
  { names: ['ttl'], kind: 'int', usage: '' },
  { names: ['recursive', 'r'], kind: 'bool', usage: '' },
  { names: ['with-value'], kind: 'string', usage: '' },
];

function parse(args: string[]) {
  const p = parseGoFlags(DEFS, commandArgs(args));
  return {
    ttl: p.values.get('ttl'),
    r: p.values.get('recursive'),
    v: p.values.get('with-value'),
    args: p.args,
  };
}

test('flags before or after the arguments, with = or a separate value', () => {
  // From the first `-` word on, parsed first; the words ahead of it follow.
  assert.deepEqual(parse(['/k', '--ttl', '5', 'v']), {
    ttl: 5,
    r: false,
    v: '',
    args: ['v', '/k'],
  });
  assert.deepEqual(parse(['-r', '/k']), { ttl: 0, r: true, v: '', args: ['/k'] });
  assert.deepEqual(parse(['/k', '-ttl=0x10', '--with-value=a=b', '-r=false']), {
    ttl: 16,
    r: false,
    v: 'a=b',
    args: ['/k'],
  });
  assert.deepEqual(parse(['--', '/k', '-dash']), {
    ttl: 0,
    r: false,
    v: '',
    args: ['/k', '-dash'],
  });
  // The flags stop at the key: `--` after it stays an argument.
  assert.deepEqual(parse(['--ttl', '1', '/k', '--', 'sh', '-c']), {
    ttl: 1,
    r: false,
    v: '',
    args: ['/k', '--', 'sh', '-c'],
  });
  // A `--` after the key moves to the front and is consumed: the key goes last.
  assert.deepEqual(parse(['/k', '--', 'sh']), { ttl: 0, r: false, v: '', args: ['sh', '/k'] });
});

test("Go's messages for bad flags", () => {
  const err = (args: string[]) => {
    try {
      parse(args);
    } catch (e) {
      assert.ok(e instanceof FlagError);
      return e.message;
    }
    return 'no error';
  };
  assert.equal(err(['--bogus']), 'flag provided but not defined: -bogus');
  assert.equal(err(['---x']), 'bad flag syntax: ---x');
  assert.equal(err(['-=x']), 'bad flag syntax: -=x');
  assert.equal(err(['--ttl']), 'flag needs an argument: -ttl');
  assert.equal(err(['--ttl', 'abc']), 'invalid value "abc" for flag -ttl: parse error');
  assert.equal(err(['--ttl', '08']), 'invalid value "08" for flag -ttl: parse error');
  assert.equal(err(['-r=maybe']), 'invalid boolean value "maybe" for -r: parse error');
});

test('numbers as strconv.ParseInt(s, 0, 64) reads them', () => {
  assert.equal(parseGoInt('-5'), -5);
  assert.equal(parseGoInt('010'), 8);
  assert.equal(parseGoInt('0b101'), 5);
  assert.equal(parseGoInt('0o17'), 15);
  assert.equal(parseGoInt('1e3'), null);
});
