package secrets

import (
	"bytes"
	"strings"
	"testing"
)

func TestCipherSealOpenRotate(t *testing.T) {
	t.Parallel()
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	old, err := NewCipher(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("s3cret", "ds-1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "s3cret") {
		t.Fatal("plaintext visible in the sealed value")
	}
	again, _ := old.Seal("s3cret", "ds-1")
	if again == sealed {
		t.Fatal("two seals of one value are identical (nonce reuse)")
	}
	if _, err := old.Open(sealed, "ds-2"); err == nil {
		t.Fatal("a value opened for another object")
	}
	rotated, err := NewCipher(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed, "ds-1"); err != nil || got != "s3cret" {
		t.Fatalf("previous key: %q %v", got, err)
	}
	if !rotated.NeedsRotation(sealed) {
		t.Fatal("old value not flagged for rotation")
	}
	fresh, _ := rotated.Seal("s3cret", "ds-1")
	if rotated.NeedsRotation(fresh) {
		t.Fatal("fresh value flagged")
	}
	onlyNew, _ := NewCipher(newKey)
	if _, err := onlyNew.Open(sealed, "ds-1"); err != ErrUnknownKey {
		t.Fatalf("without the previous key: %v", err)
	}
	tampered := sealed[:len(sealed)-4] + "AAA="
	if _, err := old.Open(tampered, "ds-1"); err == nil {
		t.Fatal("tampered value opened")
	}
}
