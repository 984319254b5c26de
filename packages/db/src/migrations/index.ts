import { InitialSchema1764200000000 } from './1764200000000-initial-schema';

/** Every migration, oldest first. Each is reviewed SQL; none is generated at run time. */
export const MIGRATIONS = [InitialSchema1764200000000];
