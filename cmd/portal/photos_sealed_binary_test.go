package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"image/jpeg"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// sealedPhotoRedisDB is the Redis database of TestBinarySealedPhotosAtRest
// on the shared server: its own (3 and 9–15 are other tests'), so that its
// key scan and clean-up meet no other test's keys.
const sealedPhotoRedisDB = 8

// sealedPhotoPorts are the listen ports of the test's portals, one per
// engine (the helpers' range 19100–19199).
var sealedPhotoPorts = map[string]int{"sqlite": 19111, "postgres": 19112}

// window is the length of the runs of the photo's bytes searched for.
const window = 64

// jpegWindows returns every window-byte run of b, as map keys.
func jpegWindows(b []byte) map[string]bool {
	w := make(map[string]bool, len(b))
	for i := 0; i+window <= len(b); i++ {
		w[string(b[i:i+window])] = true
	}
	return w
}

// holdsWindow reports the first offset of hay at which a run of wins
// starts, or -1.
func holdsWindow(hay []byte, wins map[string]bool) int {
	for i := 0; i+window <= len(hay); i++ {
		if wins[string(hay[i:i+window])] {
			return i
		}
	}
	return -1
}

// snapshotDir returns the bytes of every file under dir, by path.
func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			return nil
		}
		out[p] = b
		return nil
	})
	if len(out) == 0 {
		t.Fatalf("%s holds no file", dir)
	}
	return out
}

// TestBinarySealedPhotosAtRest (issue 11 × issue 16) runs the real binary
// with Redis, on SQLite and on PostgreSQL, after `portal desk init`: a tip
// with a photo made in the test waits in the outbox while no desk
// consumer runs; what outbox_attachments holds then is an age file, and
// neither it nor any file of the data dir (database, WAL, queue, index;
// while the portal runs and after it stopped) nor, once the desk took the
// case, case_attachments, PostgreSQL's tables and the test's Redis
// database, holds any 64-byte run of the sanitised JPEG that the desk
// downloads. The signed-in member and the desk's API token both download
// it, and it decodes at the size sent.
func TestBinarySealedPhotosAtRest(t *testing.T) {
	redisURL, rc, clean := ownRedisDB(t, sealedPhotoRedisDB, "portal:*")
	for _, eng := range storetest.Engines {
		t.Run(eng, func(t *testing.T) {
			clean()
			dataDir := t.TempDir()
			env := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=" + redisURL, "PORTAL_SECRET=sealed-photo-test-secret-0123456789",
				fmt.Sprintf("PORTAL_ADDR=127.0.0.1:%d", sealedPhotoPorts[eng]), "PORTAL_LIMIT_TIPS=1000/h"}
			var dbURL string
			if eng == "postgres" {
				dbURL = storetest.PostgresURL(t)
				env = append(env, "DATABASE_URL="+dbURL)
			}
			testSealedPhotosAtRest(t, env, dataDir, dbURL, rc)
		})
	}
}

