package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

// tenMBPhoto returns a 4032×3024 (12 MP, a phone's usual size) JPEG of
// noise, which compresses as badly as a detailed photo: about 9.9 MB at
// quality 75, just under the 10 MiB limit, with EXIF orientation o.
func tenMBPhoto(b *testing.B, o uint16) []byte {
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
	out := pt.InsertSegments(buf.Bytes(), pt.Segment(0xE1, append([]byte("Exif\x00\x00"), pt.PhoneExif(b, binary.LittleEndian, o, "B")...)))
	if len(out) < 9<<20 || len(out) > DefaultMaxBytes {
		b.Fatalf("fixture is %d bytes", len(out))
	}
	return out
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSanitise10MB measures one 10 MB, 12 MP phone photo through
// Sanitise, as stored (orientation 1) and as a phone held upright stores
// it (orientation 6, turned on the way). Reported: photos per second (wall
// clock), cpu-ms/photo (CPU time of the process per photo, which a loaded
// machine does not inflate as it does wall time), and heap-sys-MiB, the
// heap the process had to obtain from the OS by the end (its high-water
// mark: the Go runtime keeps what it obtained).
func BenchmarkSanitise10MB(b *testing.B) {
	for _, o := range []uint16{1, 6} {
		data := tenMBPhoto(b, o)
		name := "orientation-1"
		if o == 6 {
			name = "orientation-6"
		}
		b.Run(name, func(b *testing.B) {
			runtime.GC()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for b.Loop() {
				img, err := Sanitise(context.Background(), "IMG.jpg", data, Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if img.Width == 0 {
					b.Fatal("no image")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "photos/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/photo")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
		})
	}
}

// BenchmarkSanitise10MBParallel runs 10 MB photos (orientation 6) through
// Sanitise on every CPU at once: the throughput of the machine, and the
// heap when several decode together within the shared memory budget.
func BenchmarkSanitise10MBParallel(b *testing.B) {
	data := tenMBPhoto(b, 6)
	runtime.GC()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Sanitise(context.Background(), "IMG.jpg", data, Limits{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "photos/s")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
}
