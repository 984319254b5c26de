import type { EntityManager } from 'typeorm';
import { CustomerEntity, type Customer } from '../entities/customer.entity';

export class CustomerRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The customer with this merchant id, created on first sight. A later event without an e-mail keeps
   * the one already known.
   */
  async upsert(merchantId: string, externalId: string, email: string | null): Promise<string> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `INSERT INTO customer (merchant_id, external_id, email) VALUES ($1, $2, $3)
       ON CONFLICT (merchant_id, external_id) DO UPDATE
          SET email = COALESCE(EXCLUDED.email, customer.email),
              updated_at = CASE WHEN EXCLUDED.email IS DISTINCT FROM customer.email AND EXCLUDED.email IS NOT NULL
                                THEN now() ELSE customer.updated_at END
       RETURNING id`,
      [merchantId, externalId, email],
    );
    return rows[0]!.id;
  }

  async findByExternalId(merchantId: string, externalId: string): Promise<Customer | null> {
    return this.manager.getRepository(CustomerEntity).findOneBy({ merchantId, externalId });
  }

  async find(merchantId: string, customerId: string): Promise<Customer | null> {
    return this.manager.getRepository(CustomerEntity).findOneBy({ merchantId, id: customerId });
  }
}
