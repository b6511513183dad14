import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMAIL_SEPARATOR, emailsText, parseEmail, spamAssassin, spamSplit } from '../../src/index.js';
import { decodeHeaderWords, decodeQuotedPrintable, htmlToText } from '../../src/data/text/mime.js';

test('spamAssassin: real messages on slices — subject, body, label, group and id', () => {
  const [ham, hard] = spamAssassin({ groups: ['easy-ham-1', 'hard-ham-1'], limit: 1 });
  assert.equal(ham.id, '00001.7c53336b37003a9286aba55d2945844c');
  assert.equal(ham.group, 'easy-ham-1');
  assert.equal(ham.label, 0);
  assert.equal(ham.subject, 'Re: New Sequences Window');
  assert.ok(
    ham.body.startsWith('Date:        Wed, 21 Aug 2002 10:54:46 -0500\n'),
    'the quoted header in the body stays',
  );
  assert.ok(!ham.body.includes('Return-Path:') && !ham.body.includes('Delivered-To:'), 'the headers are gone');
  assert.equal(ham.text, `${ham.subject}\n${ham.body}`);
  assert.equal(hard.subject, 'Personal Finance: Resolutions You Can Keep');
  assert.equal(hard.label, 0);

  // spam-1/00023: multipart/mixed holding a base64 text/html part: decoded, then stripped of tags.
  const spam1 = spamAssassin({ groups: ['spam-1'], limit: 23 })[22];
  assert.equal(spam1.id, '00023.b6d27c684f5fc803cfa1060adb2d0805');
  assert.equal(spam1.label, 1);
  assert.equal(spam1.subject, 'Penile enlargement method - guaranteed !');
  assert.ok(spam1.body.startsWith('This message is sent to our subscribers only. Further emails to you'));
  assert.ok(!/<[a-z]/i.test(spam1.body) && !/^[A-Za-z0-9+/]{60,}$/m.test(spam1.body), 'no tags, no base64 left');

  // spam-2/00008: quoted-printable HTML with no Content-Type header at all.
  const spam2 = spamAssassin({ groups: ['spam-2'], limit: 8 })[7];
  assert.equal(spam2.subject, 'FW:');
  assert.ok(spam2.body.startsWith('Thank you for your interest!\n\nJudgment Courses offers'));
  assert.ok(!spam2.body.includes('=3D') && !spam2.body.includes('<FONT'));

  assert.throws(
    () => spamAssassin({ groups: ['spam-3'] }),
    /spamAssassin: got group "spam-3"; expected one of easy-ham-1/,
  );
  assert.throws(() => spamAssassin({ limit: 0 }), /limit=0; expected a positive integer/);
  assert.throws(() => spamAssassin({ dir: '/nonexistent-spam' }), /ENOENT/);
});

test('spamAssassin: the whole corpus, 6,046 e-mails (1,896 spam); the split is stratified, seeded and fixed', () => {
  const all = spamAssassin();
  assert.equal(all.length, 6046);
  const count = (list: { label: number; group: string }[], pred: (e: { label: number; group: string }) => boolean) =>
    list.filter(pred).length;
  assert.equal(
    count(all, (e) => e.label === 1),
    1896,
  );
  assert.deepEqual(
    ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'].map((g) => count(all, (e) => e.group === g)),
    [2500, 1400, 250, 500, 1396],
  );
  const { train, test: held } = spamSplit(all, { testFraction: 0.2, seed: 0 });
  assert.equal(held.length, Math.round(1896 * 0.2) + Math.round(4150 * 0.2));
  assert.equal(
    count(held, (e) => e.label === 1),
    379,
  );
  assert.equal(train.length + held.length, 6046);
  const again = spamSplit(all, { testFraction: 0.2, seed: 0 });
  assert.deepEqual(
    again.test.map((e) => e.id),
    held.map((e) => e.id),
  );
  const other = spamSplit(all, { testFraction: 0.2, seed: 1 });
  assert.notDeepEqual(
    other.test.map((e) => e.id),
    held.map((e) => e.id),
  );
  const keys = new Set(train.map((e) => `${e.group}/${e.id}`));
  assert.ok(
    held.every((e) => !keys.has(`${e.group}/${e.id}`)),
    'no e-mail in both halves',
  );
  const text = emailsText(train);
  assert.equal(text.split(EMAIL_SEPARATOR).length, train.length + 1);
});

