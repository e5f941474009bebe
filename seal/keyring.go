package seal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/thaibinh-pcmt/portal/store"
)

// Errors meant for people (Vietnamese).
var (
	// ErrNoDeskKey: the desk has no key pair yet (`portal desk init`).
	ErrNoDeskKey = errors.New("Bộ phận này chưa có khóa mã hóa; người vận hành cần chạy: portal desk init --role <bộ phận>.")
	// ErrDeskKeyExists: `portal desk init` was run before for this desk.
	ErrDeskKeyExists = errors.New("Bộ phận này đã có khóa mã hóa; không tạo lại (các hồ sơ đã mã hóa sẽ không mở được nữa).")
	// ErrNoStaffKey: the member to be granted has never signed in.
	ErrNoStaffKey = errors.New("Cán bộ này chưa đăng nhập lần nào nên chưa có khóa riêng; hãy để họ đăng nhập một lần rồi cấp quyền lại.")
	// ErrNotDeskMember: the account to be granted is not of that desk.
	ErrNotDeskMember = errors.New("Tài khoản này không thuộc bộ phận được cấp quyền.")
	// ErrBadRecoveryKey: the recovery key does not open the desk's key.
	ErrBadRecoveryKey = errors.New("Khóa khôi phục không đúng với bộ phận này.")
)

// missRecheck is how often a desk without a key is looked up again: after
// `portal desk init` on a running portal, sealing starts within this time.
const missRecheck = 5 * time.Second

// KeyRecheck is missRecheck for other packages: a Keyring notices a desk
// key made by another process at most this long after it is made.
const KeyRecheck = missRecheck

// Keyring holds the desks' public keys and turns passwords, desk API
// tokens and recovery keys into desks' private keys, which it never
// stores: its callers keep them in a session's memory only (Sessions).
// Safe for concurrent use.
type Keyring struct {
	db  *store.DB
	now func() time.Time

	mu      sync.RWMutex
	pub     map[string]*age.X25519Recipient
	checked time.Time
}

// NewKeyring returns a Keyring over db; now nil is time.Now.
func NewKeyring(db *store.DB, now func() time.Time) *Keyring {
	if now == nil {
		now = time.Now
	}
	return &Keyring{db: db, now: now, pub: map[string]*age.X25519Recipient{}}
}

// Recipient returns desk's public key; ok false while the desk has none.
// Public keys never change once made, so they are cached; a desk without
// one is looked up again at most every few seconds.
func (k *Keyring) Recipient(ctx context.Context, desk string) (age.Recipient, bool, error) {
	k.mu.RLock()
	r, ok := k.pub[desk]
	fresh := k.now().Sub(k.checked) < missRecheck
	k.mu.RUnlock()
	if ok {
		return r, true, nil
	}
	if fresh {
		return nil, false, nil
	}
	if err := k.reload(ctx); err != nil {
		return nil, false, err
	}
	k.mu.RLock()
	r, ok = k.pub[desk]
	k.mu.RUnlock()
	if !ok {
		return nil, false, nil
	}
	return r, true, nil
}

func (k *Keyring) reload(ctx context.Context) error {
	keys, err := k.db.DeskKeys(ctx)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, dk := range keys {
		r, err := age.ParseX25519Recipient(dk.PublicKey)
		if err != nil {
			return fmt.Errorf("seal: desk %s public key: %w", dk.Desk, err)
		}
		k.pub[dk.Desk] = r
	}
	k.checked = k.now()
	return nil
}

// Desks returns the codes of the desks that have a key pair.
func (k *Keyring) Desks(ctx context.Context) ([]string, error) {
	keys, err := k.db.DeskKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, dk := range keys {
		out[i] = dk.Desk
	}
	return out, nil
}

