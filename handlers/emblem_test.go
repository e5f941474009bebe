package handlers

import (
	"html/template"
	"strings"
	"testing"

	"github.com/thaibinh-pcmt/portal/static"
)

// TestEmblemMarkup: an SVG emblem is written into the page (no image
// document for the browser to build), hidden from assistive technology, with
// no absolute URL; a PNG stays an <img> with its size; an unknown asset is an
// error, as for "asset".
func TestEmblemMarkup(t *testing.T) {
	emblem := funcs["emblem"].(func(string, int) (template.HTML, error))
	svg, err := emblem("emblem.svg", 36)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.HasPrefix(s, `<span class="emblem" aria-hidden="true"><svg `) || !strings.HasSuffix(s, `</svg></span>`) ||
		strings.Contains(s, "http://") || strings.Contains(s, "<?xml") {
		t.Errorf("emblem.svg: %s", s)
	}
	png, err := emblem("icon-192.png", 36)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<img class="emblem" src="` + static.URL("icon-192.png") + `" alt="" width="36" height="36">`; string(png) != want {
		t.Errorf("icon-192.png: %s, want %s", png, want)
	}
	if _, err := emblem("nothing.svg", 36); err == nil {
		t.Error("an unknown asset gave no error")
	}
}
