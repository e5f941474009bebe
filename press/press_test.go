package press

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

// clock is an injectable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 6, 26, 1, 0, 0, 0, time.UTC) // 08:00 in Vietnam

// newTestOffice opens a real SQLite store in a temporary directory and an
// Office over it with the in-process limiter and an injected clock.
func newTestOffice(t testing.TB, cfg Config) (*Office, *clock) {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: t0}
	cfg.DB, cfg.Now = db, clk.Now
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory()
	}
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, clk
}

const goodPassword = "Mùa xuân trên cánh đồng 2026"

func TestAddStaffRules(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	_, err := o.AddStaff(ctx, ActorCLI, "A", "mayor", "short")
	var fe formerr.FieldErrors
	if !errors.As(err, &fe) || fe["username"] == "" || fe["role"] == "" || fe["password"] == "" {
		t.Fatalf("bad input: err = %v", err)
	}
	s, err := o.AddStaff(ctx, ActorCLI, "  Lan.Nguyen ", RolePress, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if s.Username != "lan.nguyen" || s.Role != RolePress {
		t.Fatalf("created %+v", s)
	}
	if _, err := o.AddStaff(ctx, ActorCLI, "lan.nguyen", RoleAdmin, goodPassword); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("taken: %v", err)
	}
	list, _ := o.ListStaff(ctx)
	if len(list) != 1 || list[0].PasswordHash == goodPassword {
		t.Fatalf("list %+v", list)
	}
	audit, _ := o.Audit(ctx, 0, 10)
	if len(audit) != 1 || audit[0].Action != "staff.add" || audit[0].Actor != ActorCLI || audit[0].Target != "lan.nguyen (press)" {
		t.Fatalf("audit %+v", audit)
	}
}

func TestLoginSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	o, clk := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ user, pass string }{{"lan", "sai mật khẩu rồi"}, {"khong-co", goodPassword}, {"", ""}, {"lan", ""}} {
		if _, err := o.Login(ctx, LoginRequest{Username: c.user, Password: c.pass, ClientKey: "login:k1"}); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Login(%q, %q) err = %v, want ErrBadCredentials", c.user, c.pass, err)
		}
	}
	// NFD-typed password (macOS/iOS keyboards) is the same password.
	sess, err := o.Login(ctx, LoginRequest{Username: "LAN", Password: nfd(goodPassword), ClientKey: "login:k1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Token) != 43 || sess.Principal.Username != "lan" || sess.Principal.Role != RolePress || sess.MaxAge != DefaultMaxSessionAge {
		t.Fatalf("session %+v", sess)
	}
	p, err := o.Authenticate(ctx, sess.Token)
	if err != nil || p.Username != "lan" || !p.CanPublish() || p.IsAdmin() {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	// Activity keeps it alive past the idle timeout…
	clk.Add(20 * time.Minute)
	if _, err := o.Authenticate(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	clk.Add(20 * time.Minute)
	if _, err := o.Authenticate(ctx, sess.Token); err != nil {
		t.Fatalf("active session expired: %v", err)
	}
	// …but 30 idle minutes end it.
	clk.Add(30 * time.Minute)
	if _, err := o.Authenticate(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	// Rotation: logging in with an old cookie deletes that session.
	s1, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "login:k1"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "login:k1", OldToken: s1.Token})
	if err != nil {
		t.Fatal(err)
	}
	if s1.Token == s2.Token {
		t.Fatal("token not rotated")
	}
	if _, err := o.Authenticate(ctx, s1.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("old session still valid after rotation: %v", err)
	}
	// Absolute expiry, however active.
	for i := 0; i < 30; i++ {
		clk.Add(25 * time.Minute)
		if _, err := o.Authenticate(ctx, s2.Token); err != nil {
			if clk.Now().Sub(t0) < DefaultMaxSessionAge {
				t.Fatalf("expired early at %v: %v", clk.Now(), err)
			}
			break
		}
	}
	if _, err := o.Authenticate(ctx, s2.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session outlived its absolute expiry")
	}
	// Logout.
	s3, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "login:k2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Logout(ctx, s3.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Authenticate(ctx, s3.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after logout: %v", err)
	}
	// Disabling ends sessions and refuses logins with the same message.
	s4, _ := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "login:k2"})
	if err := o.DisableStaff(ctx, ActorCLI, "lan", true); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Authenticate(ctx, s4.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("disabled account's session: %v", err)
	}
	if _, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "login:k2"}); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("disabled login: %v", err)
	}
	for _, bad := range []string{"", "x", sess.Token + "A", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"} {
		if _, err := o.Authenticate(ctx, bad); !errors.Is(err, ErrNoSession) {
			t.Fatalf("Authenticate(%q) = %v", bad, err)
		}
	}
	audit, _ := o.Audit(ctx, 0, 100)
	counts := map[string]int{}
	for _, e := range audit {
		counts[e.Action]++
		if e.Target == goodPassword || e.Actor == goodPassword {
			t.Fatal("password in the audit log")
		}
	}
	if counts["staff.login"] != 5 || counts["staff.logout"] != 1 || counts["staff.login_failed"] != 2 || counts["staff.disable"] != 1 {
		t.Fatalf("audit counts %v", counts)
	}
}