// Init makes desk's key pair and returns its recovery key (an age
// identity, "AGE-SECRET-KEY-1…"), to be shown once and kept offline: it is
// the only way back to the desk's content when every member has lost
// their password. ErrDeskKeyExists when the desk has one already.
func (k *Keyring) Init(ctx context.Context, desk, actor string) (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	rec, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	wrap, err := Encrypt([]byte(id.String()), rec.Recipient())
	if err != nil {
		return "", err
	}
	now := k.now()
	err = k.db.CreateDeskKey(ctx, store.DeskKey{Desk: desk, PublicKey: id.Recipient().String(), RecoveryWrap: wrap, CreatedAt: now},
		store.AuditEntry{At: now, Actor: actor, Action: "desk.key_init", Target: "desk/" + desk})
	if errors.Is(err, store.ErrConflict) {
		return "", ErrDeskKeyExists
	}
	if err != nil {
		return "", err
	}
	k.mu.Lock()
	k.pub[desk] = id.Recipient()
	k.mu.Unlock()
	return rec.String(), nil
}

// FromRecovery returns desk's private key opened with its recovery key;
// ErrBadRecoveryKey when it does not fit, ErrNoDeskKey without a key pair.
func (k *Keyring) FromRecovery(ctx context.Context, desk, recoveryKey string) (*age.X25519Identity, error) {
	rec, err := age.ParseX25519Identity(strings.TrimSpace(recoveryKey))
	if err != nil {
		return nil, ErrBadRecoveryKey
	}
	keys, err := k.db.DeskKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, dk := range keys {
		if dk.Desk != desk {
			continue
		}
		plain, err := Decrypt(dk.RecoveryWrap, rec)
		if err != nil {
			return nil, ErrBadRecoveryKey
		}
		return age.ParseX25519Identity(string(plain))
	}
	return nil, ErrNoDeskKey
}

func staffHolder(id int64) string { return fmt.Sprintf("staff:%d", id) }

func tokenHolder(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "token:" + hex.EncodeToString(sum[:])
}