test('spamSplit: per-label shares on a small list; bad options are named', () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ label: i < 10 ? 1 : 0, i }));
  const { train, test: held } = spamSplit(items, { testFraction: 0.3, seed: 5 });
  assert.equal(held.filter((x) => x.label === 1).length, 3);
  assert.equal(held.filter((x) => x.label === 0).length, 6);
  assert.deepEqual(
    train.map((x) => x.i),
    [...train.map((x) => x.i)].sort((a, b) => a - b),
    'original order kept',
  );
  assert.throws(
    () => spamSplit(items, { testFraction: 1 }),
    /spamSplit: got testFraction=1; expected a number in \(0, 1\)/,
  );
  assert.throws(() => spamSplit([{ label: 0.5 }]), /item 0 has label 0\.5; expected an integer label/);
  assert.throws(() => spamSplit([{ label: 0 }], { testFraction: 0.2 }), /leave 1 for training and 0 for testing/);
});

test('parseEmail: multipart walking, transfer encodings, charsets, encoded subjects, attachments, HTML', () => {
  const alternative = [
    'From someone@example.com  Thu Aug 22 12:36:23 2002',
    'Subject: =?iso-8859-1?Q?=FCber?= =?utf-8?B?4pyTIGRvbmU=?=',
    'Content-Type: multipart/mixed;',
    '\tboundary="outer"',
    '',
    'preamble to ignore',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>HTML version</p>',
    '--inner',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9 au lait, a soft=',
    ' break.',
    '--inner--',
    '--outer',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('Grüße aus Köln ✓').toString('base64'),
    '--outer',
    'Content-Type: text/plain',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    'attachment text to leave out',
    '--outer',
    'Content-Type: image/gif',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAAAAACw=',
    '--outer--',
    'epilogue to ignore',
  ].join('\r\n');
  assert.deepEqual(parseEmail(alternative), {
    subject: 'über✓ done',
    body: 'Café au lait, a soft break.\n\nGrüße aus Köln ✓',
  });
  const htmlOnly =
    'Subject: hi\nContent-Type: text/html\n\n<html><style>p{}</style><p>One &amp; two</p><br>three&#33; &#x263A;</html>';
  assert.deepEqual(parseEmail(htmlOnly), { subject: 'hi', body: 'One & two\n\nthree! ☺' });
  assert.deepEqual(parseEmail('Subject: no body'), { subject: 'no body', body: '' });
  assert.deepEqual(parseEmail('X-Folded: a\n b\n\nplain body\n'), { subject: '', body: 'plain body' });
  assert.throws(() => parseEmail(3 as never), /parseEmail: got 3; expected the raw e-mail text/);
});

test('mime helpers: quoted-printable runs in a charset, encoded words, HTML text', () => {
  assert.equal(decodeQuotedPrintable('a=3Db=\nc =C3=A9', 'utf-8'), 'a=bc é');
  assert.equal(decodeQuotedPrintable('=E9t=E9', 'iso-8859-1'), 'été');
  assert.equal(decodeHeaderWords("Re: =?us-ascii?Q?FW:_Re:_Al_Qaeda's?="), "Re: FW: Re: Al Qaeda's");
  assert.equal(
    decodeHeaderWords('=?x-unknown?Q?caf=C3=A9?= au lait'),
    'café au lait',
    'an unknown charset reads as UTF-8',
  );
  assert.equal(decodeHeaderWords('=?gb2312?B?xOO6ww==?='), '你好');
  assert.equal(htmlToText('<script>x()</script>a<!-- c -->b&nbsp;&lt;c&gt;'), 'ab <c>');
});
