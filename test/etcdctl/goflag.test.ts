// The command-line parser: Go's flag package under urfave/cli's argument reordering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FlagDef,
  FlagError,
  parseGoDuration,
  parseGoFlags,
  parseGoInt,
  reorderArgs,
} from '../../src/cli/etcdctl/goflag.js';

const DEFS: FlagDef[] = [
  { names: ['ttl'], kind: 'int', usage: '' },
  { names: ['recursive', 'r'], kind: 'bool', usage: '' },
  { names: ['with-value'], kind: 'string', usage: '' },
];

function parse(args: string[]) {
  const p = parseGoFlags(DEFS, reorderArgs(DEFS, args));
  return {
    ttl: p.values.get('ttl'),
    r: p.values.get('recursive'),
    v: p.values.get('with-value'),
    args: p.args,
  };
}

test('flags before or after the arguments, with = or a separate value', () => {
  assert.deepEqual(parse(['/k', '--ttl', '5', 'v']), {
    ttl: 5,
    r: false,
    v: '',
    args: ['/k', 'v'],
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
  // `--` goes to the front of the rest and is dropped: the key is no longer first.
  assert.deepEqual(parse(['--ttl', '1', '/k', '--', 'sh', '-c']), {
    ttl: 1,
    r: false,
    v: '',
    args: ['/k', 'sh', '-c'],
  });
  // A bool flag takes the next word along when reordering (it stays an argument).
  assert.deepEqual(parse(['-r', '/k', '--', 'sh']), {
    ttl: 0,
    r: true,
    v: '',
    args: ['/k', '--', 'sh'],
  });
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

test('numbers and durations as strconv and time.ParseDuration read them', () => {
  assert.equal(parseGoInt('-5'), -5);
  assert.equal(parseGoInt('010'), 8);
  assert.equal(parseGoInt('0b101'), 5);
  assert.equal(parseGoInt('0o17'), 15);
  assert.equal(parseGoInt('1e3'), null);
  assert.equal(parseGoDuration('2s'), 2000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('5'), null);
  assert.equal(parseGoDuration('s'), null);
});
