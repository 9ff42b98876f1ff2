// Package secrets keeps secrets secret: password hashing (bcrypt), session tokens (HS256 JWT) and
// the server key they derive from.
package secrets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"assetflow/domain/fault"
)

// LoadOrCreateKey returns configured when set; otherwise the key stored in dir/secret.key,
// generating it on first use. Replicas must share one key: set ASSETFLOW_SECRET_KEY for them.
func LoadOrCreateKey(configured []byte, dir string) ([]byte, error) {
	if len(configured) == 32 {
		return configured, nil
	}
	path := filepath.Join(dir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s is not base64 of 32 bytes", path)
		}
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// Derive gives an independent sub-key per purpose, so the token key never doubles as the
// encryption key.
func Derive(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("assetflow/" + purpose))
	return m.Sum(nil)
}

// Bcrypt hashes passwords.
type Bcrypt struct{ Cost int }

// Hash returns the bcrypt hash.
func (b Bcrypt) Hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), b.Cost)
	if err != nil {
		return "", fmt.Errorf("bcrypt: %w", err)
	}
	return string(h), nil
}

// Matches compares in constant time.
func (Bcrypt) Matches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// Tokens signs and verifies session tokens.
type Tokens struct{ Key []byte }

// Claims of a session token.
type Claims struct {
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// Issue signs a token for a user's session.
func (t Tokens) Issue(userID, sessionID string, expires time.Time) (string, error) {
	c := Claims{SessionID: sessionID, RegisteredClaims: jwt.RegisteredClaims{
		Subject: userID, Issuer: "assetflow", IssuedAt: jwt.NewNumericDate(time.Now()), ExpiresAt: jwt.NewNumericDate(expires),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.Key)
}

// Verify checks signature and expiry and returns the claims.
func (t Tokens) Verify(token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.Key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("assetflow"), jwt.WithExpirationRequired())
	if errors.Is(err, jwt.ErrTokenExpired) {
		return c, fault.Unauthorized("the session has expired; sign in again")
	}
	if err != nil {
		return c, fault.Unauthorized("invalid token")
	}
	return c, nil
}
