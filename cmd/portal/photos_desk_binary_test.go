package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// photoTestRedisDB is the Redis database of the photo binary test on the
// shared server: its own, so that its key scan (every "portal:" key in it
// is the test's) never meets another test's keys. 3 and 9–14 are other
// tests' (13: wire_intake_test.go, which made a stray case here once).
const photoTestRedisDB = 15

// photoRedis returns the URL of the photo test's Redis database and a
// client of it, after deleting what an earlier run left there; the test
// is skipped when Redis does not answer.
func photoRedis(t *testing.T) (string, *redis.Client) {
	t.Helper()
	u, c, _ := ownRedisDB(t, photoTestRedisDB, "portal:*")
	return u, c
}

// metadataNeedles are byte strings of the metadata that phototest writes
// into a phone photo: the marker in every distinctive value (make, model,
// serial, maker note, XMP, IPTC, ICC name, comments, the thumbnail's
// comment), the date, the GPS latitude as EXIF stores it, and the file
// name a camera gives (it carries the time to the second).
func metadataNeedles() [][]byte {
	lat := binary.LittleEndian.AppendUint32(nil, pt.GPSLatitude[0])
	for _, v := range pt.GPSLatitude[1:] {
		lat = binary.LittleEndian.AppendUint32(lat, v)
	}
	return [][]byte{[]byte(pt.Marker), []byte("2026:11:20 21:34:55"), []byte("2026-11-20T21:34:55"), lat,
		[]byte("IMG_20261120_213455"), []byte("http://ns.adobe.com/xap/1.0/"), []byte("Exif\x00\x00")}
}

// findNeedles fails the test for every needle in b, naming where.
func findNeedles(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, n := range metadataNeedles() {
		if bytes.Contains(b, n) {
			t.Errorf("%s holds %q", where, n)
		}
	}
}

// redisValues returns every key of the test's database with its value, as
// bytes (streams entry by entry, field and value).
func redisValues(t *testing.T, c *redis.Client) []byte {
	ctx := context.Background()
	var out bytes.Buffer
	iter := c.Scan(ctx, 0, "*", 200).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		out.WriteString(k + "\n")
		switch c.Type(ctx, k).Val() {
		case "string":
			out.WriteString(c.Get(ctx, k).Val())
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				out.WriteString(f + "=" + v + "\n")
			}
		case "list":
			out.WriteString(strings.Join(c.LRange(ctx, k, 0, -1).Val(), "\n"))
		case "set":
			out.WriteString(strings.Join(c.SMembers(ctx, k).Val(), "\n"))
		case "zset":
			out.WriteString(strings.Join(c.ZRange(ctx, k, 0, -1).Val(), "\n"))
		case "stream":
			for _, m := range c.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					fmt.Fprintf(&out, "%s=%v\n", f, v)
				}
			}
		}
	}
	return out.Bytes()
}

// postTipForm sends the tip form with files as a browser does (multipart,
// the page's hidden fields) and returns the answer.
func postTipForm(t *testing.T, w *deskClient, description string, files map[string][]byte, order []string) (*http.Response, string) {
	t.Helper()
	w.get("/tin-bao")
	v := w.formValues(`form[action="/tin-bao"]`)
	v.Set("category", "trong-cay")
	v.Set("area", "vu-thu")
	v.Set("description", description)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, x := range vs {
			mw.WriteField(k, x)
		}
	}
	for _, name := range order {
		f, _ := mw.CreateFormFile("attachments", name)
		f.Write(files[name])
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, w.base+"/tin-bao", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", w.base)
	req.Header.Set("Referer", w.base+"/tin-bao")
	return w.do(req)
}

// TestBinaryPhotosReachTheDesk runs the real binary with Redis, on SQLite
// and on PostgreSQL: photos made in the test with GPS, make, model,
// serial, date, XMP, IPTC, ICC and an embedded thumbnail are sent with a
// tip through the form; each refusal (a text file named .jpg, a
// 20,000 × 20,000 PNG of a few KB, a JPEG with a ZIP appended, a sixth
// photo, an 11 MB photo) is a 422 or 413 with the typed text on the form
// and nothing stored; the desk gets the case with its photos through the
// API and the case page, at the size and orientation of the picture, as
// downloads served to that desk only; and a byte search of the photos, of
// every file of the data dir (WAL included), of the tables and of the
// test's Redis database finds none of the metadata.
func TestBinaryPhotosReachTheDesk(t *testing.T) {
	redisURL, rc := photoRedis(t)
	for _, eng := range storetest.Engines {
		t.Run(eng, func(t *testing.T) {
			dataDir := t.TempDir()
			env := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=" + redisURL, "PORTAL_SECRET=photo-binary-test-secret-0123456789",
				"PORTAL_LIMIT_TIPS=1000/h", "PORTAL_LIMIT_STATUS=1000/h", "PORTAL_LIMIT_MESSAGES=1000/h"}
			var dbURL string
			if eng == "postgres" {
				dbURL = storetest.PostgresURL(t)
				env = append(env, "DATABASE_URL="+dbURL)
			}
			testBinaryPhotos(t, env, dataDir, dbURL, rc)
		})
	}
}

