package seal

import (
	"crypto/sha256"
	"sync"
	"time"

	"filippo.io/age"
)

// Sessions holds the desks' private keys of signed-in sessions, in this
// process's memory only: never on disk, in Redis or in a log. A key is
// forgotten at sign-out (Forget), after Idle without use, and when the
// process ends; with several instances, each holds the keys of the
// sessions signed in on it (docs/security.md). Safe for concurrent use.
type Sessions struct {
	// Idle is how long an unused key is kept (the session's idle expiry).
	Idle time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[[32]byte]*sessionKey
}

type sessionKey struct {
	desk string
	id   *age.X25519Identity
	last time.Time
}

func (s *Sessions) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Put remembers desk's private key for the session token.
func (s *Sessions) Put(token, desk string, id *age.X25519Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[32]byte]*sessionKey{}
	}
	now := s.now()
	for k, v := range s.m { // drop the idle ones on the way
		if now.Sub(v.last) >= s.Idle {
			delete(s.m, k)
		}
	}
	s.m[sha256.Sum256([]byte(token))] = &sessionKey{desk: desk, id: id, last: now}
}

// Get returns the key held for the session token, and marks it used; ok
// false when there is none or it was idle too long (then it is dropped).
func (s *Sessions) Get(token string) (desk string, id *age.X25519Identity, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := sha256.Sum256([]byte(token))
	e, ok := s.m[h]
	if !ok {
		return "", nil, false
	}
	now := s.now()
	if now.Sub(e.last) >= s.Idle {
		delete(s.m, h)
		return "", nil, false
	}
	e.last = now
	return e.desk, e.id, true
}

// Forget drops the key of the session token (sign-out, expired session).
func (s *Sessions) Forget(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sha256.Sum256([]byte(token)))
}

// Len is how many sessions hold a key (for tests and metrics).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
