package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// Config is the portal's whole configuration, read once from the
// environment and overridden by flags (see README.md for the table).
type Config struct {
	Addr           string         // PORTAL_ADDR, host:port to listen on
	DataDir        string         // PORTAL_DATA_DIR, where the database, index, queue and secret live
	DatabaseURL    string         // DATABASE_URL, postgres://…; empty: SQLite in DataDir
	RedisURL       string         // REDIS_URL; empty: embedded queue and in-process limiter
	MeiliURL       string         // MEILI_URL; empty: embedded Bleve index
	MeiliAPIKey    string         // MEILI_API_KEY; optional
	TrustedProxies []netip.Prefix // PORTAL_TRUSTED_PROXIES, comma-separated CIDRs or addresses
	Secret         string         // PORTAL_SECRET; empty: generated into DataDir/secret
	BaseURL        string         // PORTAL_BASE_URL, absolute URL for feeds and sitemaps
	ShutdownGrace  time.Duration  // PORTAL_SHUTDOWN_GRACE, how long to drain requests
	MetricsAddr    string         // PORTAL_METRICS_ADDR, host:port of the Prometheus listener; empty: none

	LimitTips      ratelimit.Limit // PORTAL_LIMIT_TIPS, N/s|m|h|d
	LimitEnquiries ratelimit.Limit // PORTAL_LIMIT_ENQUIRIES
	LimitStatus    ratelimit.Limit // PORTAL_LIMIT_STATUS
	LimitSearch    ratelimit.Limit // PORTAL_LIMIT_SEARCH
	LimitLogin     ratelimit.Limit // PORTAL_LIMIT_LOGIN, failed logins per client and per account
	LimitMessages  ratelimit.Limit // PORTAL_LIMIT_MESSAGES, a sender's messages to the desk per client

	// DeskConsumer runs the desk consumer in serve (PORTAL_DESK_CONSUMER,
	// on|off): off for instances that should only serve pages.
	DeskConsumer bool
	// DeskClaimIdle is how long an entry stays pending in a dead desk
	// consumer before another claims it (PORTAL_DESK_CLAIM_IDLE).
	DeskClaimIdle time.Duration
	// TOTPRoles are the staff roles that must sign in with a second factor
	// (PORTAL_TOTP_ROLES, comma list or "none"; default police,
	// social-affairs, admin: issue 11). Press is optional.
	TOTPRoles []string
}

// Default limits: generous enough for one NAT address holding a school or an
// office, tight enough to stop a script.
const (
	defaultLimitTips      = "20/h"
	defaultLimitEnquiries = "20/h"
	defaultLimitStatus    = "60/h"
	defaultLimitSearch    = "120/m"
	defaultLimitLogin     = "10/h"
	defaultLimitMessages  = "20/h"
)

