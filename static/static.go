// Package static holds the portal's CSS, JavaScript and images, embedded in
// the binary and served under content-hashed names ("app.3f2a9c1e.css") so
// that browsers may cache them for a year: a changed file gets a new name.
// Nothing here is fetched from a third party.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"sort"
	"strings"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
)

//go:embed assets
var assets embed.FS

// Asset is one embedded file.
type Asset struct {
	Name        string // original name, e.g. "app.css"
	HashedName  string // e.g. "app.3f2a9c1e.css"
	ContentType string
	Body        []byte
}

// minifier and minifiers minify the embedded CSS and JavaScript once, at
// start (github.com/tdewolff/minify).
var (
	minifier  = minify.New()
	minifiers = map[string]minify.MinifierFunc{".css": css.Minify, ".js": js.Minify}
)

var (
	byName   = map[string]*Asset{}
	byHashed = map[string]*Asset{}
)

func init() {
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		ext := path.Ext(name)
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		// CSS and JavaScript are served minified (comments and spaces
		// out: a fifth of the bytes on a phone), read as they are written.
		if m, ok := minifiers[ext]; ok {
			var out bytes.Buffer
			if err := m(minifier, &out, bytes.NewReader(body), nil); err != nil {
				return fmt.Errorf("minify %s: %w", name, err)
			}
			body = out.Bytes()
		}
		sum := sha256.Sum256(body)
		a := &Asset{
			Name:        name,
			HashedName:  strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext,
			ContentType: ct,
			Body:        body,
		}
		byName[name] = a
		byHashed[a.HashedName] = a
		return nil
	})
	if err != nil {
		panic("static: reading embedded assets: " + err.Error())
	}
}

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// URL returns the content-hashed URL of the asset called name, e.g.
// URL("app.css") == "/static/app.3f2a9c1e.css". It returns "" for an
// unknown name, which templates.go turns into a start-up error.
func URL(name string) string {
	a, ok := byName[name]
	if !ok {
		return ""
	}
	return Prefix + a.HashedName
}

// All returns every asset, ordered by name.
func All() []*Asset {
	out := make([]*Asset, 0, len(byName))
	for _, a := range byName {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ByName finds an asset by its original name ("favicon.ico"), for the few
// files served at a fixed URL.
func ByName(name string) (*Asset, bool) {
	a, ok := byName[name]
	return a, ok
}

// Lookup finds an asset by its hashed name (the part of the URL after
// Prefix).
func Lookup(hashedName string) (*Asset, bool) {
	a, ok := byHashed[hashedName]
	return a, ok
}
