package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

var caseT0 = time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)

func newCase(i int, desk string, at time.Time) store.NewCase {
	kind, cat := "tip", []string{"mua-ban", "trong-cay"}[i%2]
	if desk == "social-affairs" {
		kind, cat = "rehab_enquiry", "heroin"
	}
	return store.NewCase{SubmissionID: fmt.Sprintf("s-%s-%03d", desk, i), Desk: desk, Kind: kind,
		Category: cat, Area: []string{"vu-thu", "dong-hung", "tien-hai"}[i%3], Status: "new",
		ReceivedAt: at, Content: []byte(fmt.Sprintf(`{"n":%d}`, i))}
}

func TestCreateCasesIsIdempotent(t *testing.T) { storetest.ForEach(t, testCreateCasesIsIdempotent) }

func testCreateCasesIsIdempotent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCase(1, "police", caseT0.Add(90*time.Second)) // 01:01:30 → 01:01
	first, err := db.CreateCases(ctx, []store.NewCase{c}, caseT0)
	if err != nil || len(first) != 1 || !first[0].Created || first[0].ID == 0 {
		t.Fatalf("CreateCases = %+v, %v", first, err)
	}
	// The same entry delivered again, alone and in a batch with a new one.
	again, err := db.CreateCases(ctx, []store.NewCase{c, newCase(2, "police", caseT0)}, caseT0)
	if err != nil || len(again) != 2 || again[0].Created || again[0].ID != first[0].ID || !again[1].Created {
		t.Fatalf("redelivered: %+v, %v", again, err)
	}
	page, err := db.ListCases(ctx, store.CaseFilter{Desk: "police"})
	if err != nil || page.Total != 2 {
		t.Fatalf("ListCases: %+v, %v", page, err)
	}
	got, err := db.CaseByID(ctx, "police", first[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReceivedAt.Equal(caseT0.Add(time.Minute)) || got.Status != "new" || string(got.Content) != `{"n":1}` ||
		got.Kind != "tip" || got.Category != "trong-cay" || got.Area != "dong-hung" || got.Unread || !got.FirstResponseAt.IsZero() {
		t.Errorf("case = %+v", got)
	}
	ev, err := db.CaseEvents(ctx, "police", got.ID)
	if err != nil || len(ev) != 1 || ev[0].Type != store.EventReceived || !ev[0].At.Equal(got.ReceivedAt) {
		t.Errorf("events = %+v, %v", ev, err)
	}
	if _, err := db.CreateCases(ctx, []store.NewCase{{SubmissionID: "x"}}, caseT0); err == nil {
		t.Error("case without fields accepted")
	}
}

func TestCaseIsolationBetweenDesks(t *testing.T) { storetest.ForEach(t, testCaseIsolationBetweenDesks) }

func testCaseIsolationBetweenDesks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	res, err := db.CreateCases(ctx, []store.NewCase{newCase(1, "police", caseT0), newCase(1, "social-affairs", caseT0)}, caseT0)
	if err != nil {
		t.Fatal(err)
	}
	tip, enq := res[0].ID, res[1].ID
	if _, err := db.CaseByID(ctx, "police", enq); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("police reads the enquiry: %v", err)
	}
	if _, err := db.CaseEvents(ctx, "social-affairs", tip); err != nil {
		t.Errorf("events of another desk's case: %v", err)
	} else if ev, _ := db.CaseEvents(ctx, "social-affairs", tip); len(ev) != 0 {
		t.Errorf("social-affairs sees the tip's history: %+v", ev)
	}
	if err := db.MarkCaseRead(ctx, "social-affairs", tip); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkCaseRead across desks: %v", err)
	}
	_, err = db.UpdateCase(ctx, store.CaseChange{Desk: "social-affairs", CaseID: tip, Actor: "mai", At: caseT0,
		Type: store.EventNote, Body: []byte("x"), Audit: store.AuditEntry{At: caseT0, Actor: "mai", Action: "case.note"}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("note on another desk's case: %v", err)
	}
	if a, _ := db.ListAudit(ctx, 0, 10); len(a) != 0 {
		t.Errorf("a refused action was audited: %+v", a)
	}
	p, _ := db.ListCases(ctx, store.CaseFilter{Desk: "police"})
	if p.Total != 1 || p.Cases[0].ID != tip {
		t.Errorf("police inbox = %+v", p)
	}
}

