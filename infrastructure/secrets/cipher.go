package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Cipher encrypts credentials at rest with AES-256-GCM. Each ciphertext names the key that sealed
// it, so a previous key can still open old values while the current one seals new ones (rotation:
// set ASSETFLOW_SECRET_KEY_PREVIOUS, run `assetflow secrets rotate`, then drop the previous key).
type Cipher struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewCipher derives the credential keys from the current master key and any previous ones.
func NewCipher(master []byte, previous ...[]byte) (*Cipher, error) {
	c := &Cipher{aeads: map[string]cipher.AEAD{}}
	for i, m := range append([][]byte{master}, previous...) {
		key := Derive(m, "datasource-credentials")
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("credential key: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("credential key: %w", err)
		}
		sum := sha256.Sum256(key)
		id := hex.EncodeToString(sum[:4])
		if i == 0 {
			c.current = id
		}
		c.aeads[id] = aead
	}
	return c, nil
}

// KeyID names the current key.
func (c *Cipher) KeyID() string { return c.current }

// Seal encrypts plaintext bound to context (e.g. the datasource id): "v1:<key id>:<base64>".
func (c *Cipher) Seal(plaintext, context string) (string, error) {
	aead := c.aeads[c.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	ct := aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return "v1:" + c.current + ":" + base64.StdEncoding.EncodeToString(ct), nil
}

// ErrUnknownKey means the value was sealed by a key this process does not have.
var ErrUnknownKey = errors.New("sealed with an unknown key (was ASSETFLOW_SECRET_KEY changed without ASSETFLOW_SECRET_KEY_PREVIOUS?)")

// Open decrypts a value sealed for the same context.
func (c *Cipher) Open(sealed, context string) (string, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", errors.New("not a sealed value")
	}
	aead, ok := c.aeads[parts[1]]
	if !ok {
		return "", ErrUnknownKey
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("corrupt sealed value")
	}
	pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return "", errors.New("sealed value does not open (tampered, or bound to another object)")
	}
	return string(pt), nil
}

// NeedsRotation reports whether sealed was made with a key other than the current one.
func (c *Cipher) NeedsRotation(sealed string) bool {
	parts := strings.SplitN(sealed, ":", 3)
	return len(parts) == 3 && parts[1] != c.current
}