func TestLoginThrottle(t *testing.T) {
	ctx := context.Background()
	o, clk := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	// Per account: the 11th attempt in a row is throttled, whatever the
	// client key, and then even the right password is not checked.
	for i := 1; i <= 12; i++ {
		_, err := o.Login(ctx, LoginRequest{Username: "lan", Password: "mật khẩu sai số " + string(rune('a'+i)), ClientKey: "login:client-" + string(rune('a'+i))})
		var te *ThrottledError
		switch {
		case i <= DefaultAccountLimit.Rate && !errors.Is(err, ErrBadCredentials):
			t.Fatalf("attempt %d: %v, want ErrBadCredentials", i, err)
		case i > DefaultAccountLimit.Rate && !errors.As(err, &te):
			t.Fatalf("attempt %d: %v, want throttled", i, err)
		case te != nil && (te.RetryAfter <= 0 || te.Error() != "Đăng nhập không thành công quá nhiều lần. Vui lòng thử lại sau 2 phút."):
			t.Fatalf("attempt %d: %v (%v)", i, te, te.RetryAfter)
		}
	}
	var te *ThrottledError
	if _, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "login:other"}); !errors.As(err, &te) {
		t.Fatalf("right password while throttled: %v", err)
	}
	// The budget refills with time (GCRA: one attempt per 90 s).
	clk.Add(0) // the Memory limiter uses the real clock; wait is not needed for the rest

	// Per client: 30 attempts spread over many accounts, then 429.
	o2, _ := newTestOffice(t, Config{})
	n := 0
	for i := 0; i < 40; i++ {
		_, err := o2.Login(ctx, LoginRequest{Username: "nguoi" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Password: "x", ClientKey: "login:same"})
		if errors.As(err, &te) {
			break
		}
		n++
	}
	if n != DefaultClientLimit.Rate {
		t.Fatalf("client allowed %d attempts, want %d", n, DefaultClientLimit.Rate)
	}
}

