/** `vestnik list …`: static lists of contacts or of objects (AU-3), for audiences and filters. */
import type { Command } from 'commander';
import {
  addListMembers,
  deleteList,
  getList,
  insertList,
  type ListKind,
  listLists,
  listMemberIds,
  removeListMembers,
} from '../../store/lists.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

function ids(option: string, value: string): number[] {
  const parts = value.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new CliError(`${option}: give ids, e.g. 1,2,3`);
  return parts.map((p) => parseId(p, option));
}

/** The members named by --contacts or --objects, which must match the list's kind. */
function members(o: { contacts?: string; objects?: string }, kind: ListKind, listId: number): number[] {
  const given = kind === 'contacts' ? o.contacts : o.objects;
  const other = kind === 'contacts' ? o.objects : o.contacts;
  if (other !== undefined)
    throw new CliError(
      `list ${listId} is a list of ${kind}: give --${kind}, not --${kind === 'contacts' ? 'objects' : 'contacts'}`,
    );
  if (given === undefined) throw new CliError(`give --${kind} with the ids to add or remove`);
  return ids(`--${kind}`, given);
}

export function registerListCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  const list = program.command('list').description('static lists of contacts or of objects (AU-3)');

  list
    .command('create')
    .description('a new, empty list')
    .requiredOption('--name <name>', 'its name, unique in the organisation')
    .option('--kind <kind>', 'contacts or objects', 'contacts')
    .option(...ORG)
    .action(async (o: { name: string; kind: string; org?: string }) => {
      if (o.kind !== 'contacts' && o.kind !== 'objects')
        throw new CliError(`--kind ${o.kind}: use contacts or objects`);
      const name = o.name.trim();
      if (name.length < 1 || name.length > 200) throw new CliError('--name: from 1 to 200 characters');
      const r = await withDb(rt, 'list create', async (db) =>
        insertList(db, await resolveOrg(db, o.org), { name, kind: o.kind as ListKind }),
      );
      if (r === 'name_taken') throw new CliError(`there is already a list «${name}»`);
      io.out(`Created list ${r.id} «${r.name}» (${r.kind})`);
    });

  list
    .command('ls')
    .description('the lists, with their sizes')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (o: { json?: boolean; org?: string }) => {
      const rows = await withDb(rt, 'list ls', async (db) => listLists(db, await resolveOrg(db, o.org)));
      if (o.json) return printJson(io, rows);
      for (const l of rows) io.out(`${l.id}\t${l.kind}\t${l.size}\t${l.name}`);
    });

  list
    .command('show <id>')
    .description('a list and its members’ ids')
    .option('--limit <n>', 'members shown', '100')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (id: string, o: { limit: string; json?: boolean; org?: string }) => {
      const listId = parseId(id, 'list');
      const r = await withDb(rt, 'list show', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        const l = await getList(db, orgId, listId);
        if (!l) throw new CliError(`no list ${listId} (see \`vestnik list ls\`)`);
        const limit = Math.min(Math.max(Number(o.limit) || 100, 1), 100_000);
        return { ...l, members: await listMemberIds(db, orgId, l, { after: 0, limit }) };
      });
      if (o.json) return printJson(io, r);
      io.out(`List ${r.id} «${r.name}»: ${r.size} ${r.kind}`);
      if (r.members.length) io.out(r.members.join(' '));
    });

  for (const action of ['add', 'remove'] as const)
    list
      .command(`${action} <id>`)
      .description(
        action === 'add' ? 'add contacts (or objects) to a list' : 'take contacts (or objects) off a list',
      )
      .option('--contacts <ids>', 'contact ids, e.g. 1,2,3')
      .option('--objects <ids>', 'object ids, for a list of objects')
      .option(...ORG)
      .action(async (id: string, o: { contacts?: string; objects?: string; org?: string }) => {
        const listId = parseId(id, 'list');
        const msg = await withDb(rt, `list ${action}`, async (db) => {
          const orgId = await resolveOrg(db, o.org);
          const l = await getList(db, orgId, listId);
          if (!l) throw new CliError(`no list ${listId} (see \`vestnik list ls\`)`);
          const given = members(o, l.kind, listId);
          if (action === 'remove')
            return `Removed ${await removeListMembers(db, orgId, l, given)} from list ${listId}`;
          const r = await addListMembers(db, orgId, l, given);
          if (r.missing.length)
            throw new CliError(
              `--${l.kind}: no such ${l.kind}: ${r.missing.join(', ')}; the others were added`,
            );
          return `Added ${r.added} to list ${listId}`;
        });
        io.out(msg);
      });

  list
    .command('delete <id>')
    .description('delete a list (its contacts and objects stay)')
    .option(...ORG)
    .action(async (id: string, o: { org?: string }) => {
      const listId = parseId(id, 'list');
      const gone = await withDb(rt, 'list delete', async (db) =>
        deleteList(db, await resolveOrg(db, o.org), listId),
      );
      if (!gone) throw new CliError(`no list ${listId} (see \`vestnik list ls\`)`);
      io.out(`Deleted list ${listId}`);
    });
}