func TestCaseActions(t *testing.T) { storetest.ForEach(t, testCaseActions) }

func testCaseActions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	res, err := db.CreateCases(ctx, []store.NewCase{newCase(1, "police", caseT0)}, caseT0)
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].ID
	audit := func(action string) store.AuditEntry {
		return store.AuditEntry{At: caseT0, Actor: "hung", Action: action, Target: fmt.Sprintf("hop-thu/%d", id)}
	}
	at := caseT0.Add(3 * time.Hour)
	change := func(c store.CaseChange) (store.CaseEvent, error) {
		c.Desk, c.CaseID, c.Actor, c.At = "police", id, "hung", at
		return db.UpdateCase(ctx, c)
	}
	if _, err := change(store.CaseChange{Type: store.EventAssign, Assignee: "hung", Audit: audit("case.assign")}); err != nil {
		t.Fatal(err)
	}
	if _, err := change(store.CaseChange{Type: store.EventNote, Body: []byte("ghi chú"), Audit: audit("case.note")}); err != nil {
		t.Fatal(err)
	}
	// Neither an assignment nor a note is a response to the submitter.
	if c, _ := db.CaseByID(ctx, "police", id); !c.FirstResponseAt.IsZero() || c.Assignee != "hung" {
		t.Errorf("after assign and note: %+v", c)
	}
	ev, err := change(store.CaseChange{Type: store.EventStatus, FromStatus: "new", Status: "verifying", Audit: audit("case.status")})
	if err != nil || ev.ID == 0 || ev.Status != "verifying" {
		t.Fatalf("status change: %+v, %v", ev, err)
	}
	c, _ := db.CaseByID(ctx, "police", id)
	if c.Status != "verifying" || !c.FirstResponseAt.Equal(at) {
		t.Errorf("after status change: %+v", c)
	}
	// A form opened before that change is stale.
	if _, err := change(store.CaseChange{Type: store.EventStatus, FromStatus: "new", Status: "closed", Outcome: "x"}); !errors.Is(err, store.ErrStaleStatus) {
		t.Errorf("stale change: %v", err)
	}
	if _, err := change(store.CaseChange{Type: store.EventMessageOut, Body: []byte("hỏi"), Audit: audit("case.message")}); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.CaseByID(ctx, "police", id); !c.FirstResponseAt.Equal(at) {
		t.Errorf("the first response moved: %v", c.FirstResponseAt)
	}
	// The submitter answers, twice with the same form nonce.
	in, err := db.AddSubmitterMessage(ctx, c.SubmissionID, []byte("trả lời"), "nonce-1", at.Add(95*time.Second), []byte("ảnh 1"), []byte("ảnh 2"))
	if err != nil || !in.At.Equal(at.Add(time.Minute)) {
		t.Fatalf("AddSubmitterMessage = %+v, %v", in, err)
	}
	if _, err := db.AddSubmitterMessage(ctx, c.SubmissionID, []byte("trả lời"), "nonce-1", at); !errors.Is(err, store.ErrDuplicateNonce) {
		t.Errorf("same nonce again: %v", err)
	}
	if _, err := db.AddSubmitterMessage(ctx, "no-such", []byte("x"), "", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("message without a case: %v", err)
	}
	if c, _ := db.CaseByID(ctx, "police", id); !c.Unread {
		t.Error("the answer did not mark the case unread")
	}
	if p, _ := db.ListCases(ctx, store.CaseFilter{Desk: "police", Unread: true}); p.Total != 1 {
		t.Errorf("unread filter: %+v", p)
	}
	if err := db.MarkCaseRead(ctx, "police", id); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkCaseRead(ctx, "police", id); err != nil {
		t.Errorf("MarkCaseRead twice: %v", err)
	}
	if p, _ := db.ListCases(ctx, store.CaseFilter{Desk: "police", Unread: true}); p.Total != 0 {
		t.Errorf("unread after reading: %+v", p)
	}
	if _, err := change(store.CaseChange{Type: store.EventStatus, FromStatus: "verifying", Status: "closed", Outcome: "da-xu-ly",
		Body: []byte("lý do"), Audit: audit("case.status")}); err != nil {
		t.Fatal(err)
	}
	all, err := db.CaseEvents(ctx, "police", id)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range all {
		types = append(types, e.Type)
	}
	want := "[received assign note status message_out message_in status]"
	if fmt.Sprint(types) != want {
		t.Errorf("history = %v, want %s", types, want)
	}
	last := all[len(all)-1]
	if last.Actor != "hung" || last.Status != "closed" || last.Outcome != "da-xu-ly" || string(last.Body) != "lý do" {
		t.Errorf("closing event = %+v", last)
	}
	if all[5].Actor != "" || string(all[5].Body) != "trả lời" || all[5].Photos != 2 {
		t.Errorf("submitter event = %+v", all[5])
	}
	for i, e := range all {
		if i != 5 && e.Photos != 0 {
			t.Errorf("event %d (%s) counts %d photos", i, e.Type, e.Photos)
		}
	}
	msgs, _ := db.CaseEvents(ctx, "police", id, store.EventMessageOut, store.EventMessageIn)
	if len(msgs) != 2 || msgs[0].Type != store.EventMessageOut {
		t.Errorf("messages only = %+v", msgs)
	}
	a, _ := db.ListAudit(ctx, 0, 10)
	if len(a) != 5 || a[0].Action != "case.status" || a[0].Target != fmt.Sprintf("hop-thu/%d", id) {
		t.Errorf("audit = %+v", a)
	}
}

