package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// Change notification topics. A topic names a kind of data whose change
// other parts of the portal, on every instance, must follow; a Change
// carries no more than its topic: receivers re-read what they need.
const (
	// TopicCampaigns: a campaign was created, edited, published,
	// scheduled, unpublished, or went live at its scheduled time
	// (GoLiveDue). Every write of the campaigns table notifies it in the
	// same transaction. press.Office.FollowChanges follows it on every
	// instance: the instance's search index, then its page cache (through
	// press.Office.OnChange → pagecache.Cache.Invalidate), which must drop
	// every rendered page (home, /chien-dich, campaign pages, feed and
	// sitemap all show campaigns).
	TopicCampaigns = "campaigns"
)

// Change is one notification received by Subscribe.
type Change struct {
	// Topic is the topic that changed (TopicCampaigns …).
	Topic string
	// Resync is true when notifications may have been missed before this
	// one (the PostgreSQL listener has just (re)connected): the receiver
	// must re-read everything the topic covers, as for any Change.
	Resync bool
}

// Publish notifies topic to the subscribers of every instance that shares
// this database: on PostgreSQL through NOTIFY (delivered to every session
// that LISTENs, this process's own included), on SQLite to the
// subscribers of this process (one process owns an SQLite data dir).
// Store methods that change a topic's data notify it themselves, in their
// transaction; Publish is for changes made outside the store.
func (db *DB) Publish(ctx context.Context, topic string) error {
	if err := db.eng.notify(ctx, db.sql, topic); err != nil {
		return fmt.Errorf("store: publish %s: %w", topic, err)
	}
	if db.eng.localFanout() {
		db.hub.publish(Change{Topic: topic})
	}
	return nil
}

// Subscribe returns a channel that receives a Change for topic every time
// one is published on any instance, until ctx ends (then it is closed).
// Changes that arrive while the receiver is busy are coalesced: the
// channel holds at most one pending Change, which means "something
// changed since you last looked". On PostgreSQL a listener connection is
// opened on the first Subscribe; every time it (re)connects, each
// subscriber receives a Change with Resync set, so a receiver that
// re-reads on every Change never misses an update, even one made before
// it subscribed or while the connection was down.
func (db *DB) Subscribe(ctx context.Context, topic string) <-chan Change {
	ch := make(chan Change, 1)
	s := &subscription{topic: topic, ch: ch}
	db.hub.add(s)
	db.listenOnce.Do(func() { db.eng.listen(db.bg, &db.hub, db.logger()) })
	go func() {
		select {
		case <-ctx.Done():
		case <-db.bg.Done():
		}
		db.hub.remove(s)
	}()
	return ch
}

// SetLogger sets where the store logs what no caller sees (the change
// listener losing and regaining its connection); default slog.Default().
// Call it before Subscribe.
func (db *DB) SetLogger(l *slog.Logger) { db.log = l }

func (db *DB) logger() *slog.Logger {
	if db.log == nil {
		return slog.Default()
	}
	return db.log
}

// commitNotify notifies topics inside tx (PostgreSQL: NOTIFY is delivered
// only if the transaction commits) and commits it; on SQLite the
// subscribers of this process hear of it once the commit succeeded.
func (db *DB) commitNotify(ctx context.Context, tx *sqlTx, topics ...string) error {
	for _, t := range topics {
		if err := db.eng.notify(ctx, tx, t); err != nil {
			return fmt.Errorf("notify %s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if db.eng.localFanout() {
		for _, t := range topics {
			db.hub.publish(Change{Topic: t})
		}
	}
	return nil
}

// hub fans changes out to this process's subscribers.
type hub struct {
	mu   sync.Mutex
	subs map[*subscription]struct{}
}

type subscription struct {
	topic string
	ch    chan Change
}

func (h *hub) add(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[*subscription]struct{}{}
	}
	h.subs[s] = struct{}{}
}

func (h *hub) remove(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// publish delivers c to every subscriber of c.Topic (every subscriber for
// a Resync with an empty topic), without blocking: a subscriber that has a
// Change pending already will re-read anyway.
func (h *hub) publish(c Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if c.Topic != "" && s.topic != c.Topic {
			continue
		}
		out := c
		out.Topic = s.topic
		select {
		case s.ch <- out:
		default:
			if c.Resync {
				// Make sure the pending one says so too.
				select {
				case <-s.ch:
				default:
				}
				select {
				case s.ch <- out:
				default:
				}
			}
		}
	}
}
