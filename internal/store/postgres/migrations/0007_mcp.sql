-- Claw-to-claw trace: the claw, run and event that caused an event (ask_claw,
-- message_claw and the reply to it) and how many claws the chain has passed.
-- Runs copy their event's trace so that runs lists show it.
ALTER TABLE events ADD COLUMN parent_claw TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN parent_run_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN parent_event_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN hops BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN parent_claw TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN parent_run_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN parent_event_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN hops BIGINT NOT NULL DEFAULT 0;
