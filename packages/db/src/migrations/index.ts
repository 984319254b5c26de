import { InitialSchema1764200000000 } from './1764200000000-initial-schema';
import { RolePipeline1764300000000 } from './1764300000000-role-pipeline';
import { Notifications1764400000000 } from './1764400000000-notifications';
import { CustomerPortal1764500000000 } from './1764500000000-customer-portal';
import { Dashboard1764600000000 } from './1764600000000-dashboard';
import { Operators1764700000000 } from './1764700000000-operators';
import { OutboxRedelivery1764800000000 } from './1764800000000-outbox-redelivery';
import { IngestionGuard1764900000000 } from './1764900000000-ingestion-guard';
import { SweepCoveringIndexes1765000000000 } from './1765000000000-sweep-covering-indexes';

/** Every migration, oldest first. Each is reviewed SQL; none is generated at run time. */
export const MIGRATIONS = [
  InitialSchema1764200000000,
  RolePipeline1764300000000,
  Notifications1764400000000,
  CustomerPortal1764500000000,
  Dashboard1764600000000,
  Operators1764700000000,
  OutboxRedelivery1764800000000,
  IngestionGuard1764900000000,
  SweepCoveringIndexes1765000000000,
];