func testSealedPhotosAtRest(t *testing.T, env []string, dataDir, dbURL string, rc *redis.Client) {
	runPortalOK(t, env, deskTestPassword+"\n", "user", "add", "--username", "hung", "--role", "police", "--password-stdin")
	rec, _ := runPortalOK(t, env, "", "desk", "init", "--role", "police")
	rec = strings.TrimSpace(rec)
	p := startPortal(t, env...)
	newDeskClient(t, p.URL).login("hung", deskTestPassword) // makes the member's own key pair
	p.stop(t)
	runPortalOK(t, env, rec+"\n", "desk", "grant", "--role", "police", "--username", "hung", "--recovery-key-stdin")
	token, _ := runPortalOK(t, env, rec+"\n", "token", "create", "--role", "police", "--name", "he-thong-pc04", "--recovery-key-stdin")
	token = strings.TrimSpace(token)

	// No desk consumer: the tip and its photo wait in the outbox.
	p = startPortal(t, append(env, "PORTAL_DESK_CONSUMER=off")...)
	sender := newDeskClient(t, p.URL)
	resp, body := postTipForm(t, sender, "Ruộng anh túc sau nhà văn hóa thôn, ảnh kèm theo.",
		map[string][]byte{"IMG_20261120_213455.jpg": pt.PhoneJPEG(t, 320, 240, 1)}, []string{"IMG_20261120_213455.jpg"})
	if resp.StatusCode != 200 || receiptPattern.FindString(body) == "" {
		t.Fatalf("tip with a photo: %d %s", resp.StatusCode, sender.last.Find(".error").Text())
	}
	// A fresh connection each time: a read-only SQLite one kept across
	// the portal's restart does not see what the new process wrote.
	openDB := func() *sql.DB {
		t.Helper()
		var db *sql.DB
		var err error
		if dbURL != "" {
			db, err = sql.Open("pgx", dbURL)
		} else {
			db, err = sql.Open("sqlite", "file:"+filepath.Join(dataDir, "portal.db")+"?mode=ro&_pragma=busy_timeout(10000)")
		}
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := openDB()
	var waiting [][]byte
	rows, err := db.Query(`SELECT data FROM outbox_attachments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		waiting = append(waiting, b)
	}
	rows.Close()
	db.Close()
	if len(waiting) != 1 || !seal.IsSealed(waiting[0]) {
		t.Fatalf("outbox_attachments holds %d photos; the first sealed: %v", len(waiting), len(waiting) > 0 && seal.IsSealed(waiting[0]))
	}
	running := snapshotDir(t, dataDir)
	p.stop(t)
	stopped := snapshotDir(t, dataDir)

	// The desk takes the case; its API token and its signed-in member
	// download the photo.
	p = startPortal(t, env...)
	var caseID float64
	waitFor(t, 60*time.Second, "the case", func() bool {
		_, m := apiJSON(t, "GET", p.URL+"/api/v1/desk/cases", token, "")
		if m["total"] != float64(1) {
			return false
		}
		var ok bool
		caseID, ok = firstCaseID(t, m)
		return ok
	})
	st, m := apiJSON(t, "GET", fmt.Sprintf("%s/api/v1/desk/cases/%.0f", p.URL, caseID), token, "")
	atts, _ := m["attachments"].([]any)
	if st != 200 || len(atts) != 1 {
		t.Fatalf("case: %d %v", st, m)
	}
	req, _ := http.NewRequest(http.MethodGet, p.URL+atts[0].(map[string]any)["url"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	byToken, _ := io.ReadAll(tr.Body)
	tr.Body.Close()
	police := newDeskClient(t, p.URL)
	police.login("hung", deskTestPassword)
	police.get(fmt.Sprintf("/quan-tri/hop-thu/%.0f", caseID))
	src, ok := police.last.Find("ul.photos img").Attr("src")
	if !ok {
		t.Fatalf("the case page shows no photo")
	}
	mr, s := police.get(src)
	byMember := []byte(s)
	for who, got := range map[string][]byte{"token": byToken, "member": byMember} {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(got))
		if err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Errorf("photo downloaded by the %s: %d×%d, %v (HTTP %d/%d)", who, cfg.Width, cfg.Height, err, tr.StatusCode, mr.StatusCode)
		}
	}
	if !bytes.Equal(byToken, byMember) || len(byToken) < 1024 {
		t.Fatalf("token and member got %d and %d bytes", len(byToken), len(byMember))
	}

	// No 64-byte run of the JPEG the desk reads is anywhere at rest.
	wins := jpegWindows(byToken)
	if holdsWindow(byMember, wins) != 0 {
		t.Fatal("the search does not find the photo in itself")
	}
	look := func(where string, b []byte) {
		t.Helper()
		if i := holdsWindow(b, wins); i >= 0 {
			t.Errorf("%s holds the photo's bytes at %d", where, i)
		}
	}
	look("outbox_attachments", waiting[0])
	for name, snap := range map[string]map[string][]byte{"running": running, "stopped": stopped, "after the case": snapshotDir(t, dataDir)} {
		for path, b := range snap {
			look(name+": "+path, b)
		}
	}
	db = openDB()
	defer db.Close()
	var stored []byte
	if err := db.QueryRow(`SELECT content FROM case_attachments`).Scan(&stored); err != nil || !bytes.Equal(stored, waiting[0]) {
		t.Errorf("case_attachments does not hold the outbox's sealed photo unchanged (%v)", err)
	}
	if dbURL != "" {
		for _, q := range []string{`SELECT content FROM case_attachments`, `SELECT data FROM outbox_attachments`,
			`SELECT content FROM case_contents`, `SELECT data FROM intake_outbox`} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for rows.Next() {
				var b []byte
				rows.Scan(&b)
				look(q, b)
			}
			rows.Close()
		}
	}
	look("Redis", redisValues(t, rc))
	p.stop(t)
	for path, b := range snapshotDir(t, dataDir) {
		look("after stop: "+path, b)
	}
}
