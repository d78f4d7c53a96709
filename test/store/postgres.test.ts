import { PostgresStore } from '../../src/postgres.ts';
import { describeConcurrentStores } from './contract-concurrency.ts';
import { describeStoreContract } from './contract.ts';
import { freshPostgresStore } from '../postgres/databases.ts';

// The contract's cases drive time by hand (`now`), leases included: the engine's clock.
describeStoreContract('PostgreSQL', () => freshPostgresStore({ leaseClock: 'engine' }));

describeConcurrentStores('PostgreSQL', async () => {
  const first = await freshPostgresStore();
  const second = new PostgresStore(first.url, { poolSize: 4, schema: first.schema });
  await second.init();
  return [first, second];
});
