// Package retention deletes what the portal keeps no longer: closed cases
// past their period per kind (data/retention.yaml, or retention.yaml in
// the data dir), rows and all, keeping only monthly counts; it reports
// cases left open past a longer limit. The sweep runs daily inside serve,
// on one instance of a cluster at a time (store.LockRetention), and
// reclaims the space the deleted text used (store.DB.Reclaim).
package retention

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/thaibinh-pcmt/portal/store"
)

//go:embed data/retention.yaml
var embedded []byte

// Policy is the retention data file.
type Policy struct {
	// DefaultClosedDays applies to a kind not in ClosedDays.
	DefaultClosedDays int `yaml:"default_closed_days"`
	// ClosedDays is the period per kind, in days after the last change of
	// a closed case; 0 deletes at the next sweep.
	ClosedDays map[string]int `yaml:"closed_days"`
	// OpenFlagDays: a case open this long after receipt is reported.
	OpenFlagDays int `yaml:"open_flag_days"`
	// From says where the policy came from: "embedded" or a path.
	From string `yaml:"-"`
}

// Load reads dataDir/retention.yaml when it exists, else the embedded
// file, and checks it (no negative periods, open_flag_days > 0).
func Load(dataDir string) (Policy, error) {
	raw, from := embedded, "embedded"
	if dataDir != "" {
		p := filepath.Join(dataDir, "retention.yaml")
		b, err := os.ReadFile(p)
		switch {
		case err == nil:
			raw, from = b, p
		case !errors.Is(err, os.ErrNotExist):
			return Policy{}, fmt.Errorf("retention: %w", err)
		}
	}
	var p Policy
	if err := yaml.Unmarshal(raw, &p); err != nil {
		return Policy{}, fmt.Errorf("retention: %s: %w", from, err)
	}
	p.From = from
	if p.DefaultClosedDays < 0 || p.OpenFlagDays <= 0 {
		return Policy{}, fmt.Errorf("retention: %s: default_closed_days must be ≥ 0 and open_flag_days > 0", from)
	}
	for k, d := range p.ClosedDays {
		if d < 0 {
			return Policy{}, fmt.Errorf("retention: %s: closed_days of %s is negative", from, k)
		}
	}
	return p, nil
}

// Days is the period of kind.
func (p Policy) Days(kind string) int {
	if d, ok := p.ClosedDays[kind]; ok {
		return d
	}
	return p.DefaultClosedDays
}

// Result is what one sweep did.
type Result struct {
	// Deleted counts the cases deleted per kind.
	Deleted map[string]int
	// OpenTooLong counts per desk the cases open past OpenFlagDays.
	OpenTooLong map[string]int
}

// batch bounds one transaction of the sweep.
const batch = 500

// Sweep deletes the closed cases of every kind in kinds past their period
// at now (final is the desks' closed status), reclaims the space, and
// counts the cases open too long.
func Sweep(ctx context.Context, db *store.DB, p Policy, kinds []string, final string, now time.Time) (Result, error) {
	r := Result{Deleted: map[string]int{}}
	sort.Strings(kinds)
	for _, k := range kinds {
		cutoff := now.Add(-time.Duration(p.Days(k)) * 24 * time.Hour)
		for {
			n, err := db.PurgeClosedCases(ctx, k, final, cutoff, batch)
			if err != nil {
				return r, err
			}
			r.Deleted[k] += n
			if n < batch {
				break
			}
		}
	}
	total := 0
	for _, n := range r.Deleted {
		total += n
	}
	if total > 0 {
		if err := db.Reclaim(ctx); err != nil {
			return r, err
		}
	}
	open, err := db.OpenCasesOlderThan(ctx, final, now.Add(-time.Duration(p.OpenFlagDays)*24*time.Hour))
	if err != nil {
		return r, err
	}
	r.OpenTooLong = open
	return r, nil
}

// Run sweeps once at start and then every interval (a day in serve),
// under the cluster lock store.LockRetention so that one instance sweeps
// at a time; it returns when ctx ends.
func Run(ctx context.Context, db *store.DB, p Policy, kinds []string, final string, interval time.Duration, log *slog.Logger) {
	once := func() {
		ran, err := db.WithClusterLock(ctx, store.LockRetention, func(ctx context.Context) error {
			r, err := Sweep(ctx, db, p, kinds, final, time.Now())
			for k, n := range r.Deleted {
				if n > 0 {
					log.Info("retention: closed cases deleted", "kind", k, "cases", n)
				}
			}
			for d, n := range r.OpenTooLong {
				log.Warn("retention: cases open past the limit; close them or keep them knowingly", "desk", d, "cases", n, "open_flag_days", p.OpenFlagDays)
			}
			return err
		})
		if err != nil {
			log.Error("retention sweep failed", "err", err)
		} else if !ran {
			log.Debug("retention sweep running on another instance")
		}
	}
	once()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			once()
		}
	}
}
