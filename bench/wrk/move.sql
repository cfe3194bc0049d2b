-- pgbench: the bare writes of a deal's move — lock and read the deal, change its stage, append the history and
-- the audit entry — in one transaction (the floor beside POST /deals/{id}/move)
\set d random(1, :deals)
\set s random(:low, :high)
BEGIN;
SELECT stage_id, status, owner_id, amount, probability FROM deals WHERE id = :d FOR UPDATE;
UPDATE deals SET stage_id = :s, status = 'open', updated_at = now() WHERE id = :d;
INSERT INTO deal_history (deal_id, at, actor_name, from_stage_id, to_stage_id, owner_id, amount, probability, kind)
  SELECT id, now(), 'bench', stage_id, :s, owner_id, amount, 10, 'move' FROM deals WHERE id = :d;
INSERT INTO audit_log (at, actor_type, actor_name, action, entity, entity_id, before, after)
  VALUES (now(), 'api_key', 'bench', 'deal.move', 'deal', :d, '{"stage_id": 1}', '{"stage_id": 2}');
END;