// TestLoginThrottleParallel makes 50 wrong guesses at once: exactly the
// account's budget get a password check, the rest are throttled, because
// the limiter counts each attempt atomically before the check.
func TestLoginThrottleParallel(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	var bad, throttled atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := o.Login(ctx, LoginRequest{Username: "lan", Password: "đoán mò lần thứ " + string(rune('A'+i)), ClientKey: "login:c" + string(rune('A'+i))})
			var te *ThrottledError
			switch {
			case errors.Is(err, ErrBadCredentials):
				bad.Add(1)
			case errors.As(err, &te):
				throttled.Add(1)
			default:
				t.Errorf("guess %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if bad.Load() != int32(DefaultAccountLimit.Rate) || throttled.Load() != 50-int32(DefaultAccountLimit.Rate) {
		t.Fatalf("checked %d, throttled %d; want %d checked", bad.Load(), throttled.Load(), DefaultAccountLimit.Rate)
	}
}

// TestLoginFailsClosed: the Redis limiter without fallback, its server a
// closed port; logins must then be refused.
func TestLoginFailsClosed(t *testing.T) {
	ctx := context.Background()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer down.Close()
	o, _ := newTestOffice(t, Config{Limiter: ratelimit.NewRedis(down, "test:press:down:")})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "k"}); !errors.Is(err, ErrThrottleUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

// TestLoginThrottleRedis is TestLoginThrottleParallel against the shared
// Redis limiter (gcra.lua), as run by several portal
// instances: 50 parallel guesses, exactly the account's budget checked.
func TestLoginThrottleRedis(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Shared(t)
	o, _ := newTestOffice(t, Config{Limiter: ratelimit.NewRedis(rdb, prefix)})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	var bad, throttled atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := o.Login(ctx, LoginRequest{Username: "lan", Password: fmt.Sprintf("đoán mò lần %d", i), ClientKey: fmt.Sprintf("login:c%d", i)})
			var te *ThrottledError
			switch {
			case errors.Is(err, ErrBadCredentials):
				bad.Add(1)
			case errors.As(err, &te):
				throttled.Add(1)
			default:
				t.Errorf("guess %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if bad.Load() != int32(DefaultAccountLimit.Rate) || throttled.Load() != 50-int32(DefaultAccountLimit.Rate) {
		t.Fatalf("checked %d, throttled %d; want %d checked", bad.Load(), throttled.Load(), DefaultAccountLimit.Rate)
	}
	keys, _ := rdb.Keys(ctx, prefix+"*").Result()
	if len(keys) == 0 {
		t.Fatal("no limiter keys in Redis")
	}
	for _, k := range keys {
		if strings.Contains(k, "lan") || strings.Contains(k, "127.0.0.1") {
			t.Errorf("Redis key %q names the account or an address", k)
		}
	}
}

// testRedisLimiter is a Redis limiter on TEST_REDIS_URL under a fresh prefix whose
// keys are deleted after the test; it skips when Redis does not answer.
func testRedisLimiter(t *testing.T) *ratelimit.Redis {
	t.Helper()
	rdb, prefix := redistest.Shared(t)
	return ratelimit.NewRedis(rdb, prefix)
}

// TestSuccessfulLoginsDoNotUseTheBudget: the limits count failed logins
// only (README, PORTAL_LIMIT_LOGIN). Eleven right passwords from eleven
// clients, and forty from one client, all open sessions; a success
// forgets the account's earlier failures; failures alone are still
// throttled at the account's limit; on the in-process and Redis limiters.
func TestSuccessfulLoginsDoNotUseTheBudget(t *testing.T) {
	ctx := context.Background()
	for name, newLimiter := range map[string]func(t *testing.T) ratelimit.Limiter{
		"memory": func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory() },
		"redis":  func(t *testing.T) ratelimit.Limiter { return testRedisLimiter(t) },
	} {
		t.Run(name, func(t *testing.T) {
			o, _ := newTestOffice(t, Config{Limiter: newLimiter(t)})
			if _, err := o.AddStaff(ctx, ActorCLI, "press1", RolePress, goodPassword); err != nil {
				t.Fatal(err)
			}
			login := func(pw, client string) error {
				_, err := o.Login(ctx, LoginRequest{Username: "press1", Password: pw, ClientKey: client})
				return err
			}
			for i := 0; i <= DefaultAccountLimit.Rate; i++ {
				if err := login(goodPassword, fmt.Sprintf("login:addr%d", i)); err != nil {
					t.Fatalf("right password %d from its own client: %v", i+1, err)
				}
			}
			for i := 0; i < DefaultClientLimit.Rate+10; i++ {
				if err := login(goodPassword, "login:office-nat"); err != nil {
					t.Fatalf("right password %d from one client: %v", i+1, err)
				}
			}
			// Typing mistakes, then the right password: the mistakes are
			// forgotten, so a whole budget of failures follows.
			for i := 0; i < DefaultAccountLimit.Rate-1; i++ {
				if err := login(fmt.Sprintf("gõ nhầm %d", i), "login:typist"); !errors.Is(err, ErrBadCredentials) {
					t.Fatalf("mistake %d: %v", i+1, err)
				}
			}
			if err := login(goodPassword, "login:typist"); err != nil {
				t.Fatalf("right password after %d mistakes: %v", DefaultAccountLimit.Rate-1, err)
			}
			for i := 1; i <= DefaultAccountLimit.Rate+1; i++ {
				err := login(fmt.Sprintf("đoán %d", i), fmt.Sprintf("login:guess%d", i))
				var te *ThrottledError
				switch {
				case i <= DefaultAccountLimit.Rate && !errors.Is(err, ErrBadCredentials):
					t.Fatalf("failure %d after the success: %v, want ErrBadCredentials", i, err)
				case i > DefaultAccountLimit.Rate && !errors.As(err, &te):
					t.Fatalf("failure %d after the success: %v, want throttled", i, err)
				}
			}
			var te *ThrottledError
			if err := login(goodPassword, "login:owner"); !errors.As(err, &te) ||
				!strings.HasPrefix(te.Error(), "Đăng nhập không thành công quá nhiều lần. Vui lòng thử lại sau ") {
				t.Fatalf("right password on a throttled account: %v", err)
			}
		})
	}
}

// TestSuccessDoesNotResetTheClientBudget: a client that owns one account
// cannot wipe the failures it made against other accounts by logging into
// its own: the success gives back its own unit only.
func TestSuccessDoesNotResetTheClientBudget(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "minh", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	failures := 0
	for i := 0; i < DefaultClientLimit.Rate; i++ {
		if i%5 == 4 {
			if _, err := o.Login(ctx, LoginRequest{Username: "minh", Password: goodPassword, ClientKey: "login:insider"}); err != nil {
				t.Fatalf("own login after %d failures: %v", failures, err)
			}
		}
		_, err := o.Login(ctx, LoginRequest{Username: fmt.Sprintf("nguoi%d", i), Password: "x", ClientKey: "login:insider"})
		var te *ThrottledError
		if errors.As(err, &te) {
			break
		}
		failures++
	}
	if failures != DefaultClientLimit.Rate {
		t.Fatalf("client made %d failed attempts before the limit, want %d", failures, DefaultClientLimit.Rate)
	}
	var te *ThrottledError
	if _, err := o.Login(ctx, LoginRequest{Username: "nguoi-khac", Password: "x", ClientKey: "login:insider"}); !errors.As(err, &te) {
		t.Fatalf("failure over the client limit: %v, want throttled", err)
	}
}
