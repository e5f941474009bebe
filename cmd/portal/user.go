package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
)

const userUsage = `usage:
  portal user add --username U --role press|police|social-affairs|admin --password-stdin
  portal user list
  portal user disable --username U [--enable]
  portal user passwd --username U --password-stdin
  portal user totp-reset --username U
The password is read from the first line of standard input, never from the
command line (where other users of the machine could see it), e.g.
  printf '%s\n' "$MAT_KHAU" | portal user add --username lan --role press --password-stdin
totp-reset removes the account's two-step sign-in (its authenticator secret
and recovery codes), for a member who lost their phone, and signs the
account out everywhere; at the next sign-in a role that requires two-step
sign-in (PORTAL_TOTP_ROLES) must enrol again. It is written to the audit log.
`

// runUser implements "portal user add|list|disable|passwd|totp-reset":
// staff accounts in the portal's store (PostgreSQL when DATABASE_URL
// is set, else the SQLite file of the data dir: openStore), through package
// press (argon2id hashes, password rules, audit entries by "dòng lệnh").
// It works while "serve" runs: PostgreSQL takes both connections, and
// SQLite in WAL mode with a busy timeout takes both writers.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		io.WriteString(stdout, userUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		io.WriteString(stderr, userUsage)
		return errors.New("user: name an action: add, list, disable, passwd or totp-reset")
	}
	action, args := args[0], args[1:]
	fset := flag.NewFlagSet("user "+action, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, userUsage); fset.PrintDefaults() }
	username := fset.String("username", "", "login name: 3–32 of a-z, 0-9, '.', '_', '-'")
	role := fset.String("role", "", "role: press, police, social-affairs or admin (add)")
	fromStdin := fset.Bool("password-stdin", false, "read the password from the first line of standard input (add, passwd)")
	enable := fset.Bool("enable", false, "re-enable instead of disabling (disable)")
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	switch action {
	case "add", "list", "disable", "passwd", "totp-reset":
	default:
		io.WriteString(stderr, userUsage)
		return fmt.Errorf("user: unknown action %q", action)
	}
	if action != "list" && *username == "" {
		return fmt.Errorf("user %s: --username is required", action)
	}
	var password string
	if action == "add" || action == "passwd" {
		if !*fromStdin {
			return fmt.Errorf("user %s: --password-stdin is required (the password is read from standard input)", action)
		}
		if password, err = readPassword(stdin); err != nil {
			return fmt.Errorf("user %s: %w", action, err)
		}
	}

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// The CLI never logs in, so its limiter is never asked.
	office, err := press.New(press.Config{DB: db, Limiter: ratelimit.NewMemory()})
	if err != nil {
		return err
	}

	switch action {
	case "add":
		s, err := office.AddStaff(ctx, press.ActorCLI, *username, *role, password)
		if err != nil {
			return fmt.Errorf("user add: %w", namedFieldErrors(err))
		}
		fmt.Fprintf(stdout, "Đã tạo tài khoản %s, vai trò %s (%s).\n", s.Username, s.Role, press.RoleNames[s.Role])
	case "list":
		list, err := office.ListStaff(ctx)
		if err != nil {
			return fmt.Errorf("user list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TÊN ĐĂNG NHẬP\tVAI TRÒ\tTRẠNG THÁI\tTẠO LÚC (UTC)")
		for _, s := range list {
			state := "hoạt động"
			if s.Disabled {
				state = "đã khóa"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Username, s.Role, state, s.CreatedAt.Format("2006-01-02 15:04"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	case "disable":
		if err := office.DisableStaff(ctx, press.ActorCLI, *username, !*enable); err != nil {
			return fmt.Errorf("user disable: %w", err)
		}
		if *enable {
			fmt.Fprintf(stdout, "Đã mở khóa tài khoản %s.\n", press.NormalizeUsername(*username))
		} else {
			fmt.Fprintf(stdout, "Đã khóa tài khoản %s và đăng xuất mọi phiên của tài khoản này.\n", press.NormalizeUsername(*username))
		}
	case "passwd":
		if err := office.SetPassword(ctx, press.ActorCLI, *username, password); err != nil {
			return fmt.Errorf("user passwd: %w", namedFieldErrors(err))
		}
		fmt.Fprintf(stdout, "Đã đổi mật khẩu của %s và đăng xuất mọi phiên của tài khoản này.\n", press.NormalizeUsername(*username))
	case "totp-reset":
		if err := office.ResetTOTP(ctx, press.ActorCLI, *username); err != nil {
			return fmt.Errorf("user totp-reset: %w", err)
		}
		fmt.Fprintf(stdout, "Đã xóa xác thực hai bước của %s và đăng xuất mọi phiên của tài khoản này. Lần đăng nhập tới, nếu vai trò của tài khoản bắt buộc xác thực hai bước, người dùng phải cài đặt lại.\n", press.NormalizeUsername(*username))
	}
	return nil
}

// namedFieldErrors gives a FieldErrors from package press the text
// "field: message; …", fields in order: press's messages are sentences
// that do not say which of --username, --role or the password was refused.
// Any other error is returned as it is.
func namedFieldErrors(err error) error {
	var fe formerr.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	return fieldNamedError{fe}
}

// fieldNamedError is a FieldErrors whose text names each field.
type fieldNamedError struct{ fields formerr.FieldErrors }

func (e fieldNamedError) Error() string {
	parts := make([]string, 0, len(e.fields))
	for _, field := range slices.Sorted(maps.Keys(e.fields)) {
		parts = append(parts, field+": "+e.fields[field])
	}
	return strings.Join(parts, "; ")
}

func (e fieldNamedError) Unwrap() error { return e.fields }

// readPassword returns the first line of r without its line end.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, press.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
