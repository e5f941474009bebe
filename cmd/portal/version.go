package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release, set at build time:
//
//	go build -ldflags "-X main.version=1.4.0" ./cmd/portal
//
// Left as "dev" for builds from a work tree.
var version = "dev"

// runVersion implements "portal version": the release and what the build
// says of itself (runtime/debug.ReadBuildInfo): Go version, platform, the
// module's version and, when the binary was built from a git checkout with
// VCS stamping, the revision, its time and whether the tree was modified.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("version", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprintln(stderr, "usage: portal version\nPrints the version and build of this binary.") }
	if err := fset.Parse(args); err != nil {
		return err
	}
	fmt.Fprint(stdout, versionText())
	return nil
}

// versionText is "portal VERSION\n" and one line about the build.
func versionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "portal %s\n", version)
	parts := []string{runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		parts[0] = bi.GoVersion
		parts = append(parts, "module "+bi.Main.Path+" "+bi.Main.Version)
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		switch {
		case rev != "":
			r := "revision " + rev
			if at != "" {
				r += " (" + at + ")"
			}
			if modified == "true" {
				r += ", modified"
			}
			parts = append(parts, r)
		default:
			parts = append(parts, "no VCS revision stamped (built with -buildvcs=false or outside git)")
		}
	}
	fmt.Fprintf(&b, "build: %s\n", strings.Join(parts, ", "))
	return b.String()
}
