"""The till's two statements on PostgreSQL: one reads everything pricing and confirming need (the customer, the account,
its lots and debts, the rules' stamp, the products, the spend over the tier window), one writes the order, its lines,
the points, the tier and the idempotency record — provided the account did not move in between."""

from __future__ import annotations

from klientura.loyalty.holdings import LOT_KINDS

_WHO = """coalesce(%(customer)s::int,
  (SELECT customer_id FROM identities WHERE kind = 'card' AND value = %(card)s::text LIMIT 1),
  (SELECT customer_id FROM identities WHERE kind = 'phone' AND value = %(phone)s::text LIMIT 1),
  (SELECT customer_id FROM identities WHERE kind = 'email' AND value = %(email)s::text LIMIT 1))"""

_KINDS = ", ".join(f"'{k}'" for k in LOT_KINDS)
STATE = f"""
WITH who AS (SELECT {_WHO} AS id)
SELECT
  (SELECT updated_at FROM loyalty_config WHERE id = 1) AS stamp,
  (SELECT json_agg(json_build_array(p.sku, p.category_id, p.id)) FROM products p WHERE p.sku = ANY(%(skus)s::text[])),
  EXISTS (SELECT 1 FROM orders WHERE source = %(source)s::text AND external_id = %(ext)s::text) AS known,
  EXISTS (SELECT 1 FROM idempotency_keys WHERE actor = %(idem_actor)s::text AND key = %(idem_key)s::text) AS replay,
  (SELECT id FROM outlets WHERE code = %(outlet)s::text OR name = %(outlet)s::text LIMIT 1) AS outlet_id,
  (SELECT id FROM sales_channels WHERE code = %(channel)s::text LIMIT 1) AS channel_id,
  c.id, c.merged_into_id, a.id, a.tier, a.version,
  (SELECT json_agg(json_build_array(e.id, e.points, e.points - coalesce(t.taken, 0), e.at, e.available_at, e.expires_at))
     FROM loyalty_entries e
     LEFT JOIN LATERAL (SELECT sum(x.points) AS taken FROM loyalty_allocations x WHERE x.lot_id = e.id) t ON true
    WHERE e.account_id = a.id AND e.kind IN ({_KINDS}) AND e.points > 0 AND e.points > coalesce(t.taken, 0)),
  (SELECT json_agg(json_build_array(r.id, -r.points - coalesce(t.paid, 0)) ORDER BY r.id)
     FROM loyalty_entries r
     LEFT JOIN LATERAL (SELECT sum(x.points) AS paid FROM loyalty_allocations x WHERE x.entry_id = r.id) t ON true
    WHERE r.account_id = a.id AND r.kind = 'reverse' AND r.points < 0 AND -r.points > coalesce(t.paid, 0)),
  (SELECT coalesce(sum(o.paid), 0) FROM orders o WHERE o.customer_id = c.id AND o.status = 'completed'
      AND o.placed_at > %(since)s::timestamptz AND o.placed_at <= %(at)s::timestamptz),
  EXISTS (SELECT 1 FROM loyalty_referrals f WHERE f.friend_id = c.id AND f.status = 'pending')
FROM who LEFT JOIN customers c ON c.id = who.id LEFT JOIN loyalty_accounts a ON a.customer_id = c.id
"""

_AUDIT = "INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, entity, entity_id, before, after)"
WRITE = f"""
WITH g AS (  -- the account as it was read: else a concurrent operation moved it, and nothing is written
  UPDATE loyalty_accounts SET version = version + 1,
                              tier = CASE WHEN %(tier_moved)s::bool THEN %(tier)s::text ELSE tier END
   WHERE id = %(account)s::int AND version = %(version)s::int
  RETURNING id
), o AS (
  INSERT INTO orders (source, external_id, customer_id, outlet_id, channel_id, placed_at, status, total, discount,
                      paid, points_redeemed, points_earned, created_at)
  SELECT %(source)s::text, %(ext)s::text, %(customer)s::int, %(outlet)s::int, %(channel)s::int,
         %(at)s::timestamptz, 'completed', %(total)s::numeric, %(discount)s::numeric, %(paid)s::numeric,
         %(spent)s::int, %(earned)s::int, %(now)s::timestamptz
   WHERE %(account)s::int IS NULL OR EXISTS (SELECT 1 FROM g)
  RETURNING id
), l AS (
  INSERT INTO order_lines (order_id, line_no, product_id, sku, qty, price, discount, amount)
  SELECT o.id, u.* FROM o, unnest(%(l_no)s::int[], %(l_product)s::int[], %(l_sku)s::text[], %(l_qty)s::numeric[],
                                  %(l_price)s::numeric[], %(l_discount)s::numeric[], %(l_amount)s::numeric[]) AS u
), oa AS (
  {_AUDIT}
  SELECT %(now)s::timestamptz, %(actor_type)s::text, %(actor_id)s::int, %(author)s::text, 'order.create', 'order',
         o.id::text, NULL, %(order_after)s::jsonb FROM o
), s AS (
  INSERT INTO loyalty_entries (account_id, kind, points, at, order_id, author, created_at)
  SELECT %(account)s::int, 'spend', -%(spent)s::int, %(at)s::timestamptz, o.id, %(author)s::text, %(now)s::timestamptz
    FROM o WHERE %(spent)s::int > 0
  RETURNING id
), sa AS (
  INSERT INTO loyalty_allocations (entry_id, lot_id, points)
  SELECT s.id, u.lot, u.n FROM s, unnest(%(s_lot)s::int[], %(s_n)s::int[]) AS u(lot, n)
), e AS (
  INSERT INTO loyalty_entries (account_id, kind, points, at, available_at, expires_at, order_id, author, created_at)
  SELECT %(account)s::int, 'earn', %(earned)s::int, %(at)s::timestamptz, %(usable)s::timestamptz,
         %(expires)s::timestamptz, o.id, %(author)s::text, %(now)s::timestamptz
    FROM o, (SELECT count(*) FROM s) AS spent_first  -- the entries numbered as the ORM path numbers them
   WHERE %(earned)s::int > 0
  RETURNING id
), ea AS (
  INSERT INTO loyalty_allocations (entry_id, lot_id, points)
  SELECT u.rev, e.id, u.n FROM e, unnest(%(d_rev)s::int[], %(d_n)s::int[]) AS u(rev, n)
), ta AS (
  {_AUDIT}
  SELECT %(now)s::timestamptz, %(actor_type)s::text, %(actor_id)s::int, %(author)s::text, 'loyalty.tier',
         'loyalty_accounts', g.id::text, %(tier_before)s::jsonb, %(tier_after)s::jsonb FROM g WHERE %(tier_moved)s::bool
), k AS (
  INSERT INTO idempotency_keys (actor, key, request_hash, status_code, body, created_at)
  SELECT %(idem_actor)s::text, %(idem_key)s::text, %(idem_hash)s::text, 201,
         jsonb_set(%(idem_body)s::jsonb, '{{order_id}}', to_jsonb(o.id)), %(now)s::timestamptz
    FROM o WHERE %(idem_key)s::text IS NOT NULL
)
SELECT id FROM o
"""
