-- pgbench: the bare work of a request — find the person by phone, look for their open lead and open deal, write
-- the lead — in one transaction (the floor beside POST /leads; no card is created here)
\set p random(1, 20000)
BEGIN;
SELECT customer_id FROM identities WHERE kind = 'phone' AND value = '+7916' || lpad(:p::text, 7, '0');
SELECT id FROM leads WHERE customer_id = :p AND status = 'open' LIMIT 1;
SELECT id FROM deals WHERE customer_id = :p AND status = 'open' AND deleted_at IS NULL LIMIT 1;
INSERT INTO leads (customer_id, channel, text, status, outcome, created_at)
  SELECT min(id), 'form', 'Пришлите прайс', 'open', 'lead', now() FROM customers;
END;
