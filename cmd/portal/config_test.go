package main

import (
	"flag"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/ratelimit"
)

func parseConfig(env map[string]string, args ...string) (Config, error) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return loadConfig(fs, args, func(k string) string { return env[k] })
}

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.RedisURL != "" || c.MeiliURL != "" ||
		c.ShutdownGrace != 10*time.Second || len(c.TrustedProxies) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if c.LimitTips != (ratelimit.Limit{Rate: 20, Period: time.Hour}) || c.LimitSearch != (ratelimit.Limit{Rate: 120, Period: time.Minute}) {
		t.Errorf("default limits: %+v %+v", c.LimitTips, c.LimitSearch)
	}
}

func TestConfigEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"PORTAL_ADDR": "0.0.0.0:9000", "PORTAL_DATA_DIR": "/srv/portal", "REDIS_URL": "redis://127.0.0.1:6379/3",
		"PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1 ,::1", "PORTAL_LIMIT_TIPS": "5/m", "PORTAL_BASE_URL": "https://example.gov.vn/",
	}
	c, err := parseConfig(env, "--addr", "127.0.0.1:9100", "--limit-tips", "7/s")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" || c.DataDir != "/srv/portal" || c.RedisURL != "redis://127.0.0.1:6379/3" ||
		c.BaseURL != "https://example.gov.vn" {
		t.Errorf("env/flags: %+v", c)
	}
	if c.LimitTips != (ratelimit.Limit{Rate: 7, Period: time.Second}) {
		t.Errorf("flag did not override env: %+v", c.LimitTips)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if len(c.TrustedProxies) != len(want) {
		t.Fatalf("proxies = %v", c.TrustedProxies)
	}
	for i := range want {
		if c.TrustedProxies[i] != want[i] {
			t.Errorf("proxy %d = %v, want %v", i, c.TrustedProxies[i], want[i])
		}
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PORTAL_LIMIT_TIPS": "0/s"}, "PORTAL_LIMIT_TIPS"},
		{map[string]string{"PORTAL_LIMIT_SEARCH": "nhiều"}, "PORTAL_LIMIT_SEARCH"},
		{map[string]string{"PORTAL_TRUSTED_PROXIES": "10.0.0.0/33"}, "PORTAL_TRUSTED_PROXIES"},
		{map[string]string{"PORTAL_TRUSTED_PROXIES": "0.0.0.0/0"}, "trusts every address"},
		{map[string]string{"PORTAL_TRUSTED_PROXIES": "::/0"}, "trusts every address"},
		{map[string]string{"PORTAL_SHUTDOWN_GRACE": "-1s"}, "PORTAL_SHUTDOWN_GRACE"},
		{map[string]string{"PORTAL_BASE_URL": "javascript:alert(1)//"}, "PORTAL_BASE_URL"},
		{map[string]string{"PORTAL_BASE_URL": "ftp://x"}, "PORTAL_BASE_URL"},
	}
	for _, c := range cases {
		_, err := parseConfig(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want one naming %s", c.env, err, c.want)
		}
	}
}
