package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

// TestBinaryPhotoUploads runs the real binary: an upload over the photo
// routes' limit is answered with the Vietnamese 413 that the client, still
// sending, reads (serve closes such connections lingeringly, not with a
// reset); a JPEG with a ZIP appended sent to the multipart API is refused
// with 422 naming it; valid photos are accepted (202 and a receipt).
func TestBinaryPhotoUploads(t *testing.T) {
	p := startPortal(t, "PORTAL_DATA_DIR="+t.TempDir())
	defer p.stop(t)

	req, _ := http.NewRequest(http.MethodPost, p.URL+"/tin-bao", bytes.NewReader(bytes.Repeat([]byte("x"), 60<<20)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("oversized upload: %v (a reset instead of the answer?)", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), "Tin báo chưa được gửi vì dữ liệu gửi lên quá lớn") {
		t.Errorf("oversized upload: %d %.300s", resp.StatusCode, body)
	}

	post := func(name string, data []byte) (int, map[string]any) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("category", "mua-ban")
		w.WriteField("area", "khac")
		w.WriteField("description", "Có người bán ma túy ở đầu ngõ mỗi tối, đi xe máy.")
		f, _ := w.CreateFormFile("attachments", name)
		f.Write(data)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/v1/tips", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	jpg := pt.PhoneJPEG(t, 64, 48, 6)
	status, m := post("anh.jpg", append(append([]byte{}, jpg...), "PK\x03\x04"...))
	if errs, _ := m["errors"].(map[string]any); status != 422 || !strings.Contains(errs["attachments"].(string), "Ảnh “anh.jpg” có dữ liệu khác gắn kèm") {
		t.Errorf("JPEG with a ZIP: %d %v", status, m)
	}
	if status, m = post("anh.jpg", jpg); status != 202 || m["receipt"] == nil {
		t.Errorf("valid photo: %d %v", status, m)
	}
}
