package press

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
)

// TestProcessCoverTooLargeStatesTheRule: the refusal of an image that is
// too large says the real rules (40 million pixels in all, 12.000 on a
// side), whichever of them the image breaks.
func TestProcessCoverTooLargeStatesTheRule(t *testing.T) {
	for _, c := range []struct {
		w, h uint32
		dims string
	}{
		{7000, 7000, "7.000×7.000"},     // 49 MP, each side within 12.000
		{13000, 100, "13.000×100"},      // 1,3 MP, one side too long
		{50000, 50000, "50.000×50.000"}, // both
	} {
		_, _, err := ProcessCover(pngClaiming(t, c.w, c.h))
		var fe formerr.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("%s: err = %v, want a cover field error", c.dims, err)
		}
		want := "Ảnh bìa quá lớn (" + c.dims + " điểm ảnh). Ảnh bìa được có tối đa 40 triệu điểm ảnh (ví dụ 8.000×5.000) và mỗi chiều không quá 12.000 điểm ảnh; vui lòng thu nhỏ ảnh rồi tải lên lại."
		if fe["cover"] != want {
			t.Errorf("%s:\n got %q\nwant %q", c.dims, fe["cover"], want)
		}
	}
	if got := coverTooLarge(1, 2); !strings.Contains(got, "(1×2 điểm ảnh)") {
		t.Errorf("coverTooLarge(1, 2) = %q", got)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1.000", 12000: "12.000", 1234567: "1.234.567"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCoverNameMustNameAStoredFile: a cover_name of the right shape that
// names no stored file (a tampered form, or an upload cleaned away) is
// refused with a message on the cover field; a stored one is accepted; an
// edit that keeps the current cover is not re-checked.
func TestCoverNameMustNameAStoredFile(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	p := Principal{Username: "lan", Role: RolePress}
	in := CampaignInput{Title: "Ra quân", BodyMD: "Nội dung.", Status: "draft", Cover: strings.Repeat("ab", 16) + ".jpg"}
	_, err := o.CreateCampaign(ctx, p, in)
	var fe formerr.FieldErrors
	if !errors.As(err, &fe) || fe["cover"] != "Không tìm thấy ảnh bìa đã tải lên (có thể đã quá một ngày). Vui lòng chọn và tải ảnh lên lại." {
		t.Fatalf("missing cover file: err = %v", err)
	}
	if list, _ := o.Campaigns(ctx); len(list) != 0 {
		t.Fatalf("a refused campaign was saved")
	}
	name, err := o.SaveCover(ctx, bytes.NewReader(jpegWithExif(t, 40, 30)))
	if err != nil {
		t.Fatal(err)
	}
	in.Cover = name
	c, err := o.CreateCampaign(ctx, p, in)
	if err != nil || c.Cover != name {
		t.Fatalf("stored cover: %+v, %v", c, err)
	}
	// The image goes away; saving the campaign with its current cover
	// still works (the form re-sends the name it shows).
	if _, err := o.db.SQL().Exec(`DELETE FROM media WHERE name = ?`, name); err != nil {
		t.Fatal(err)
	}
	in.Version, in.Title = c.Version, "Ra quân toàn tỉnh"
	if _, err := o.UpdateCampaign(ctx, p, c.ID, in); err != nil {
		t.Fatalf("edit keeping the current cover: %v", err)
	}
}

// TestSchedulerCleansOrphanMedia: the scheduler's first pass deletes
// stored images that no campaign names and that are older than a day, and
// keeps covers, images named in a body and recent uploads.
func TestSchedulerCleansOrphanMedia(t *testing.T) {
	ctx := context.Background()
	o, clk := newTestOffice(t, Config{})
	p := Principal{Username: "lan", Role: RolePress}
	upload := func() string {
		t.Helper()
		name, err := o.SaveCover(ctx, bytes.NewReader(jpegWithExif(t, 20, 20)))
		if err != nil {
			t.Fatal(err)
		}
		return name
	}
	cover, inBody, orphanOld, orphanNew, replaced := upload(), upload(), upload(), upload(), upload()
	if _, err := o.CreateCampaign(ctx, p, CampaignInput{Title: "Có ảnh bìa", BodyMD: "Nội dung.", Status: "published", Cover: cover}); err != nil {
		t.Fatal(err)
	}
	c2, err := o.CreateCampaign(ctx, p, CampaignInput{Title: "Ảnh trong bài", BodyMD: "Xem ![áp phích](/media/" + inBody + ").", Status: "draft", Cover: replaced})
	if err != nil {
		t.Fatal(err)
	}
	// The second campaign's cover is removed: its image becomes an orphan.
	if _, err := o.UpdateCampaign(ctx, p, c2.ID, CampaignInput{Title: c2.Title, BodyMD: c2.BodyMD, Status: "draft", RemoveCover: true, Version: c2.Version}); err != nil {
		t.Fatal(err)
	}
	old := clk.Now().Add(-OrphanMediaAge - time.Minute)
	recent := clk.Now().Add(-OrphanMediaAge + time.Hour)
	for name, at := range map[string]time.Time{cover: old, inBody: old, orphanOld: old, orphanNew: recent, replaced: old} {
		if _, err := o.db.SQL().Exec(`UPDATE media SET created_at = ? WHERE name = ?`, at.Unix(), name); err != nil {
			t.Fatal(err)
		}
	}

	ticks := make(chan time.Time)
	passes := make(chan struct{})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go o.RunScheduler(runCtx, ticks, func(int, error) { passes <- struct{}{} })
	<-passes

	exists := func(name string) bool {
		_, _, err := o.Media(ctx, name)
		return err == nil
	}
	for name, want := range map[string]bool{cover: true, inBody: true, orphanNew: true, orphanOld: false, replaced: false} {
		if exists(name) != want {
			t.Errorf("%s: exists %v, want %v", name, !want, want)
		}
	}
	// A day later the recent orphan has aged too; the next clean-up (an
	// hour after the last, by the Office's clock) deletes it.
	clk.Add(25 * time.Hour)
	ticks <- clk.Now()
	<-passes
	if exists(orphanNew) || !exists(cover) || !exists(inBody) {
		t.Errorf("second pass: orphan kept %v, cover kept %v, body image kept %v", exists(orphanNew), exists(cover), exists(inBody))
	}
	if n, err := o.CleanMedia(ctx); err != nil || n != 0 {
		t.Errorf("CleanMedia after the passes = %d, %v; want nothing left to delete", n, err)
	}
}

// TestImportMediaDir: cover files an earlier version wrote into
// DATA_DIR/media move into the database (same bytes, served by Media) and
// leave the disk; files we did not write stay; a second run finds nothing.
func TestImportMediaDir(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	dir := filepath.Join(t.TempDir(), "media")
	os.MkdirAll(dir, 0o755)
	jpg, _, err := ProcessCover(jpegWithExif(t, 30, 20))
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("0f", 16) + ".jpg"
	mtime := t0.Add(-72 * time.Hour)
	os.WriteFile(filepath.Join(dir, name), jpg, 0o644)
	os.Chtimes(filepath.Join(dir, name), mtime, mtime)
	os.WriteFile(filepath.Join(dir, ".upload-1"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "ghi-chu.txt"), []byte("x"), 0o644)
	n, err := o.ImportMediaDir(ctx, dir)
	if err != nil || n != 1 {
		t.Fatalf("imported %d, %v", n, err)
	}
	data, ct, err := o.Media(ctx, name)
	if err != nil || ct != "image/jpeg" || !bytes.Equal(data, jpg) {
		t.Fatalf("served %d bytes %q %v", len(data), ct, err)
	}
	for f, want := range map[string]bool{name: false, ".upload-1": false, "ghi-chu.txt": true} {
		if _, err := os.Stat(filepath.Join(dir, f)); (err == nil) != want {
			t.Errorf("%s on disk: %v, want %v", f, err == nil, want)
		}
	}
	if n, err := o.ImportMediaDir(ctx, dir); err != nil || n != 0 {
		t.Fatalf("second import %d, %v", n, err)
	}
	os.Remove(filepath.Join(dir, "ghi-chu.txt"))
	if _, err := o.ImportMediaDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("empty media dir left behind")
	}
	// The imported image keeps its age: an orphan for three days, the
	// cleanup deletes it.
	if n, err := o.CleanMedia(ctx); err != nil || n != 1 {
		t.Errorf("cleanup of the imported orphan: %d %v", n, err)
	}
}
