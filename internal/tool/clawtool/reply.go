package clawtool

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// Replies delivers the answers to message_claw: outbox entries of kind
// claw.KindClawReply, which the run of a claw_message event writes with
// its end, become claw_reply events in the sending claw's mailbox, in the
// session it sent from. Delivery is idempotent (keyed on the answered
// event), so the outbox's retries are safe.
type Replies struct {
	Store   store.Mailbox
	Mailbox Mailbox
}

// Deliver enqueues one answer; it is an outbox handler.
func (r *Replies) Deliver(ctx context.Context, e store.OutboxEntry) error {
	var p claw.CallbackPayload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	answered, err := r.Store.GetEvent(ctx, claw.Ref{Tenant: e.Tenant, Name: e.Claw}, p.EventID)
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		return nil // the answering claw was deleted since
	}
	if err != nil {
		return fmt.Errorf("read answered event: %w", err)
	}
	session := claw.DefaultSession
	if orig, err := r.Store.GetEvent(ctx, claw.Ref{Tenant: e.Tenant, Name: e.Target}, answered.ParentEventID); err == nil {
		session = orig.Session
	} else if claw.ErrorCode(err) != claw.ENOTFOUND {
		return fmt.Errorf("read sending event: %w", err)
	}
	text := fmt.Sprintf("Answer from claw %q to your message (its event %d):\n\n%s", e.Claw, p.EventID, p.Reply)
	if p.Status == claw.EventFailed {
		text = fmt.Sprintf("Claw %q failed to answer your message (its event %d): %s", e.Claw, p.EventID, p.Error)
	}
	_, created, err := r.Store.Enqueue(ctx, claw.Ref{Tenant: e.Tenant, Name: e.Target}, claw.NewEvent{
		Kind: claw.KindClawReply, IdempotencyKey: "reply:" + e.Claw + ":" + strconv.FormatInt(p.EventID, 10),
		Session: session, Text: text,
		Hop: claw.Hop{ParentClaw: e.Claw, ParentRunID: p.RunID, ParentEventID: p.EventID, Hops: answered.Hops + 1},
	})
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		return nil // the sender was deleted: nobody to tell
	}
	if err != nil {
		return err
	}
	if created {
		r.Mailbox.Notify(claw.Ref{Tenant: e.Tenant, Name: e.Target})
	}
	return nil
}
