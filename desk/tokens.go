package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// TokenPrefix starts every desk API token, so that a leaked one is easy to
// recognise (and to search for in code and logs).
const TokenPrefix = "pdt_"

// tokenNamePattern: what a token's name may be (it appears in the audit
// log as "api:NAME").
var tokenNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$`)

// ErrTokenNameTaken: an active token already has that name.
var ErrTokenNameTaken = errors.New("Tên này đang được một mã truy cập khác dùng; chọn tên khác hoặc thu hồi mã cũ trước.")

// hashToken is what the store keeps of a token: its SHA-256.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateToken makes a desk API token for desk under name (3–64 of a-z,
// 0-9, '.', '_', '-'), stores only its SHA-256 and returns the token, to be
// shown once: "pdt_" and 43 characters of base64url (256 random bits).
// actor is who asked (the CLI's name); the creation is audited
// ("token.create"). Bad input gives FieldErrors; a name in use
// ErrTokenNameTaken.
func (s *Service) CreateToken(ctx context.Context, actor, desk, name string) (string, store.DeskToken, error) {
	fe := formerr.FieldErrors{}
	name = strings.ToLower(strings.TrimSpace(name))
	if _, ok := s.data.Desk(desk); !ok {
		codes := make([]string, len(s.data.Desks))
		for i, d := range s.data.Desks {
			codes[i] = d.Code
		}
		addLabelled(fe, FieldDesk, "dùng một trong "+strings.Join(codes, ", "))
	}
	if !tokenNamePattern.MatchString(name) {
		addLabelled(fe, FieldName, "3–64 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang, ví dụ he-thong-pc04")
	}
	if len(fe) > 0 {
		return "", store.DeskToken{}, fe
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", store.DeskToken{}, err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	t, err := s.db.CreateDeskToken(ctx, name, desk, hashToken(token), now,
		store.AuditEntry{At: now, Actor: actor, Action: "token.create", Target: "token/" + name + " (" + desk + ")"})
	if errors.Is(err, store.ErrConflict) {
		return "", store.DeskToken{}, ErrTokenNameTaken
	}
	if err != nil {
		return "", store.DeskToken{}, err
	}
	return token, t, nil
}

// Tokens lists every desk API token (revoked ones too), without secrets.
func (s *Service) Tokens(ctx context.Context) ([]store.DeskToken, error) {
	return s.db.ListDeskTokens(ctx)
}

// RevokeToken revokes the active token called name, audited
// ("token.revoke"); ErrNotFound when there is none.
func (s *Service) RevokeToken(ctx context.Context, actor, name string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	now := s.now()
	err := s.db.RevokeDeskToken(ctx, name, now, store.AuditEntry{At: now, Actor: actor, Action: "token.revoke", Target: "token/" + name})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// Authenticate returns the Actor of a desk API token ("api:NAME" of its
// desk), or ErrBadToken. It records the use, to the minute.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 200 {
		return Actor{}, ErrBadToken
	}
	t, err := s.db.DeskTokenByHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, ErrBadToken
	}
	if err != nil {
		return Actor{}, err
	}
	if _, ok := s.data.Desk(t.Desk); !ok {
		return Actor{}, ErrBadToken
	}
	if err := s.db.TouchDeskToken(ctx, t.ID, s.now()); err != nil {
		s.log.Warn("desk token: last use not recorded", "err", err)
	}
	return Actor{Desk: t.Desk, Name: "api:" + t.Name}, nil
}