// loadConfig reads env (a lookup function, so tests pass their own) and then
// the flags in args. It returns an error naming the variable or flag at fault.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	var c Config
	var proxies, grace string
	var limits [6]string
	var deskConsumer, claimIdle string
	fs.StringVar(&c.Addr, "addr", env("PORTAL_ADDR", "127.0.0.1:8080"), "listen address (PORTAL_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("PORTAL_DATA_DIR", "./data"), "data directory (PORTAL_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty for SQLite in the data dir (DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", env("REDIS_URL", ""), "Redis URL; empty for the embedded queue (REDIS_URL)")
	fs.StringVar(&c.MeiliURL, "meili-url", env("MEILI_URL", ""), "Meilisearch URL; empty for Bleve (MEILI_URL)")
	fs.StringVar(&c.MeiliAPIKey, "meili-api-key", env("MEILI_API_KEY", ""), "Meilisearch API key (MEILI_API_KEY)")
	fs.StringVar(&proxies, "trusted-proxies", env("PORTAL_TRUSTED_PROXIES", ""), "comma-separated trusted proxy CIDRs (PORTAL_TRUSTED_PROXIES)")
	fs.StringVar(&c.Secret, "secret", env("PORTAL_SECRET", ""), "secret for keyed hashes; generated if empty (PORTAL_SECRET)")
	fs.StringVar(&c.BaseURL, "base-url", env("PORTAL_BASE_URL", ""), "public base URL, e.g. https://phongchongmatuy.thaibinh.gov.vn (PORTAL_BASE_URL)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("PORTAL_METRICS_ADDR", ""), "host:port for Prometheus metrics at /metrics, apart from the public listener; empty: none (PORTAL_METRICS_ADDR)")
	fs.StringVar(&grace, "shutdown-grace", env("PORTAL_SHUTDOWN_GRACE", "10s"), "time to drain requests on shutdown (PORTAL_SHUTDOWN_GRACE)")
	fs.StringVar(&limits[0], "limit-tips", env("PORTAL_LIMIT_TIPS", defaultLimitTips), "tip-offs per client (PORTAL_LIMIT_TIPS)")
	fs.StringVar(&limits[1], "limit-enquiries", env("PORTAL_LIMIT_ENQUIRIES", defaultLimitEnquiries), "rehab enquiries per client (PORTAL_LIMIT_ENQUIRIES)")
	fs.StringVar(&limits[2], "limit-status", env("PORTAL_LIMIT_STATUS", defaultLimitStatus), "receipt look-ups per client (PORTAL_LIMIT_STATUS)")
	fs.StringVar(&limits[3], "limit-search", env("PORTAL_LIMIT_SEARCH", defaultLimitSearch), "searches per client (PORTAL_LIMIT_SEARCH)")
	fs.StringVar(&limits[4], "limit-login", env("PORTAL_LIMIT_LOGIN", defaultLimitLogin), "failed logins per client and per account (PORTAL_LIMIT_LOGIN)")
	fs.StringVar(&limits[5], "limit-messages", env("PORTAL_LIMIT_MESSAGES", defaultLimitMessages), "a sender's messages to the desk per client (PORTAL_LIMIT_MESSAGES)")
	fs.StringVar(&deskConsumer, "desk-consumer", env("PORTAL_DESK_CONSUMER", "on"), "turn agency queue entries into cases in this process: on or off (PORTAL_DESK_CONSUMER)")
	totpRoles := env("PORTAL_TOTP_ROLES", "police,social-affairs,admin")
	fs.StringVar(&totpRoles, "totp-roles", totpRoles, "staff roles that must sign in with a two-step code: comma list or none (PORTAL_TOTP_ROLES)")
	fs.StringVar(&claimIdle, "desk-claim-idle", env("PORTAL_DESK_CLAIM_IDLE", "60s"), "claim entries a dead desk consumer left pending after this long (PORTAL_DESK_CLAIM_IDLE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs []error
	var err error
	if c.TrustedProxies, err = parsePrefixes(proxies); err != nil {
		errs = append(errs, fmt.Errorf("PORTAL_TRUSTED_PROXIES: %w", err))
	}
	if c.ShutdownGrace, err = time.ParseDuration(grace); err != nil || c.ShutdownGrace < 0 {
		errs = append(errs, fmt.Errorf("PORTAL_SHUTDOWN_GRACE: %q is not a duration such as 10s", grace))
	}
	for i, dst := range []*ratelimit.Limit{&c.LimitTips, &c.LimitEnquiries, &c.LimitStatus, &c.LimitSearch, &c.LimitLogin, &c.LimitMessages} {
		name := []string{"PORTAL_LIMIT_TIPS", "PORTAL_LIMIT_ENQUIRIES", "PORTAL_LIMIT_STATUS", "PORTAL_LIMIT_SEARCH", "PORTAL_LIMIT_LOGIN", "PORTAL_LIMIT_MESSAGES"}[i]
		if *dst, err = ratelimit.ParseLimit(limits[i]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	switch strings.ToLower(deskConsumer) {
	case "on", "1", "true", "yes":
		c.DeskConsumer = true
	case "off", "0", "false", "no":
	default:
		errs = append(errs, fmt.Errorf("PORTAL_DESK_CONSUMER: %q: use on or off", deskConsumer))
	}
	if c.DeskClaimIdle, err = time.ParseDuration(claimIdle); err != nil || c.DeskClaimIdle < time.Second {
		errs = append(errs, fmt.Errorf("PORTAL_DESK_CLAIM_IDLE: %q is not a duration of at least 1s such as 60s", claimIdle))
	}
	if r := strings.TrimSpace(totpRoles); r != "" && r != "none" {
		for _, role := range strings.Split(r, ",") {
			switch role = strings.TrimSpace(role); role {
			case "police", "social-affairs", "admin", "press":
				c.TOTPRoles = append(c.TOTPRoles, role)
			default:
				errs = append(errs, fmt.Errorf("PORTAL_TOTP_ROLES: %q is not a role (police, social-affairs, admin, press)", role))
			}
		}
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("PORTAL_ADDR: must not be empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("PORTAL_DATA_DIR: must not be empty"))
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		errs = append(errs, errors.New("PORTAL_METRICS_ADDR: must differ from PORTAL_ADDR: metrics are for the operator, not the public"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("DATABASE_URL: use a PostgreSQL URL such as postgres://portal@127.0.0.1:5432/portal (unset: SQLite in the data dir)"))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("PORTAL_BASE_URL: %q is not an http(s) URL such as https://phongchongmatuy.example.gov.vn", c.BaseURL))
		}
	}
	if c.Secret != "" && strings.TrimSpace(c.Secret) == "" {
		errs = append(errs, errors.New("PORTAL_SECRET: must not be blank"))
	}
	return c, errors.Join(errs...)
}

// parsePrefixes reads a comma-separated list of CIDRs or bare addresses.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a CIDR nor an address", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR", f)
		}
		if p.Bits() == 0 {
			// Trusting every peer lets every client write its own
			// X-Forwarded-For and escape the rate limits.
			return nil, fmt.Errorf("%q trusts every address; name the proxies' own addresses", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
