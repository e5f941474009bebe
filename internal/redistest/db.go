package redistest

import (
	"net/url"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// SharedURLDB is SharedURL with its database number set to db, for tests
// that hand a REDIS_URL to a portal binary: the portal's stream names are
// fixed, so such a test isolates them by a database of its own instead of
// a key prefix (and deletes the streams it made). Host, port, user and
// password are kept.
func SharedURLDB(db int) string {
	u, err := url.Parse(SharedURL())
	if err != nil {
		return SharedURL()
	}
	u.Path = "/" + strconv.Itoa(db)
	return u.String()
}

// SharedOptionsDB returns client options for SharedURLDB(db).
func SharedOptionsDB(db int) *redis.Options {
	opt, err := redis.ParseURL(SharedURLDB(db))
	if err != nil {
		opt = &redis.Options{Addr: "127.0.0.1:6379"}
	}
	opt.DB = db
	return opt
}