func testBinaryPhotos(t *testing.T, env []string, dataDir, dbURL string, rc *redis.Client) {
	runPortalOK(t, env, deskTestPassword+"\n", "user", "add", "--username", "hung", "--role", "police", "--password-stdin")
	runPortalOK(t, env, deskTestPassword+"\n", "user", "add", "--username", "mai", "--role", "social-affairs", "--password-stdin")
	policeToken, _ := runPortalOK(t, env, "", "token", "create", "--role", "police", "--name", "he-thong-pc04")
	socialToken, _ := runPortalOK(t, env, "", "token", "create", "--role", "social-affairs", "--name", "he-thong-xh")
	policeToken, socialToken = strings.TrimSpace(policeToken), strings.TrimSpace(socialToken)
	p := startPortal(t, env...) // stopped at the end, then the disk searched again

	jpg := pt.PhoneJPEG(t, 320, 240, 6)
	// The search can fail: every needle but the file name is in the photo
	// as sent.
	for _, n := range metadataNeedles() {
		if !bytes.Contains(jpg, n) && !bytes.HasPrefix(n, []byte("IMG_")) {
			t.Fatalf("the test photo lacks %q", n)
		}
	}
	typed := "Ruộng anh túc sau nhà văn hóa thôn, ảnh chụp tối qua."
	// Refusals: each a clear 422 or 413 naming the file, the text kept.
	for _, r := range []struct {
		what   string
		files  map[string][]byte
		order  []string
		status int
		msg    string
	}{
		{"text named .jpg", map[string][]byte{"ghi-chu.jpg": []byte("đây là chữ, không phải ảnh")}, []string{"ghi-chu.jpg"}, 422, "“ghi-chu.jpg”"},
		{"20000×20000 PNG", map[string][]byte{"bom.png": pt.SmallBomb(t, 20000, 20000)}, []string{"bom.png"}, 422, "“bom.png”"},
		{"JPEG with a ZIP", map[string][]byte{"zip.jpg": append(append([]byte{}, jpg...), "PK\x03\x04\x14\x00\x00\x00danh-sach.txt"...)}, []string{"zip.jpg"}, 422, "“zip.jpg”"},
		{"sixth photo", map[string][]byte{"1.jpg": jpg, "2.jpg": jpg, "3.jpg": jpg, "4.jpg": jpg, "5.jpg": jpg, "6.jpg": jpg},
			[]string{"1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg", "6.jpg"}, 422, "“6.jpg”"},
		{"11 MB photo", map[string][]byte{"lon.jpg": pt.Padded(jpg, 11<<20)}, []string{"lon.jpg"}, 413, "“lon.jpg”"},
	} {
		w := newDeskClient(t, p.URL)
		resp, _ := postTipForm(t, w, typed, r.files, r.order)
		errs := w.last.Find("#attachments-error").Text()
		if resp.StatusCode != r.status || !strings.Contains(errs, r.msg) || w.last.Find("#f-description").Text() != typed {
			t.Errorf("%s: %d %q, description %q", r.what, resp.StatusCode, errs, w.last.Find("#f-description").Text())
		}
	}

	sender := newDeskClient(t, p.URL)
	resp, body := postTipForm(t, sender, typed, map[string][]byte{
		"IMG_20261120_213455.jpg": jpg, "Screenshot.png": pt.PhonePNG(t, 90, 160, 1), "a.webp": pt.PhoneWebP(t, 30, 20, 1)},
		[]string{"IMG_20261120_213455.jpg", "Screenshot.png", "a.webp"})
	receipt := receiptPattern.FindString(body)
	if resp.StatusCode != 200 || receipt == "" {
		t.Fatalf("tip with photos: %d %s", resp.StatusCode, sender.last.Find(".error").Text())
	}

	// One case only (nothing of the refusals), with three photos.
	var caseID float64
	waitFor(t, 60*time.Second, "the case", func() bool {
		_, m := apiJSON(t, "GET", p.URL+"/api/v1/desk/cases", policeToken, "")
		if m["total"] != float64(1) {
			return false
		}
		var ok bool
		caseID, ok = firstCaseID(t, m)
		return ok
	})
	st, m := apiJSON(t, "GET", fmt.Sprintf("%s/api/v1/desk/cases/%.0f", p.URL, caseID), policeToken, "")
	atts, _ := m["attachments"].([]any)
	if st != 200 || len(atts) != 3 {
		t.Fatalf("case: %d %v\nRedis: %s\n%s", st, m, redisValues(t, rc), p.Logs())
	}
	want := [][2]int{{240, 320}, {90, 160}, {30, 20}}
	var received [][]byte
	for i, a := range atts {
		u := a.(map[string]any)["url"].(string)
		get := func(token string) (*http.Response, []byte) {
			req, _ := http.NewRequest(http.MethodGet, p.URL+u, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}
		resp, b := get(policeToken)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("photo %d: %d %v", i, resp.StatusCode, resp.Header)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != want[i][0] || cfg.Height != want[i][1] {
			t.Errorf("photo %d: %d×%d (%v), want %v", i, cfg.Width, cfg.Height, err, want[i])
		}
		findNeedles(t, fmt.Sprintf("photo %d as the desk receives it", i), b)
		received = append(received, b)
		if resp, _ := get(socialToken); resp.StatusCode != 404 {
			t.Errorf("photo %d to another desk: %d", i, resp.StatusCode)
		}
		if resp, _ := get(""); resp.StatusCode != 401 {
			t.Errorf("photo %d without a token: %d", i, resp.StatusCode)
		}
	}
	// The orientation: the stored bottom-left quadrant (blue) is now at
	// the top left.
	img, _ := jpeg.Decode(bytes.NewReader(received[0]))
	if r, g, b, _ := img.At(60, 80).RGBA(); b>>8 < 200 || r>>8 > 60 || g>>8 > 60 {
		t.Errorf("orientation not applied: top left is %d,%d,%d", r>>8, g>>8, b>>8)
	}

	// The case page shows them to the police staff.
	police := newDeskClient(t, p.URL)
	police.login("hung", deskTestPassword)
	_, _ = police.get(fmt.Sprintf("/quan-tri/hop-thu/%.0f", caseID))
	if n := police.last.Find("ul.photos img").Length(); n != 3 {
		t.Errorf("case page shows %d photos", n)
	}

	// A follow-up through the receipt, with a photo.
	sender.get("/tra-cuu")
	sender.post("/tra-cuu", url.Values{"receipt": {receipt}})
	v := sender.formValues(`form[action="/tra-cuu/tin-nhan"]`)
	v.Set("body", "Thêm một ảnh chụp lối vào ruộng.")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, x := range vs {
			mw.WriteField(k, x)
		}
	}
	f, _ := mw.CreateFormFile("attachments", "IMG_20261120_213455.jpg")
	f.Write(pt.PhoneJPEG(t, 64, 48, 3))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/tra-cuu/tin-nhan", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", p.URL)
	req.Header.Set("Referer", p.URL+"/tra-cuu")
	if resp, _ := sender.do(req); resp.StatusCode != 200 {
		t.Errorf("reply with a photo: %d %s", resp.StatusCode, sender.last.Find(".error").Text())
	}
	if _, m := apiJSON(t, "GET", fmt.Sprintf("%s/api/v1/desk/cases/%.0f", p.URL, caseID), policeToken, ""); len(m["attachments"].([]any)) != 4 {
		t.Errorf("after the reply: %v", m["attachments"])
	}

	// Everything on disk, in the tables and in Redis: none of the metadata.
	checkNoMetadataStored(t, dataDir, dbURL, rc)
	p.stop(t)
	checkNoMetadataStored(t, dataDir, "", nil)
}

// checkNoMetadataStored searches every file under dataDir (the SQLite
// database, its WAL, the local queue, the search index), the photo and
// content tables of the PostgreSQL database at dbURL when set, and every
// key and value of the Redis database of rc when set.
func checkNoMetadataStored(t *testing.T, dataDir, dbURL string, rc *redis.Client) {
	t.Helper()
	files := 0
	filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			return nil
		}
		files++
		findNeedles(t, p, b)
		return nil
	})
	if files == 0 {
		t.Error("the data dir holds no file")
	}
	if rc != nil {
		vals := redisValues(t, rc)
		if len(vals) == 0 {
			t.Error("the test's Redis database is empty: nothing was searched")
		}
		findNeedles(t, "Redis", vals)
	}
	if dbURL != "" {
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{`SELECT content FROM case_attachments`, `SELECT data FROM outbox_attachments`,
			`SELECT content FROM case_contents`, `SELECT coalesce(body, '') FROM case_events`, `SELECT data FROM intake_outbox`} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for rows.Next() {
				var b []byte
				rows.Scan(&b)
				findNeedles(t, q, b)
			}
			rows.Close()
		}
	}
}
