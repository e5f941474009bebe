package handlers

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"syscall"
	"testing"
	"time"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

// benchPhoto10MB is a 4032×3024 (12 MP) JPEG of noise at quality 75 with
// a phone's EXIF (orientation 6): about 9.9 MB, just under the limit, the
// worst case of a phone photo for the codec (as photo.BenchmarkSanitise10MB).
func benchPhoto10MB(b *testing.B) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, 4032, 3024), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Y {
		img.Y[i] = uint8(r.IntN(256))
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}); err != nil {
		b.Fatal(err)
	}
	return pt.InsertSegments(buf.Bytes(), pt.Segment(0xE1, append([]byte("Exif\x00\x00"), pt.PhoneExif(b, binary.LittleEndian, 6, "B")...)))
}

func benchCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTipWith10MBPhoto measures the whole way of one 10 MB phone
// photo (issue 16, phase 2): POST /api/v1/tips as multipart (parsed in
// memory, checked, decoded, turned, re-encoded), the commit of the tip and
// its photo to the outbox (SQLite, synchronous=FULL), the forwarder's
// queue entry (a reference), and the desk's consumer sealing the photo
// (desk.Sealer) and storing it with the case. Reported: photos/s (wall
// clock), cpu-ms/photo, and heap-sys-MiB, the heap obtained from the OS
// by the end (its high-water mark); run it under /usr/bin/time -v for the
// peak RSS of the process.
func BenchmarkTipWith10MBPhoto(b *testing.B) {
	e := newDeskEnv(b)
	data := benchPhoto10MB(b)
	fields := url.Values{"category": {"trong-cay"}, "area": {"vu-thu"}, "description": {"Ruộng anh túc sau nhà văn hóa thôn, ảnh chụp tối qua."}}
	ct, body := multipartBody(b, fields, []file{{"IMG_20261120_213455.jpg", data}})
	post := func() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/tips", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if resp, out := e.browser().do(req); resp.StatusCode != http.StatusAccepted {
			b.Fatalf("tip: %d %s", resp.StatusCode, out)
		}
	}
	post() // warm up: templates, the database, the consumer group
	e.deliver(b)
	runtime.GC()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchCPU()
	for b.Loop() {
		post()
		e.deliver(b)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "photos/s")
	b.ReportMetric(float64((benchCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/photo")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
}
