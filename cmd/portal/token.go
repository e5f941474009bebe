package main

import (
	"bufio"

	"filippo.io/age"
	"github.com/thaibinh-pcmt/portal/seal"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/store"
)

const tokenUsage = `usage:
  portal token create --role police|social-affairs --name NAME [--recovery-key-stdin]
  portal token list
  portal token revoke --name NAME
A token lets an agency's own system use the desk API (/api/v1/desk/...) as
its desk: "Authorization: Bearer TOKEN". It is printed once by create and
only its SHA-256 is stored: keep it like a password; revoke it when it leaks.
Once the desk has a key pair (portal desk init), create needs the desk's
recovery key on standard input (--recovery-key-stdin) to give the token its
own wrapped copy of the desk's key; without it the token sees only the
clear columns (status, category, area, dates), not what people wrote.
`

// runToken implements "portal token create|list|revoke": desk API tokens
// in the system of record, audited as actions of "dòng lệnh".
func runToken(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		io.WriteString(stdout, tokenUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		io.WriteString(stderr, tokenUsage)
		return errors.New("token: name an action: create, list or revoke")
	}
	action, args := args[0], args[1:]
	fset := flag.NewFlagSet("token "+action, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, tokenUsage); fset.PrintDefaults() }
	role := fset.String("role", "", "the desk whose cases the token works: police or social-affairs (create)")
	fromStdin := fset.Bool("recovery-key-stdin", false, "read the desk's recovery key from standard input, to give the token its copy of the desk's key (create)")
	name := fset.String("name", "", "the token's name, e.g. he-thong-pc04: 3–64 of a-z, 0-9, '.', '_', '-' (create, revoke)")
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	switch action {
	case "create", "list", "revoke":
	default:
		io.WriteString(stderr, tokenUsage)
		return fmt.Errorf("token: unknown action %q", action)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("token %s: unexpected argument %q", action, fset.Arg(0))
	}
	if action != "list" && *name == "" {
		return fmt.Errorf("token %s: --name is required", action)
	}
	if action == "create" && *role == "" {
		return errors.New("token create: --role is required (police or social-affairs)")
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := newDeskService(db)
	if err != nil {
		return err
	}
	switch action {
	case "create":
		keys := seal.NewKeyring(db, nil)
		var deskKey *age.X25519Identity
		if *fromStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("token create: no recovery key on standard input")
			}
			if deskKey, err = keys.FromRecovery(ctx, *role, line); err != nil {
				return fmt.Errorf("token create: %w", err)
			}
		}
		token, t, err := svc.CreateToken(ctx, press.ActorCLI, *role, *name)
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		if deskKey != nil {
			if err := keys.GrantToken(ctx, *role, deskKey, token, t.Name, press.ActorCLI); err != nil {
				return fmt.Errorf("token create: key copy: %w", err)
			}
		} else if _, has, _ := keys.Recipient(ctx, *role); has {
			fmt.Fprintln(stderr, "Cảnh báo: không có --recovery-key-stdin nên mã này chỉ đọc được các cột không mã hóa (trạng thái, phân loại, địa bàn, ngày).")
		}
		fmt.Fprintf(stderr, "Đã tạo mã truy cập %q cho bộ phận %s. Mã chỉ hiện một lần dưới đây; hãy lưu vào nơi an toàn:\n", t.Name, t.Desk)
		fmt.Fprintln(stdout, token)
	case "list":
		list, err := svc.Tokens(ctx)
		if err != nil {
			return fmt.Errorf("token list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TÊN\tBỘ PHẬN\tTẠO LÚC (UTC)\tDÙNG LẦN CUỐI (UTC)\tTRẠNG THÁI")
		for _, t := range list {
			used, state := "chưa dùng", "hoạt động"
			if !t.LastUsedAt.IsZero() {
				used = t.LastUsedAt.Format("2006-01-02 15:04")
			}
			if !t.RevokedAt.IsZero() {
				state = "đã thu hồi " + t.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Desk, t.CreatedAt.Format("2006-01-02 15:04"), used, state)
		}
		return tw.Flush()
	case "revoke":
		if err := svc.RevokeToken(ctx, press.ActorCLI, *name); err != nil {
			if errors.Is(err, desk.ErrNotFound) {
				return fmt.Errorf("token revoke: không có mã truy cập đang hoạt động tên %q", *name)
			}
			return fmt.Errorf("token revoke: %w", err)
		}
		fmt.Fprintf(stdout, "Đã thu hồi mã truy cập %q; hệ thống dùng mã này sẽ nhận lỗi 401.\n", *name)
	}
	return nil
}

// newDeskService builds the desk service over db for a subcommand.
func newDeskService(db *store.DB) (*desk.Service, error) {
	cat, err := intake.LoadCatalog()
	if err != nil {
		return nil, err
	}
	data, err := desk.LoadData()
	if err != nil {
		return nil, err
	}
	return desk.New(desk.Config{DB: db, Data: data, Catalog: cat})
}
