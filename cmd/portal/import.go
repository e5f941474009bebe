package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/thaibinh-pcmt/portal/content"
)

// runImport implements "portal import FILE...": each file is parsed as a
// Vietnamese administrative document and, when it parses, saved under the
// data dir for "serve" to load at its next start. A file that fails is
// reported and the others still go in; the command fails if any did. A
// file imported with a warning (no readable số hiệu) is reported on stderr
// and counts as imported.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: portal import [flags] FILE...")
		fset.PrintDefaults()
	}
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	files := fset.Args()
	if len(files) == 0 {
		fset.Usage()
		return errors.New("import: no file given")
	}
	var failed int
	for _, path := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		doc, err := content.ImportFile(path, importDir(cfg))
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			continue
		}
		date := "không rõ ngày"
		if !doc.IssuedOn.IsZero() {
			date = doc.IssuedOn.Format("2006-01-02")
		}
		number := doc.Number
		if number == "" {
			number = "(không số)"
		}
		fmt.Fprintf(stdout, "%s: %s %s (%s), %d văn bản dẫn chiếu → /van-ban/%s\n",
			path, doc.Type, number, date, len(doc.Citations), doc.Slug)
		for _, w := range doc.Warnings {
			fmt.Fprintf(stderr, "%s: cảnh báo: %s\n", path, w)
		}
	}
	if failed > 0 {
		return fmt.Errorf("import: %d of %d files failed", failed, len(files))
	}
	return nil
}
