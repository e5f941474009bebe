package store

import (
	"context"
	"fmt"
	"hash/crc64"
	"sync"
)

// Names of cluster locks (WithClusterLock). Each names one job that must
// run on one instance at a time, whatever the number of instances.
const (
	// LockScheduler: the press office's scheduler pass (scheduled
	// campaigns going live, media cleanup).
	LockScheduler = "press.scheduler"
	// LockRetention: the retention sweep of issue 11 (deleting what is
	// kept no longer), reserved here so it has its own lock.
	LockRetention = "retention"
)

// WithClusterLock runs f while holding the cluster-wide lock name, if no
// other holder has it, and reports whether f ran. It never waits: a job
// that another instance is running now is that instance's to finish, and
// a periodic job simply tries again at its next tick.
//
// On PostgreSQL the lock is a session-level advisory lock
// (pg_try_advisory_lock) whose 64-bit key is the CRC-64 of the schema and
// the name, held on one pooled connection for the duration of f and
// released after it; if the process dies the session ends and PostgreSQL
// releases the lock. On SQLite, where one process owns the data dir (serve
// takes a lock file), it is an in-process mutex per name.
//
// The error is the lock's (the database failing) or f's.
func (db *DB) WithClusterLock(ctx context.Context, name string, f func(context.Context) error) (ran bool, err error) {
	unlock, ok, err := db.eng.tryLock(ctx, db.sql.DB, name)
	if err != nil {
		return false, fmt.Errorf("store: cluster lock %s: %w", name, err)
	}
	if !ok {
		return false, nil
	}
	defer unlock()
	return true, f(ctx)
}

// localLocks is the SQLite engine's cluster lock: one mutex per name.
type localLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func (l *localLocks) tryLock(name string) (func(), bool) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*sync.Mutex{}
	}
	m := l.locks[name]
	if m == nil {
		m = &sync.Mutex{}
		l.locks[name] = m
	}
	l.mu.Unlock()
	if !m.TryLock() {
		return nil, false
	}
	return m.Unlock, true
}

// advisoryKey is the PostgreSQL advisory lock key of name in schema.
func advisoryKey(schema, name string) int64 {
	return int64(crc64.Checksum([]byte("portal lock "+schema+" "+name), crc64.MakeTable(crc64.ECMA)))
}
