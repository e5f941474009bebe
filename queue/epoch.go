package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// EpochKey is the Redis key holding the queue's epoch (Redis.Epoch). It has
// no expiry: it lives exactly as long as the streams do.
const EpochKey = StreamPrefix + "epoch"

// newEpoch draws a fresh epoch: 128 random bits in hex.
func newEpoch() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("queue: draw epoch: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// epochScript returns the epoch, setting it first when the key is missing,
// in one step so that instances racing after a Redis restart agree on one
// value. KEYS: EpochKey. ARGV: a fresh epoch.
var epochScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`)

// Epoch returns the value of EpochKey, creating it when missing. A Redis
// restarted without persistence has lost the key with the streams, so the
// next call returns a new value and the forwarder publishes again what no
// desk had taken (issue 10, point 3). Keys that are streams are listed by
// Streams; this one is a string and is not.
func (r *Redis) Epoch(ctx context.Context) (string, error) {
	fresh, err := newEpoch()
	if err != nil {
		return "", err
	}
	v, err := epochScript.Run(ctx, r.client, []string{EpochKey}, fresh).Text()
	if err != nil {
		return "", fmt.Errorf("queue: epoch: %w", err)
	}
	return v, nil
}

// Epoch returns the embedded queue's epoch, kept in the queue file: a new
// file (the old one deleted or lost) has a new epoch.
func (l *Local) Epoch(ctx context.Context) (string, error) {
	fresh, err := newEpoch()
	if err != nil {
		return "", err
	}
	var v string
	err = l.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)`, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'epoch'`).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("queue: epoch of %s: %w", l.path, err)
	}
	return v, nil
}