// Unlock is called at sign-in with the password just checked. It makes the
// member's own key pair at their first sign-in (private key wrapped under
// argon2id(password)), and returns desk's private key when the member has
// been granted it; nil, nil when not (yet). desk "" (press, admin): only
// the member's own key pair is ensured.
func (k *Keyring) Unlock(ctx context.Context, st store.Staff, desk, password string) (*age.X25519Identity, error) {
	member, err := k.memberKey(ctx, st, password)
	if err != nil || desk == "" {
		return nil, err
	}
	w, err := k.db.DeskGrant(ctx, desk, staffHolder(st.ID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	plain, err := Decrypt(w, member)
	if err != nil {
		return nil, fmt.Errorf("seal: open grant of %s: %w", desk, err)
	}
	return age.ParseX25519Identity(string(plain))
}

// memberKey opens (or, at the first sign-in, makes) st's own key pair.
func (k *Keyring) memberKey(ctx context.Context, st store.Staff, password string) (*age.X25519Identity, error) {
	sk, err := k.db.StaffKeyByID(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) {
		return k.newMemberKey(ctx, st.ID, password, false)
	}
	if err != nil {
		return nil, err
	}
	plain, err := UnwrapWithPassword(password, sk.Wrap)
	if errors.Is(err, ErrWrongKey) {
		// The password was checked by the caller, so the wrap is under an
		// older one: an admin reset it (press.Office.SetPassword). Grants
		// to the old key cannot be opened: start afresh, to be granted
		// again by a member or the recovery key.
		return k.newMemberKey(ctx, st.ID, password, true)
	}
	if err != nil {
		return nil, err
	}
	return age.ParseX25519Identity(string(plain))
}

func (k *Keyring) newMemberKey(ctx context.Context, staffID int64, password string, replace bool) (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	w, err := WrapWithPassword(password, []byte(id.String()))
	if err != nil {
		return nil, err
	}
	if err := k.db.PutStaffKey(ctx, store.StaffKey{StaffID: staffID, PublicKey: id.Recipient().String(), Wrap: w}, k.now(), replace); err != nil {
		return nil, err
	}
	return id, nil
}

// ChangePassword rewraps st's own private key under newPassword and stores
// it; the desk grants, made to the member's public key, stay valid. An old
// password that does not open the wrap gives ErrWrongKey. To change the
// password hash in the same transaction, use Rewrap and
// store.DB.ChangeOwnPassword instead.
func (k *Keyring) ChangePassword(ctx context.Context, st store.Staff, oldPassword, newPassword string) error {
	sk, ok, err := k.Rewrap(ctx, st, oldPassword, newPassword)
	if err != nil || !ok {
		return err
	}
	return k.db.PutStaffKey(ctx, sk, k.now(), false)
}

// Rewrap returns st's own key pair with its private key wrapped under
// newPassword instead of oldPassword, without storing it: the caller
// stores it with the password hash (store.DB.ChangeOwnPassword). ok is
// false when the member has no key pair yet (never signed in: it is made
// at the first sign-in). An old password that does not open the wrap
// gives ErrWrongKey.
func (k *Keyring) Rewrap(ctx context.Context, st store.Staff, oldPassword, newPassword string) (sk store.StaffKey, ok bool, err error) {
	sk, err = k.db.StaffKeyByID(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) {
		return store.StaffKey{}, false, nil
	}
	if err != nil {
		return store.StaffKey{}, false, err
	}
	plain, err := UnwrapWithPassword(oldPassword, sk.Wrap)
	if err != nil {
		return store.StaffKey{}, false, err
	}
	w, err := WrapWithPassword(newPassword, plain)
	if err != nil {
		return store.StaffKey{}, false, err
	}
	return store.StaffKey{StaffID: st.ID, PublicKey: sk.PublicKey, Wrap: w}, true, nil
}

// Grant gives the member username access to desk's content: desk's
// private key deskKey (held by a signed-in member, or opened with the
// recovery key) is sealed to the member's public key. The member must
// have signed in once (ErrNoStaffKey) and have desk as role.
func (k *Keyring) Grant(ctx context.Context, desk string, deskKey *age.X25519Identity, username, actor string) error {
	st, err := k.db.StaffByUsername(ctx, username)
	if err != nil {
		return err
	}
	if st.Role != desk {
		return ErrNotDeskMember
	}
	sk, err := k.db.StaffKeyByID(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoStaffKey
	}
	if err != nil {
		return err
	}
	r, err := age.ParseX25519Recipient(sk.PublicKey)
	if err != nil {
		return err
	}
	w, err := Encrypt([]byte(deskKey.String()), r)
	if err != nil {
		return err
	}
	now := k.now()
	return k.db.PutDeskGrant(ctx, desk, staffHolder(st.ID), w, now,
		store.AuditEntry{At: now, Actor: actor, Action: "desk.key_grant", Target: "staff/" + st.Username})
}

// GrantToken gives a desk API token its own wrapped copy of desk's private
// key (WrapWithSecret under the token), so that an agency's system reads
// through the API without any member signed in.
func (k *Keyring) GrantToken(ctx context.Context, desk string, deskKey *age.X25519Identity, token, name, actor string) error {
	w, err := WrapWithSecret(token, []byte(deskKey.String()))
	if err != nil {
		return err
	}
	now := k.now()
	return k.db.PutDeskGrant(ctx, desk, tokenHolder(token), w, now,
		store.AuditEntry{At: now, Actor: actor, Action: "desk.key_grant", Target: "token/" + name})
}

// UnlockToken returns desk's private key from the token's own copy; nil,
// nil when the token has none (made before the desk had a key).
func (k *Keyring) UnlockToken(ctx context.Context, desk, token string) (*age.X25519Identity, error) {
	w, err := k.db.DeskGrant(ctx, desk, tokenHolder(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	plain, err := UnwrapWithSecret(token, w)
	if err != nil {
		return nil, err
	}
	return age.ParseX25519Identity(string(plain))
}

// RevokeToken deletes the token's copy of the key.
func (k *Keyring) RevokeToken(ctx context.Context, token string) error {
	return k.db.DeleteDeskGrants(ctx, tokenHolder(token))
}
