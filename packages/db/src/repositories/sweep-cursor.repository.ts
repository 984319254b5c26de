import type { EntityManager } from 'typeorm';

/** How far each periodic sweep got, so the next starts there. */
export class SweepCursorRepository {
  constructor(private readonly manager: EntityManager) {}

  async get(name: string): Promise<Date | null> {
    const rows = await this.manager.query<Array<{ swept_until: Date }>>(
      `SELECT swept_until FROM sweep_cursor WHERE name = $1`,
      [name],
    );
    return rows[0]?.swept_until ?? null;
  }

  async set(name: string, sweptUntil: Date): Promise<void> {
    await this.manager.query(
      `INSERT INTO sweep_cursor (name, swept_until) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET swept_until = EXCLUDED.swept_until, updated_at = now()`,
      [name, sweptUntil],
    );
  }
}
