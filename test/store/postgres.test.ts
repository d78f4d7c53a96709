import { describeStoreContract } from './contract.ts';
import { freshPostgresStore } from '../postgres/databases.ts';

// The contract's cases drive time by hand (`now`), leases included: the engine's clock.
describeStoreContract('PostgreSQL', () => freshPostgresStore({ leaseClock: 'engine' }));
