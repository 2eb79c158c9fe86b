/**
 * Import decoding (AU-8): BOMs, UTF-8 against Windows-1251, streaming in any chunking.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { createDecoder, DECIDE_WINDOW, decodeBytes, decodeStream } from '../../src/core/import/decode.ts';

const TEXT = 'Фамилия;Телефон\nИванов;8 912 345-67-89\n';

async function streamed(bytes: Uint8Array, cuts: number[]) {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    chunks.push(bytes.subarray(at, cut));
    at = cut;
  }
  chunks.push(bytes.subarray(at));
  const decoder = createDecoder();
  const out: string[] = [];
  for await (const piece of decodeStream(
    (async function* () {
      yield* chunks;
    })(),
    decoder,
  )) {
    out.push(piece);
  }
  return { pieces: out, text: out.join(''), encoding: decoder.encoding, bom: decoder.bom };
}

test('decodeBytes: UTF-8 with a BOM drops the BOM', () => {
  const r = decodeBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]));
  assert.deepEqual(r, { text: TEXT, encoding: 'utf-8', bom: true });
});

test('decodeBytes: UTF-8 without a BOM', () => {
  assert.deepEqual(decodeBytes(Buffer.from(TEXT)), { text: TEXT, encoding: 'utf-8', bom: false });
});

test('decodeBytes: UTF-16 LE and BE with their BOMs', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]);
  assert.deepEqual(decodeBytes(le), { text: TEXT, encoding: 'utf-16le', bom: true });
  const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()]);
  assert.deepEqual(decodeBytes(be), { text: TEXT, encoding: 'utf-16be', bom: true });
});

test('decodeBytes: Windows-1251 when the bytes are not UTF-8', () => {
  assert.deepEqual(decodeBytes(iconv.encode(TEXT, 'win1251')), {
    text: TEXT,
    encoding: 'windows-1251',
    bom: false,
  });
});

test('decodeBytes: only ASCII is reported as ascii, and an empty input too', () => {
  assert.deepEqual(decodeBytes(Buffer.from('a,b\n1,2\n')), {
    text: 'a,b\n1,2\n',
    encoding: 'ascii',
    bom: false,
  });
  assert.deepEqual(decodeBytes(new Uint8Array(0)), { text: '', encoding: 'ascii', bom: false });
});

test('decodeBytes: Windows-1251 decided after a long ASCII prefix, which reads the same', () => {
  const prefix = 'Name;Phone\n'.repeat(20_000);
  const bytes = iconv.encode(`${prefix}Иванов;1\n`, 'win1251');
  const r = decodeBytes(bytes);
  assert.equal(r.encoding, 'windows-1251');
  assert.equal(r.text, `${prefix}Иванов;1\n`);
});

test('decodeBytes: bytes broken after a UTF-8 window become U+FFFD, which the row parser refuses', () => {
  const good = Buffer.from('ё'.repeat(DECIDE_WINDOW));
  const r = decodeBytes(Buffer.concat([good, Buffer.from([0xc8, 0xe2])]));
  assert.equal(r.encoding, 'utf-8');
  assert.equal(r.text, `${'ё'.repeat(DECIDE_WINDOW)}\uFFFD\uFFFD`);
});

test('decodeStream: one-byte chunks give the same text and encoding as the whole buffer', async () => {
  for (const bytes of [
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${TEXT}😀`, 'utf16le')]),
    iconv.encode(TEXT, 'win1251'),
    Buffer.from(`${TEXT}😀`),
  ]) {
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    const whole = decodeBytes(bytes);
    const r = await streamed(bytes, cuts);
    assert.deepEqual({ text: r.text, encoding: r.encoding, bom: r.bom }, whole);
  }
});

test('decodeStream: the encoding is known while reading, from the first non-ASCII bytes', async () => {
  const decoder = createDecoder();
  assert.equal(decoder.write(Buffer.from('a;b\n')), 'a;b\n');
  assert.equal(decoder.encoding, 'ascii');
  assert.equal(decoder.write(iconv.encode('Иванов;1\n', 'win1251')), '');
  assert.equal(decoder.end(), 'Иванов;1\n');
  assert.equal(decoder.encoding, 'windows-1251');
});

test('decodeStream: a UTF-16 surrogate pair cut between chunks is never split in the output', async () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a😀b', 'utf16le')]);
  // 2 BOM bytes, then a (2), then the pair (4): cut in the middle of the pair.
  const r = await streamed(bytes, [6]);
  assert.deepEqual(r.pieces, ['a', '😀b']);
});

test('decodeStream: refuses strings, which would already have been decoded by someone', () => {
  assert.throws(() => createDecoder().write('text' as unknown as Uint8Array), TypeError);
});

const cutsOf = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 8 });

test('property: any bytes in any chunking decode without throwing, as the whole buffer does', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 300 }).chain((b) => fc.tuple(fc.constant(b), cutsOf(b.length))),
      async ([bytes, cuts]) => {
        const whole = decodeBytes(bytes);
        const r = await streamed(
          bytes,
          cuts.filter((c) => c < bytes.length),
        );
        assert.deepEqual({ text: r.text, encoding: r.encoding, bom: r.bom }, whole);
        for (const piece of r.pieces.slice(0, -1)) {
          const last = piece.charCodeAt(piece.length - 1);
          assert.ok(!(last >= 0xd800 && last <= 0xdbff), 'a piece ends in half a surrogate pair');
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: any text comes back exactly from UTF-8, UTF-8 with BOM and UTF-16 LE with BOM', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.startsWith('\uFEFF')),
      fc.constantFrom('utf-8', 'utf-8-bom', 'utf-16le'),
      fc.integer({ min: 1, max: 7 }),
      async (text, form, step) => {
        const bytes =
          form === 'utf-8'
            ? Buffer.from(text)
            : form === 'utf-8-bom'
              ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])
              : Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
        const cuts = [];
        for (let i = step; i < bytes.length; i += step) cuts.push(i);
        const r = await streamed(bytes, cuts);
        assert.equal(r.text, text);
      },
    ),
    { numRuns: 300 },
  );
});

// Every Russian letter but Ё/ё is 0xC0–0xFF in Windows-1251, never a UTF-8 continuation byte, so a
// run of them is never valid UTF-8. Ё, ё, №, « and » are 0x80–0xBF, continuation bytes: «Вё»
// alone (C2 B8) is valid UTF-8 for `¸` — see the test after this one.
test('property: Russian text in Windows-1251 comes back exactly and is never taken for UTF-8', () => {
  const letter = fc.constantFrom(
    ...'абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ'.split(''),
  );
  const other = fc.constantFrom(...' ;,.0123456789\n"'.split(''));
  fc.assert(
    fc.property(
      fc.array(fc.oneof(letter, other), { minLength: 1, maxLength: 80 }),
      letter,
      (chars, first) => {
        const text = first + chars.join('');
        // «яю» and «юя» are FF FE and FE FF in Windows-1251: a UTF-16 byte order mark, which decides.
        fc.pre(!/^(?:яю|юя)/.test(text));
        const r = decodeBytes(iconv.encode(text, 'win1251'));
        assert.equal(r.text, text);
        assert.equal(r.encoding, 'windows-1251');
      },
    ),
    { numRuns: 300 },
  );
});

test('decodeBytes: the known ambiguity — «Вё» alone is valid UTF-8 and read as such; with more text it is not', () => {
  assert.deepEqual(decodeBytes(iconv.encode('Вё', 'win1251')), { text: '¸', encoding: 'utf-8', bom: false });
  assert.deepEqual(decodeBytes(iconv.encode('Фамилия;Имя\nСемёнов;Пётр', 'win1251')), {
    text: 'Фамилия;Имя\nСемёнов;Пётр',
    encoding: 'windows-1251',
    bom: false,
  });
});