func TestListCasesFilters(t *testing.T) { storetest.ForEach(t, testListCasesFilters) }

func testListCasesFilters(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var batch []store.NewCase
	for i := 0; i < 12; i++ {
		batch = append(batch, newCase(i, "police", caseT0.Add(time.Duration(i)*time.Hour)))
	}
	batch = append(batch, newCase(0, "social-affairs", caseT0))
	res, err := db.CreateCases(ctx, batch, caseT0)
	if err != nil {
		t.Fatal(err)
	}
	// Case 3 assigned to lan, cases 4 and 5 answered (verifying).
	if _, err := db.UpdateCase(ctx, store.CaseChange{Desk: "police", CaseID: res[3].ID, Actor: "x", At: caseT0, Type: store.EventAssign, Assignee: "lan"}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{4, 5} {
		if _, err := db.UpdateCase(ctx, store.CaseChange{Desk: "police", CaseID: res[i].ID, Actor: "x", At: caseT0, Type: store.EventStatus, Status: "verifying"}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(p store.CasePage) []int64 {
		var out []int64
		for _, c := range p.Cases {
			out = append(out, c.ID)
		}
		return out
	}
	idx := func(is ...int) []int64 {
		var out []int64
		for _, i := range is {
			out = append(out, res[i].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		f     store.CaseFilter
		want  []int64
		total int
	}{
		{"all, oldest first, page 1", store.CaseFilter{Limit: 3}, idx(0, 1, 2), 12},
		{"page 2", store.CaseFilter{Limit: 3, Offset: 3}, idx(3, 4, 5), 12},
		{"newest first", store.CaseFilter{Limit: 2, NewestFirst: true}, idx(11, 10), 12},
		{"status", store.CaseFilter{Status: "verifying"}, idx(4, 5), 2},
		{"category", store.CaseFilter{Category: "mua-ban", Limit: 2}, idx(0, 2), 6},
		{"area", store.CaseFilter{Area: "tien-hai"}, idx(2, 5, 8, 11), 4},
		{"received range", store.CaseFilter{ReceivedFrom: caseT0.Add(2 * time.Hour), ReceivedBefore: caseT0.Add(4 * time.Hour)}, idx(2, 3), 2},
		{"assignee", store.CaseFilter{Assignee: "lan"}, idx(3), 1},
		{"unassigned", store.CaseFilter{Unassigned: true, Limit: 4}, idx(0, 1, 2, 4), 11},
		// Overdue at 06:30 with a 4 h goal: received before 02:30 and
		// never answered.
		{"overdue", store.CaseFilter{AwaitingBefore: caseT0.Add(90 * time.Minute)}, idx(0, 1), 2},
		{"combined", store.CaseFilter{Status: "new", Area: "vu-thu", Category: "mua-ban"}, idx(0, 6), 2},
		{"nothing", store.CaseFilter{Area: "khong-co"}, nil, 0},
	} {
		tc.f.Desk = "police"
		p, err := db.ListCases(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if fmt.Sprint(ids(p)) != fmt.Sprint(tc.want) || p.Total != tc.total {
			t.Errorf("%s: ids %v total %d, want %v total %d", tc.name, ids(p), p.Total, tc.want, tc.total)
		}
	}
	// Counts per status ignore the status filter but keep the others.
	p, _ := db.ListCases(ctx, store.CaseFilter{Desk: "police", Status: "verifying", Area: "tien-hai"})
	if p.ByStatus["new"] != 3 || p.ByStatus["verifying"] != 1 || p.Total != 1 {
		t.Errorf("counts: %+v total %d", p.ByStatus, p.Total)
	}
	if _, err := db.ListCases(ctx, store.CaseFilter{}); err == nil {
		t.Error("a list without desk was answered")
	}
	var exported []string
	err = db.ExportCases(ctx, "police", caseT0.Add(10*time.Hour), caseT0.Add(24*time.Hour), func(c store.Case) error {
		exported = append(exported, string(c.Content))
		return nil
	})
	if err != nil || fmt.Sprint(exported) != `[{"n":10} {"n":11}]` {
		t.Errorf("export = %v, %v", exported, err)
	}
	stop := errors.New("stop")
	if err := db.ExportCases(ctx, "police", caseT0, caseT0.Add(24*time.Hour), func(store.Case) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("export error = %v", err)
	}
}

func TestDeskTokens(t *testing.T) { storetest.ForEach(t, testDeskTokens) }

func testDeskTokens(t *testing.T, db *store.DB) {
	ctx := context.Background()
	hash := []byte("0123456789abcdef0123456789abcdef")
	tok, err := db.CreateDeskToken(ctx, "he-thong-pc04", "police", hash, caseT0, store.AuditEntry{At: caseT0, Actor: "dòng lệnh", Action: "token.create", Target: "he-thong-pc04"})
	if err != nil || tok.ID == 0 {
		t.Fatalf("CreateDeskToken = %+v, %v", tok, err)
	}
	if _, err := db.CreateDeskToken(ctx, "he-thong-pc04", "police", []byte("other"), caseT0, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("same name twice: %v", err)
	}
	got, err := db.DeskTokenByHash(ctx, hash)
	if err != nil || got.Name != "he-thong-pc04" || got.Desk != "police" || !got.LastUsedAt.IsZero() {
		t.Fatalf("DeskTokenByHash = %+v, %v", got, err)
	}
	if err := db.TouchDeskToken(ctx, got.ID, caseT0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	list, _ := db.ListDeskTokens(ctx)
	if len(list) != 1 || !list[0].LastUsedAt.Equal(caseT0.Add(time.Minute)) {
		t.Errorf("list = %+v", list)
	}
	if err := db.RevokeDeskToken(ctx, "he-thong-pc04", caseT0, store.AuditEntry{At: caseT0, Actor: "dòng lệnh", Action: "token.revoke"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeskTokenByHash(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token still answers: %v", err)
	}
	if err := db.RevokeDeskToken(ctx, "he-thong-pc04", caseT0, store.AuditEntry{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	// The name is free again once revoked.
	if _, err := db.CreateDeskToken(ctx, "he-thong-pc04", "police", []byte("new-hash"), caseT0, store.AuditEntry{}); err != nil {
		t.Errorf("reuse of a revoked name: %v", err)
	}
	if a, _ := db.ListAudit(ctx, 0, 10); len(a) != 2 {
		t.Errorf("audit = %+v", a)
	}
}
