-- Where an event's reply is delivered besides the event itself (a callback URL).
ALTER TABLE events ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
