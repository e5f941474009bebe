package desk_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

// clock is an injected, settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// t0 is 08:20 in Vietnam on 2 November 2026.
var t0 = time.Date(2026, 11, 2, 1, 20, 0, 0, time.UTC)

type env struct {
	db  *store.DB
	svc *desk.Service
	cat *intake.Catalog
	clk *clock
}

// newEnv builds the desk service over db with two desk members per desk
// (hung, lan for police; mai for social-affairs), an admin and a press
// account. prefix, when not empty, renames the agency queues so that a
// test on the shared Redis has streams of its own.
func newEnv(t testing.TB, db *store.DB, prefix string) *env {
	t.Helper()
	cat, err := intake.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "" {
		for k, r := range cat.Routes {
			r.Queue = prefix + strings.TrimPrefix(r.Queue, queue.StreamPrefix)
			cat.Routes[k] = r
		}
	}
	data, err := desk.LoadData()
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: t0}
	svc, err := desk.New(desk.Config{DB: db, Data: data, Catalog: cat, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	office, err := press.New(press.Config{DB: db, Limiter: ratelimit.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role string }{
		{"hung", press.RolePolice}, {"lan", press.RolePolice}, {"mai", press.RoleSocialAffairs},
		{"quantri", press.RoleAdmin}, {"bao", press.RolePress},
	} {
		if _, err := office.AddStaff(context.Background(), press.ActorCLI, u.name, u.role, "Mật khẩu thử nghiệm 2026"); err != nil {
			t.Fatal(err)
		}
	}
	return &env{db: db, svc: svc, cat: cat, clk: clk}
}

var (
	police = desk.Actor{Desk: "police", Name: "hung"}
	social = desk.Actor{Desk: "social-affairs", Name: "mai"}
)

func tipInput(i int) intake.TipInput {
	return intake.TipInput{
		Category:    []string{"mua-ban", "trong-cay", "ban-tren-mang"}[i%3],
		Area:        []string{"vu-thu", "dong-hung", "tien-hai"}[i%3],
		Description: fmt.Sprintf("Tin số %d: có người bán ma túy ở ngõ 5<nhà 3>\ngần chợ, \"tối thứ Bảy\" & Chủ nhật.", i),
		OccurredAt:  "khoảng 21 giờ",
	}
}

// tipEntry is a queue entry as the forwarder publishes a tip.
func (e *env) tipEntry(t testing.TB, i int, at time.Time) queue.Entry {
	t.Helper()
	tip, fe := e.cat.ValidateTip(tipInput(i))
	if fe != nil {
		t.Fatal(fe)
	}
	b, _ := json.Marshal(tip)
	return queue.Entry{ID: fmt.Sprintf("tip-%04d", i), Kind: intake.KindTip, ReceivedAt: at.Truncate(time.Minute), Data: b}
}

func (e *env) enquiryEntry(t testing.TB, i int, at time.Time) queue.Entry {
	t.Helper()
	enq, fe := e.cat.ValidateEnquiry(intake.EnquiryInput{Relationship: "nguoi-than", Substance: "heroin",
		PreferredForm: "methadone", Area: "dong-hung", ContactName: "Trần Thị Hoa", Phone: "0912 345 678",
		Message: "Gọi sau 17 giờ giúp tôi.", Consent: true})
	if fe != nil {
		t.Fatal(fe)
	}
	b, _ := json.Marshal(enq)
	return queue.Entry{ID: fmt.Sprintf("enq-%04d", i), Kind: intake.KindRehabEnquiry, ReceivedAt: at.Truncate(time.Minute), Data: b}
}

// ingest publishes entries to the desk's queue and commits them as the
// consumer would, returning the case ids by submission id.
func (e *env) ingest(t testing.TB, entries ...queue.Entry) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	byDesk := map[string][]queue.Message{}
	for i, en := range entries {
		d, _ := e.svc.DeskOfKind(en.Kind)
		byDesk[d] = append(byDesk[d], queue.Message{Entry: en, StreamID: fmt.Sprint(i + 1), Deliveries: 1})
	}
	for d, msgs := range byDesk {
		if _, rej, err := e.svc.Ingest(ctx, d, msgs); err != nil || len(rej) > 0 {
			t.Fatalf("Ingest: %v %+v", err, rej)
		}
	}
	out := map[string]int64{}
	for _, en := range entries {
		c, err := e.db.CaseBySubmission(ctx, en.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[en.ID] = c.ID
	}
	return out
}

// testRedis is a client on the shared Redis (TEST_REDIS_URL, default DB 11
// of 127.0.0.1:6379) and a random stream prefix whose keys are deleted at
// the end; the test is skipped when Redis does not answer.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/11"
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("Redis does not answer: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	prefix := queue.StreamPrefix + "desktest-" + hex.EncodeToString(b) + "-"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, prefix
}

var jsonMarshal = json.Marshal
