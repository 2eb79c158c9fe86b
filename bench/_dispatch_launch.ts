/**
 * The launch of bench/dispatch.ts in a process of its own, so its peak memory is the launch's and
 * not the benchmark's (which also holds an API server, peers' clients and their modules).
 * Arguments: a PostgreSQL URL (with its search_path), the organisation and the campaign. Prints one
 * JSON line: {"ok", "queued", "seconds"}.
 */
import { launchCampaign } from '../src/dispatch/launch.ts';
import { openPostgres } from '../src/store/db.ts';

const [url, orgId, campaignId] = process.argv.slice(2);
const db = openPostgres(url!, { max: 2 });
const t = performance.now();
const r = await launchCampaign(db, Number(orgId), Number(campaignId), 'bench');
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ ...r, seconds }));
await db.close();
