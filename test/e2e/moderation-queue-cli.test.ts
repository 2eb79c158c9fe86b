/**
 * `vestnik org create` starts in manual moderation; `vestnik moderation queue | approve | reject |
 * mode` and `vestnik staff grant` (issue 18, MD-1, MD-3, MD-4), without a server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVestnik, vestnikEnv } from '../helpers/process.ts';

test('a new organisation waits in manual mode; the command line sees the queue and decides', async () => {
  // The suite's default is `none`; an instance that moderates starts new organisations in manual.
  const env = await vestnikEnv({
    VESTNIK_DEMO: '0',
    VESTNIK_WORKERS: '0',
    VESTNIK_MODERATION_DEFAULT: 'automatic',
  });
  assert.equal((await runVestnik(['migrate'], env)).code, 0);
  assert.match((await runVestnik(['org', 'create', '--name', 'ТСЖ'], env)).stdout, /Created organisation 1/);
  assert.equal(
    (await runVestnik(['moderation', 'mode', '1'], env)).stdout,
    'Organisation 1: moderation manual\n',
  );
  assert.equal((await runVestnik(['balance', 'topup', '--amount', '100'], env)).code, 0);
  const sent = await runVestnik(['send', '--to', '+79123456789', '--text', 'Лучшее казино'], env);
  assert.match(sent.stdout, /queued \(waiting for moderation\)/, sent.stderr);

  const queue = await runVestnik(['moderation', 'queue', '--json'], env);
  assert.equal(queue.code, 0, queue.stderr);
  assert.deepEqual(
    JSON.parse(queue.stdout).items.map((i: any) => [
      i.kind,
      i.id,
      i.org.name,
      i.matches.map((m: any) => m.word),
    ]),
    [['message', 1, 'ТСЖ', ['казино']]],
  );
  assert.equal(
    (await runVestnik(['moderation', 'approve', 'message', '1'], env)).stdout,
    'Approved message 1\n',
  );
  const again = await runVestnik(['moderation', 'reject', 'message', '1', '--reason', 'азартные игры'], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /message 1 is not in the moderation queue/);
  assert.equal(
    (await runVestnik(['moderation', 'mode', '1', 'automatic', '--self-moderation', 'on'], env)).stdout,
    'Organisation 1: moderation automatic, its own moderators decide\n',
  );
  assert.match(
    (await runVestnik(['staff', 'grant', 'nobody@vestnik.test'], env)).stderr,
    /no user with e-mail/,
  );
});
