/** Organisations, users and API keys from the command line. */
import type { Command } from 'commander';
import { isRole, type Role } from '../../core/roles.ts';
import { changeUser, createApiKey, createUser, generatePassword } from '../../services/accounts.ts';
import { listApiKeys, revokeApiKey } from '../../store/apiKeys.ts';
import { createOrg, listOrgs, newOrgModerationMode } from '../../store/orgs.ts';
import { listUsers } from '../../store/users.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

function role(value: string): Role {
  if (!isRole(value)) throw new CliError(`--role ${value}: use owner, admin, operator, moderator or viewer`);
  return value;
}

export function registerAccountCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  const org = program.command('org').description('organisations (tenants)');
  org
    .command('create')
    .description('create an organisation with a sandbox gateway for every channel')
    .requiredOption('--name <name>', 'its name, e.g. "СНТ Ромашка"')
    .option('--time-zone <zone>', 'its time zone', 'Europe/Moscow')
    .action(async (o: { name: string; timeZone: string }) => {
      // A new organisation starts in manual moderation (issue 18); instance staff change it.
      const created = await withDb(rt, 'org create', (db) =>
        createOrg(db, o.name.trim(), o.timeZone, newOrgModerationMode()),
      );
      io.out(`Created organisation ${created.id}: ${created.name}`);
    });
  org
    .command('list')
    .description('list organisations')
    .action(async () => {
      const orgs = await withDb(rt, 'org list', (db) => listOrgs(db));
      for (const o of orgs) io.out(`${o.id}\t${o.name}\t${o.timeZone}`);
    });

  const user = program.command('user').description('people who sign in');
  user
    .command('list')
    .description('users with their roles')
    .option('--org <id>', 'the organisation (default: the only one)')
    .action(async (o: { org?: string }) => {
      const users = await withDb(rt, 'user list', async (db) => listUsers(db, await resolveOrg(db, o.org)));
      for (const u of users)
        io.out(`${u.id}\t${u.email}\t${u.role}${u.disabled ? '\tdisabled' : ''}\t${u.name}`);
    });
  user
    .command('set <id>')
    .description("change a user's role, or switch them off (their sessions end) and on")
    .option('--role <role>', 'owner, admin, operator, moderator or viewer')
    .option('--disable', 'they can no longer sign in')
    .option('--enable', 'they can sign in again')
    .option('--org <id>', 'the organisation (default: the only one)')
    .action(async (id: string, o: { role?: string; disable?: boolean; enable?: boolean; org?: string }) => {
      if (o.disable && o.enable) throw new CliError('give --disable or --enable, not both');
      if (!o.role && !o.disable && !o.enable)
        throw new CliError('nothing to change: give --role, --disable or --enable');
      const change = {
        role: o.role ? role(o.role) : undefined,
        disabled: o.disable ? true : o.enable ? false : undefined,
      };
      const userId = parseId(id, 'user');
      // The command line is the machine's administrator: it acts with an owner's rights.
      const r = await withDb(rt, 'user set', async (db) =>
        changeUser(db, { orgId: await resolveOrg(db, o.org), userId: null, role: 'owner' }, userId, change),
      );
      if (!r) throw new CliError(`user ${id} not found`);
      if (!r.ok) throw new CliError(`--${r.problem.field}: ${r.problem.message}`);
      io.out(`User ${r.value.id} ${r.value.email}: ${r.value.role}${r.value.disabled ? ', disabled' : ''}`);
    });
  user
    .command('create')
    .description('add a user; prints the password when it is generated')
    .requiredOption('--email <email>', 'their e-mail, used to sign in')
    .option('--role <role>', 'owner, admin, operator, moderator or viewer', 'operator')
    .option('--name <name>', 'their name', '')
    .option('--password <password>', 'at least 8 characters; generated when omitted')
    .option('--org <id>', 'the organisation (default: the only one)')
    .action(async (o: { email: string; role: string; name: string; password?: string; org?: string }) => {
      const password = o.password ?? generatePassword();
      const r = await withDb(rt, 'user create', async (db) =>
        createUser(db, {
          orgId: await resolveOrg(db, o.org),
          email: o.email,
          name: o.name,
          role: role(o.role),
          password,
        }),
      );
      if (!r.ok) throw new CliError(`--${r.problem.field}: ${r.problem.message}`);
      io.out(
        `Created user ${r.value.id} ${r.value.email} (${r.value.role}) in organisation ${r.value.orgId}`,
      );
      if (!o.password) io.out(`Password (shown once): ${password}`);
    });

  const key = program.command('key').description('API keys for programs');
  key
    .command('create')
    .description('create an API key and print it (it is shown only this once)')
    .option('--name <name>', 'what the key is for', 'cli')
    .option('--role <role>', 'the role the key acts with', 'operator')
    .option('--org <id>', 'the organisation (default: the only one)')
    .option('--json', 'print {"id", "key"} as JSON')
    .action(async (o: { name: string; role: string; org?: string; json?: boolean }) => {
      const r = await withDb(rt, 'key create', async (db) =>
        createApiKey(db, {
          orgId: await resolveOrg(db, o.org),
          name: o.name,
          role: role(o.role),
          createdBy: null,
        }),
      );
      if (!r.ok) throw new CliError(`--${r.problem.field}: ${r.problem.message}`);
      if (o.json)
        printJson(io, {
          id: r.value.key.id,
          orgId: r.value.key.orgId,
          role: r.value.key.role,
          key: r.value.secret,
        });
      else io.out(r.value.secret);
    });
  key
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--org <id>', 'the organisation (default: the only one)')
    .action(async (o: { org?: string }) => {
      const keys = await withDb(rt, 'key list', async (db) => listApiKeys(db, await resolveOrg(db, o.org)));
      for (const k of keys)
        io.out(`${k.id}\t${k.prefix}…\t${k.role}\t${k.name}\t${k.revokedAt ? 'revoked' : 'active'}`);
    });
  key
    .command('revoke <id>')
    .description('revoke an API key at once')
    .option('--org <id>', 'the organisation (default: the only one)')
    .action(async (id: string, o: { org?: string }) => {
      const k = await withDb(rt, 'key revoke', async (db) =>
        revokeApiKey(db, await resolveOrg(db, o.org), parseId(id, 'key')),
      );
      if (!k) throw new CliError(`no API key ${id}`);
      io.out(`Revoked key ${k.id} (${k.name})`);
    });
}
