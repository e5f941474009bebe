package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

const deskUsage = `usage:
  portal desk init --role police|social-affairs
  portal desk grant --role R --username U --recovery-key-stdin
  portal desk status
init makes the desk's key pair (age X25519): from then on everything a
submitter or the desk writes is encrypted to it before it is stored or
queued. It prints the desk's RECOVERY KEY once, on standard output: keep it
offline (on paper, in a safe); it is the only way back to the desk's cases
when every member has lost their password, and nobody else can make it
again.
grant lets a desk member read the desk's cases: the member must have signed
in once (their own key pair is made then); the recovery key is read from
the first line of standard input. A member already granted can sign in and
read; a password change keeps the grant; a password reset by "portal user
passwd" loses it (grant again).
status lists which desks have a key pair.
`

// runDesk implements "portal desk init|grant|status" (issue 11).
func runDesk(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		io.WriteString(stdout, deskUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		io.WriteString(stderr, deskUsage)
		return errors.New("desk: name an action: init, grant or status")
	}
	action, args := args[0], args[1:]
	fset := flag.NewFlagSet("desk "+action, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, deskUsage); fset.PrintDefaults() }
	role := fset.String("role", "", "the desk: police or social-affairs (init, grant)")
	username := fset.String("username", "", "the member to grant (grant)")
	fromStdin := fset.Bool("recovery-key-stdin", false, "read the desk's recovery key from the first line of standard input (grant)")
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	switch action {
	case "init", "grant", "status":
	default:
		io.WriteString(stderr, deskUsage)
		return fmt.Errorf("desk: unknown action %q", action)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("desk %s: unexpected argument %q", action, fset.Arg(0))
	}
	if action != "status" && *role != "police" && *role != "social-affairs" {
		return fmt.Errorf("desk %s: --role must be police or social-affairs", action)
	}
	if action == "grant" && (*username == "" || !*fromStdin) {
		return errors.New("desk grant: --username and --recovery-key-stdin are required")
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	keys := seal.NewKeyring(db, nil)
	switch action {
	case "init":
		rec, err := keys.Init(ctx, *role, press.ActorCLI)
		if err != nil {
			return fmt.Errorf("desk init: %w", err)
		}
		fmt.Fprintf(stderr, "Đã tạo khóa mã hóa cho bộ phận %s. KHÓA KHÔI PHỤC chỉ hiện MỘT LẦN dưới đây: hãy chép ra giấy, cất nơi an toàn, không lưu trên máy chủ.\n", *role)
		fmt.Fprintln(stdout, rec)
		// What was stored in clear before this key existed is sealed now
		// (after the recovery key is out: a failure here loses nothing;
		// the next start of serve seals what is left).
		n, err := desk.SealUnsealed(ctx, db, seal.Sealer{Keys: keys}, *role)
		if err != nil {
			return fmt.Errorf("desk init: seal the cases stored before the key: %w (the next start of serve tries again)", err)
		}
		if n > 0 {
			fmt.Fprintf(stderr, "Đã mã hóa %d nội dung của các hồ sơ lưu trước khi có khóa.\n", n)
		}
		fmt.Fprintf(stderr, "Tiếp theo: mỗi cán bộ %s đăng nhập một lần, rồi: portal desk grant --role %s --username TÊN --recovery-key-stdin\n", *role, *role)
	case "grant":
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("desk grant: no recovery key on standard input")
		}
		id, err := keys.FromRecovery(ctx, *role, line)
		if err != nil {
			return fmt.Errorf("desk grant: %w", err)
		}
		if err := keys.Grant(ctx, *role, id, press.NormalizeUsername(*username), press.ActorCLI); err != nil {
			return fmt.Errorf("desk grant: %w", err)
		}
		fmt.Fprintf(stdout, "Đã cấp quyền đọc hồ sơ của bộ phận %s cho %s (có hiệu lực từ lần đăng nhập tới).\n", *role, *username)
	case "status":
		have, err := keys.Desks(ctx)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			fmt.Fprintln(stdout, "Chưa bộ phận nào có khóa mã hóa: nội dung tin báo đang được lưu KHÔNG mã hóa.")
		}
		for _, d := range have {
			fmt.Fprintf(stdout, "%s: có khóa mã hóa\n", d)
		}
	}
	return nil
}

// sealInClear seals what the desks' cases still hold in clear
// (desk.SealUnsealed): stored before `portal desk init` by a process that
// did not know the key yet, or left by an init that failed half-way. At
// start it seals for every desk with a key pair. Then, in the background
// until ctx ends, every `every`, it looks for a key pair of the routed
// desks that had none; twice seal.KeyRecheck after first seeing one (by
// then this process seals with it) it seals that desk's leftovers too and
// stops watching it, which closes the window between init and this process
// noticing the key. Counts are logged, never content; a failed pass is
// tried again (at the next tick, or for the start's pass at the next start).
func sealInClear(ctx context.Context, db *store.DB, keys *seal.Keyring, cat *intake.Catalog, log *slog.Logger, every time.Duration) {
	sealDesk := func(d string) bool {
		n, err := desk.SealUnsealed(ctx, db, seal.Sealer{Keys: keys}, d)
		if err != nil {
			log.Error("sealing cases stored before the desk key failed", "desk", d, "sealed", n, "err", err)
			return false
		}
		if n > 0 {
			log.Info("sealed cases stored before the desk key", "desk", d, "blobs", n)
		}
		return true
	}
	have, err := keys.Desks(ctx)
	if err != nil {
		log.Error("desk keys not readable", "err", err)
		return
	}
	for _, d := range have {
		sealDesk(d)
	}
	waiting := map[string]time.Time{} // desk → when its key was first seen (zero: not yet)
	for _, r := range cat.Routes {
		if !slices.Contains(have, r.Desk) {
			waiting[r.Desk] = time.Time{}
		}
	}
	if len(waiting) == 0 {
		return
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for len(waiting) > 0 {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			have, err := keys.Desks(ctx)
			if err != nil {
				continue
			}
			now := time.Now()
			for d, seen := range waiting {
				switch {
				case seen.IsZero():
					if slices.Contains(have, d) {
						waiting[d] = now
					}
				case now.Sub(seen) >= 2*seal.KeyRecheck:
					if sealDesk(d) {
						delete(waiting, d)
					}
				}
			}
		}
	}()
}

// warnUnsealedDesks logs, loudly, each desk of the routing that has no key
// pair yet: what is sent to it is stored in clear until
// `portal desk init` (docs/security.md, "Before desk init").
func warnUnsealedDesks(ctx context.Context, db *store.DB, cat *intake.Catalog, log *slog.Logger) {
	keys, err := seal.NewKeyring(db, nil).Desks(ctx)
	if err != nil {
		log.Error("desk keys not readable", "err", err)
		return
	}
	have := map[string]bool{}
	for _, d := range keys {
		have[d] = true
	}
	var off []string
	for _, r := range cat.Routes {
		if !have[r.Desk] && !slices.Contains(off, r.Desk) {
			off = append(off, r.Desk)
		}
	}
	if len(off) == 0 {
		return
	}
	slices.Sort(off)
	// One line for all of them: the log of a start stays short.
	log.Warn("ENCRYPTION AT REST IS OFF: submissions to these desks are stored and queued in clear until the operator runs `portal desk init --role DESK` for each", "desks", strings.Join(off, ","))
}
